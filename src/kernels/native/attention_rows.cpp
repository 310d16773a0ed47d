#include "kernels/native/attention_rows.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/native/elementwise_math.h"

#if defined(__AVX512F__)
#include "util/simd.h"
#endif

namespace layerscope::attention_rows {
namespace {

// s = s * scale + mask over one row; returns the row's maximum.
float scale_add_max(float* s, int64_t n, float scale, const float* mask, int64_t mask_stride) {
  int64_t j = 0;
  float mx = -std::numeric_limits<float>::infinity();
#if defined(__AVX512F__)
  __m512 vmax = _mm512_set1_ps(mx);
  const __m512 vs = _mm512_set1_ps(scale);
  if (!mask) {
    for (; j + 16 <= n; j += 16) {
      const __m512 x = _mm512_mul_ps(_mm512_loadu_ps(s + j), vs);
      _mm512_storeu_ps(s + j, x);
      vmax = _mm512_max_ps(vmax, x);
    }
  } else if (mask_stride == 1) {
    for (; j + 16 <= n; j += 16) {
      const __m512 x = _mm512_fmadd_ps(_mm512_loadu_ps(s + j), vs, _mm512_loadu_ps(mask + j));
      _mm512_storeu_ps(s + j, x);
      vmax = _mm512_max_ps(vmax, x);
    }
  }
  mx = _mm512_reduce_max_ps(vmax);
#endif
  for (; j < n; ++j) {
    s[j] = mask ? s[j] * scale + mask[j * mask_stride] : s[j] * scale;
    mx = std::max(mx, s[j]);
  }
  return mx;
}

// s = s - m over one row; returns nothing (exp follows in native::exp_f32).
void subtract(float* s, int64_t n, float m) {
  for (int64_t j = 0; j < n; ++j) s[j] -= m;
}

float sum(const float* s, int64_t n) {
  int64_t j = 0;
  float total = 0.f;
#if defined(__AVX512F__)
  __m512 acc = _mm512_setzero_ps();
  for (; j + 16 <= n; j += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(s + j));
  total = _mm512_reduce_add_ps(acc);
#endif
  for (; j < n; ++j) total += s[j];
  return total;
}

}  // namespace

void softmax_unnormalised(float* s, int64_t rows, int64_t n, float scale, const float* mask, int64_t mask_row_stride,
                          int64_t mask_col_stride, float* sums) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = s + i * n;
    const float m = scale_add_max(row, n, scale, mask ? mask + i * mask_row_stride : nullptr, mask_col_stride);
    subtract(row, n, m);
    native::exp_f32(row, row, n);
    sums[i] = sum(row, n);
  }
}

void scale_rows(const float* o, int64_t o_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t n,
                const float* sums) {
  for (int64_t i = 0; i < rows; ++i) {
    const float inv = 1.f / sums[i];
    const float* in = o + i * o_stride;
    float* out = dst + i * dst_stride;
    for (int64_t j = 0; j < n; ++j) out[j] = in[j] * inv;
  }
}

void pack(float* dst, const float* src, int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  for (int64_t i = 0; i < rows; ++i, dst += cols) {
    const float* row = src + i * row_stride;
    if (col_stride == 1) {
      std::memcpy(dst, row, static_cast<size_t>(cols) * sizeof(float));
    } else {
      for (int64_t j = 0; j < cols; ++j) dst[j] = row[j * col_stride];
    }
  }
}

}  // namespace layerscope::attention_rows
