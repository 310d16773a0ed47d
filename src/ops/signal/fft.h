// The complex discrete Fourier transform behind DFT and STFT (and their cost).
#pragma once
#include <complex>
#include <cstdint>
#include <vector>

namespace layerscope {

// A plan for n-point transforms: its twiddle factors, computed once per node execution and
// reused for every row of the tensor.
class FftPlan {
 public:
  // inverse: X[k] = 1/n sum_j x[j] e^{+2 pi i jk/n}; else X[k] = sum_j x[j] e^{-2 pi i jk/n}.
  FftPlan(int64_t n, bool inverse);
  int64_t size() const { return n_; }
  // out = DFT(in); in has n elements.
  void run(const std::vector<std::complex<double>>& in, std::vector<std::complex<double>>& out);

 private:
  void step(const std::complex<double>* in, int64_t stride, int64_t n, std::complex<double>* out);

  int64_t n_;
  bool inverse_;
  std::vector<std::complex<double>> twiddle_;  // e^{-+2 pi i t/n}, t < n
  std::vector<std::complex<double>> scratch_;
};

// Complex multiply-adds of one n-point transform as FftPlan computes it: mixed-radix
// decimation in time, each stage of radix p (a prime factor of n) costing n*p of them, so
// n * (sum of n's prime factors): 2n log2 n for powers of two, n^2 for a prime n.
double fft_complex_macs(int64_t n);

}  // namespace layerscope
