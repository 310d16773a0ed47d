// The measurement behind kGemvParallelMacs (src/kernels/native/gemv_rows.h): native:gemv's row
// loop at 1 and 2 threads over K x N from 4 Ki to 1 Mi multiply-adds, with the weights in cache
// (a classifier head runs the same weights every inference) and streamed from memory.
//
//   bench/gemv_threshold.sh     (builds this file with the library's flags and runs it)
//
// Prints, per shape, the median microseconds of each thread count and 1-thread/2-thread
// (> 1: two threads faster). Timings mean something only on a quiet machine.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "kernels/native/gemv_rows.h"

namespace {

double median_us(int64_t K, int64_t N, int threads, int reps) {
  std::vector<float> a(K, 0.5f), w(K * N, 0.25f), bias(N, 1.f), y(N);
  std::vector<double> us;
  for (int r = 0; r < reps + 10; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    layerscope::native::gemv_rows(a.data(), w.data(), bias.data(), y.data(), K, N, threads);
    const double t = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (r >= 10) us.push_back(t);  // the first runs warm the caches and the OpenMP team
  }
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  return us[us.size() / 2];
}

}  // namespace

int main() {
  struct Size {
    int64_t K, N;
  };
  const Size sizes[] = {{64, 64},   {128, 128},  {256, 128},   {256, 256},  {512, 256},
                        {512, 512}, {1024, 512}, {1280, 1000}, {2048, 1000}};
  std::printf("%-12s %10s %12s %12s %14s\n", "K x N", "MACs", "1 thread us", "2 threads us", "1T/2T");
  for (const Size& s : sizes) {
    const int reps = s.K * s.N > 1 << 20 ? 200 : 2000;
    const double t1 = median_us(s.K, s.N, 1, reps), t2 = median_us(s.K, s.N, 2, reps);
    char label[32];
    std::snprintf(label, sizeof label, "%lldx%lld", static_cast<long long>(s.K), static_cast<long long>(s.N));
    std::printf("%-12s %10lld %12.2f %12.2f %14.2f\n", label, static_cast<long long>(s.K * s.N), t1, t2, t1 / t2);
  }
  return 0;
}
