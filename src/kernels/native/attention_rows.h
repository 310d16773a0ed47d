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

// Row i of `o` (n values each) divided by sums[i].
void scale_rows(float* o, int64_t rows, int64_t n, const float* sums);

}  // namespace layerscope::attention_rows
