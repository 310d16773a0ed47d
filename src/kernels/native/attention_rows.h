// Row operations of the fused attention kernel (native:sdpa), on rows that sit in cache.
#pragma once
#include <cstdint>

namespace layerscope::attention_rows {

// For each of `rows` rows of `s` (n values each, contiguous): s = s * scale + mask, then
// s = exp(s - max(s)) and sums[i] = the row's sum. The softmax is left unnormalised: the
// caller divides the (narrower) product with V by sums[i] instead. `mask` may be null; its
// row i starts at mask + i * mask_row_stride and its element j is j * mask_col_stride further
// (strides 0 where the mask broadcasts).
void softmax_unnormalised(float* s, int64_t rows, int64_t n, float scale, const float* mask, int64_t mask_row_stride,
                          int64_t mask_col_stride, float* sums);

// Row i of `o` (n contiguous values at o + i * o_stride) divided by sums[i], into row i of
// `dst` (at dst + i * dst_stride; may be `o` itself). The destination may be a strided view,
// e.g. one head's columns of an [L, H, Dv] output: the division doubles as the copy out.
void scale_rows(const float* o, int64_t o_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t n,
                const float* sums);

// The [rows, cols] matrix whose element (i, j) is src[i * row_stride + j * col_stride], copied
// densely (row-major) into `dst`: how a strided head becomes an operand oneDNN's fast matmul
// (brgemm, which takes only dense matrices) accepts.
void pack(float* dst, const float* src, int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride);

}  // namespace layerscope::attention_rows
