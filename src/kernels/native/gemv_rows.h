// The row loop of native:gemv (kernels/native/gemv.cpp), in a header of its own so that
// bench/gemv_threshold.cpp times exactly this code when it measures kGemvParallelMacs.
#pragma once
#include <cstdint>

namespace layerscope::native {

// Below this many multiply-adds (K x N) one thread is faster than two: waking the second
// thread and splitting the rows costs more than it saves. Measured by bench/gemv_threshold.sh
// (this loop at 1 and 2 threads over K x N from 4 Ki to 1 Mi): on an AMD EPYC Zen 5 two threads
// start to win between 32 Ki and 64 Ki multiply-adds.
constexpr int64_t kGemvParallelMacs = 64 * 1024;

// y[n] = dot(a[0..K), w[n*K .. n*K+K)) + bias[n] for n in [0, N), rows split across `threads`.
// One output per pass: the weights stream in address order, which the hardware prefetcher
// follows best (measured 27-33 GB/s on one core vs 17-22 GB/s for four interleaved rows).
inline void gemv_rows(const float* a, const float* w, const float* bias, float* y, int64_t K, int64_t N, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t n = 0; n < N; ++n) {
    const float* row = w + n * K;
    float sum = 0.f;
#pragma omp simd reduction(+ : sum)
    for (int64_t k = 0; k < K; ++k) sum += a[k] * row[k];
    y[n] = sum + bias[n];
  }
}

}  // namespace layerscope::native
