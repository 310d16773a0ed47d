// Mixed-radix decimation-in-time FFT: n = p * m with p the smallest prime factor of n; the p
// sub-sequences x[r + p*j] are transformed recursively (length m), then combined:
//   X[k + m*q] = sum_{r<p} W_n^{r*(k + m*q)} * Y_r[k]      (k < m, q < p, W_n = e^{-2 pi i/n})
// A prime length is its own single stage, i.e. the direct O(n^2) DFT.
#include "ops/signal/fft.h"

#include <cmath>

namespace layerscope {

namespace {

int64_t smallest_prime_factor(int64_t n) {
  for (int64_t p = 2; p * p <= n; ++p)
    if (n % p == 0) return p;
  return n;
}

}  // namespace

FftPlan::FftPlan(int64_t n, bool inverse) : n_(n), inverse_(inverse), twiddle_(n), scratch_(n) {
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t t = 0; t < n; ++t) {
    const double angle = sign * 2.0 * M_PI * static_cast<double>(t) / static_cast<double>(n);
    twiddle_[t] = {std::cos(angle), std::sin(angle)};
  }
}

void FftPlan::run(const std::vector<std::complex<double>>& in, std::vector<std::complex<double>>& out) {
  out.resize(n_);
  if (n_ == 0) return;
  step(in.data(), 1, n_, out.data());
  if (inverse_)
    for (auto& v : out) v /= static_cast<double>(n_);
}

// out[0..n) = DFT of in[0], in[stride], ..., in[(n-1)*stride]. W_n^t = twiddle_[t * (n_/n)].
void FftPlan::step(const std::complex<double>* in, int64_t stride, int64_t n, std::complex<double>* out) {
  if (n == 1) {
    out[0] = in[0];
    return;
  }
  const int64_t p = smallest_prime_factor(n), m = n / p, tw_step = n_ / n;
  for (int64_t r = 0; r < p; ++r) step(in + r * stride, stride * p, m, out + r * m);
  // Combine into scratch (this call's slice of it is free: deeper calls have returned).
  std::complex<double>* tmp = scratch_.data();
  for (int64_t q = 0; q < p; ++q)
    for (int64_t k = 0; k < m; ++k) {
      const int64_t idx = k + m * q;
      std::complex<double> sum = out[k];
      for (int64_t r = 1; r < p; ++r) sum += twiddle_[((r * idx) % n) * tw_step] * out[r * m + k];
      tmp[idx] = sum;
    }
  for (int64_t i = 0; i < n; ++i) out[i] = tmp[i];
}

double fft_complex_macs(int64_t n) {
  double sum = 0;
  for (int64_t rest = n; rest > 1;) {
    const int64_t p = smallest_prime_factor(rest);
    sum += static_cast<double>(p);
    rest /= p;
  }
  return static_cast<double>(n) * sum;
}

}  // namespace layerscope
