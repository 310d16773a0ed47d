// The float summation of the native reductions (native:instancenorm, native:reduce): kSumLanes
// independent float accumulators held in one vector (GCC/clang vector extensions: one zmm
// register with AVX-512, several narrower ones elsewhere), over chunks of kSumChunk elements (each
// lane adds kSumChunk / kSumLanes terms), the chunks added in double, so long rows keep their
// precision. Written with explicit vectors because GCC 12 turned the equivalent 16-float array
// into scalar extracts and shuffles: InstanceNormalization over 1x512x3199 took 1.9 ms at 1
// thread on an AMD Zen 4, most of it in that loop.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace layerscope::native {

constexpr int kSumLanes = 16;
constexpr int64_t kSumChunk = 1024;

using SumLanes = float __attribute__((vector_size(kSumLanes * sizeof(float))));
using SumLaneBits = int32_t __attribute__((vector_size(kSumLanes * sizeof(int32_t))));

inline SumLanes load_lanes(const float* p) {
  SumLanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// |v| for a float or for every lane (terms are written once for both: generic lambdas).
inline float magnitude(float v) { return std::fabs(v); }
inline SumLanes magnitude(SumLanes v) { return (SumLanes)((SumLaneBits)v & 0x7fffffff); }

// The lanes added in order, in double.
inline double lanes_total(SumLanes s) {
  double t = 0;
  for (int l = 0; l < kSumLanes; ++l) t += s[l];
  return t;
}

// sum over j in [0, n) of term(x[j]); `term` takes a float and a SumLanes alike.
template <typename Term>
double lane_sum(const float* x, int64_t n, Term term) {
  double t = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kSumChunk) {
    const int64_t c1 = std::min(n, c0 + kSumChunk);
    SumLanes s = {};
    int64_t j = c0;
    for (; j + kSumLanes <= c1; j += kSumLanes) s += term(load_lanes(x + j));
    for (; j < c1; ++j) t += term(x[j]);
    t += lanes_total(s);
  }
  return t;
}

}  // namespace layerscope::native
