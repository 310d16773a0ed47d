// The row loop of native:gemv (kernels/native/gemv.cpp), in a header of its own so that
// bench/gemv_threshold.cpp times exactly this code when it measures kGemvParallelMacs.
#pragma once
#include <cstdint>

#include "kernels/native/lane_sum.h"

namespace layerscope::native {

// Below this many multiply-adds (K x N) one thread is faster than two: waking the second
// thread and splitting the rows costs more than it saves. Measured by bench/gemv_threshold.sh
// (this loop at 1 and 2 threads over K x N from 4 Ki to 1 Mi): on an AMD EPYC Zen 5 two threads
// start to win between 32 Ki and 64 Ki multiply-adds.
constexpr int64_t kGemvParallelMacs = 64 * 1024;

// y[n] = dot(a[0..K), w[n*K .. n*K+K)) + bias[n] for n in [0, N), rows split across `threads`.
// One output per pass: the weights stream in address order, which the hardware prefetcher
// follows best (measured 27-33 GB/s on one core vs 17-22 GB/s for four interleaved rows).
// Each dot product runs in four independent 16-float accumulators (kernels/native/lane_sum.h
// vectors): with the single accumulator of `omp simd` (8 floats wide under GCC's default
// tuning) every add waited for the previous one, and MobileNet/MNASNet's 1280x1000 head took
// 284 us at 1 thread on an AMD Zen 4 (18 GB/s), latency-bound instead of bandwidth-bound.
inline float dot_row(const float* a, const float* row, int64_t K) {
  SumLanes s0 = {}, s1 = {}, s2 = {}, s3 = {};
  int64_t k = 0;
  for (; k + 4 * kSumLanes <= K; k += 4 * kSumLanes) {
    s0 += load_lanes(a + k) * load_lanes(row + k);
    s1 += load_lanes(a + k + kSumLanes) * load_lanes(row + k + kSumLanes);
    s2 += load_lanes(a + k + 2 * kSumLanes) * load_lanes(row + k + 2 * kSumLanes);
    s3 += load_lanes(a + k + 3 * kSumLanes) * load_lanes(row + k + 3 * kSumLanes);
  }
  for (; k + kSumLanes <= K; k += kSumLanes) s0 += load_lanes(a + k) * load_lanes(row + k);
  float sum = static_cast<float>(lanes_total((s0 + s1) + (s2 + s3)));
  for (; k < K; ++k) sum += a[k] * row[k];
  return sum;
}

inline void gemv_rows(const float* a, const float* w, const float* bias, float* y, int64_t K, int64_t N, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
  for (int64_t n = 0; n < N; ++n) y[n] = dot_row(a, w + n * K, K) + bias[n];
}

}  // namespace layerscope::native
