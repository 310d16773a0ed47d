// The direct convolution loop of the reference kernels, shared by Conv (float) and the
// integer convolutions of ops/quant/ (ConvInteger, QLinearConv: int32 operands and sums).
#pragma once
#include <algorithm>
#include <cstdint>

#include "ops/nn/attrs.h"

namespace layerscope::nn {

inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Indices i in [0, n_i) whose mapped position p = i * s + off lies in [0, n_p): [*lo, *hi).
inline void valid_range(int64_t off, int64_t s, int64_t n_i, int64_t n_p, int64_t* lo, int64_t* hi) {
  *lo = std::max<int64_t>(0, floor_div(-off + s - 1, s));
  *hi = std::min<int64_t>(n_i, floor_div(n_p - 1 - off, s) + 1);
  if (*hi < *lo) *hi = *lo;
}

// y[n, oc, o] = b[oc] + sum_{ic in group, k} w[oc, ic, k] * x[n, ic, o * s - pb + k * d]
// One (n, oc) output plane per iteration; the innermost loop runs along the output row.
template <typename T>
void conv_kernel(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const nn::Geom3 q(g);
  const int64_t cin_g = g.C_in / g.group, cout_g = g.C_out / g.group;
  const int64_t in_sz = q.in_size(), out_sz = q.out_size(), ksz = q.k[0] * q.k[1] * q.k[2];
#pragma omp parallel for
  for (int64_t no = 0; no < g.N * g.C_out; ++no) {
    const int64_t n = no / g.C_out, oc = no % g.C_out, grp = oc / cout_g;
    T* yp = y + no * out_sz;
    std::fill(yp, yp + out_sz, bias ? bias[oc] : T(0));
    for (int64_t ic = 0; ic < cin_g; ++ic) {
      const T* xp = x + (n * g.C_in + grp * cin_g + ic) * in_sz;
      const T* wp = w + (oc * cin_g + ic) * ksz;
      for (int64_t kd = 0; kd < q.k[0]; ++kd)
        for (int64_t kh = 0; kh < q.k[1]; ++kh)
          for (int64_t kw = 0; kw < q.k[2]; ++kw) {
            const T wv = wp[(kd * q.k[1] + kh) * q.k[2] + kw];
            int64_t d0, d1, h0, h1, w0, w1;
            valid_range(kd * q.d[0] - q.pb[0], q.s[0], q.out[0], q.in[0], &d0, &d1);
            valid_range(kh * q.d[1] - q.pb[1], q.s[1], q.out[1], q.in[1], &h0, &h1);
            valid_range(kw * q.d[2] - q.pb[2], q.s[2], q.out[2], q.in[2], &w0, &w1);
            for (int64_t od = d0; od < d1; ++od)
              for (int64_t oh = h0; oh < h1; ++oh) {
                const int64_t id = od * q.s[0] + kd * q.d[0] - q.pb[0], ih = oh * q.s[1] + kh * q.d[1] - q.pb[1];
                const T* xrow = xp + (id * q.in[1] + ih) * q.in[2];
                T* yrow = yp + (od * q.out[1] + oh) * q.out[2];
                const int64_t off = kw * q.d[2] - q.pb[2], sw = q.s[2];
                for (int64_t ow = w0; ow < w1; ++ow) yrow[ow] += wv * xrow[ow * sw + off];
              }
          }
    }
  }
}

}  // namespace layerscope::nn
