// The float summation of the native reductions (native:instancenorm, native:reduce): kLanes
// independent float accumulators the compiler vectorises, over chunks of kChunk elements (each
// lane adds kChunk / kLanes terms), the chunks added in double, so long rows keep their precision.
#pragma once
#include <algorithm>
#include <cstdint>

namespace layerscope::native {

constexpr int kSumLanes = 16;
constexpr int64_t kSumChunk = 1024;

// sum over j in [0, n) of term(x[j]).
template <typename Term>
double lane_sum(const float* x, int64_t n, Term term) {
  double t = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kSumChunk) {
    const int64_t c1 = std::min(n, c0 + kSumChunk);
    float s[kSumLanes] = {};
    int64_t j = c0;
    for (; j + kSumLanes <= c1; j += kSumLanes)
      for (int l = 0; l < kSumLanes; ++l) s[l] += term(x[j + l]);
    for (; j < c1; ++j) t += term(x[j]);
    for (int l = 0; l < kSumLanes; ++l) t += s[l];
  }
  return t;
}

}  // namespace layerscope::native
