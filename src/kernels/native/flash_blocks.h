// The block operations of native:flash_sdpa (flash_attention.cpp) on operands that sit in
// cache: the two products of a (query tile, key block) pair and the online softmax between
// them. AVX-512 only (the kernel is registered only when compiled for it).
#pragma once
#include <cstdint>

namespace layerscope::flash_blocks {

// C = A B, or C = diag(row_scale) C + A B when row_scale is given (the running output of a
// query tile rescaled to a new row maximum and the next key block's contribution added, in
// one pass over C). A is [rows, k] with row stride lda, B [k, n] with row stride ldb, C
// [rows, n] with row stride ldc, all three with unit column stride. Register tiles of 6 rows x
// 64 columns: 24 accumulators, each step 4 vector loads of a B row and 6 broadcasts of A.
void product(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows, int64_t k,
             int64_t n, const float* row_scale);
// The rows of product()'s register tiles: a multiple of this many rows runs on full tiles only.
inline constexpr int64_t kProductRows = 6;

// The online softmax works in base 2: its scores are the attention's scores times log2(e) (the
// caller folds the factor into Q; the mask gets it here), so that e^(x - m) is 2^(s - m') and
// costs a polynomial without the range reduction's multiply.
// The running softmax state of a query tile's rows (arrays of the tile's rows).
struct RowState {
  float* max;      // m: the largest score seen so far (-inf before any)
  float* sum;      // l: sum of 2^(score - m) over the keys seen so far
  float* rescale;  // out: 2^(m_before - m_after) of the last update, by which the caller
                   // multiplies the row's output accumulator
};

// One block of scores s ([rows, n], row stride lds) in place: s += mask * log2(e) (when given:
// element (i, j) at mask[i * mask_row + j * mask_col], mask_col 1, or 0 for a mask broadcast
// along the keys), then per row with m' = max(m, max_j s):
// rescale = 2^(m - m'), l = l * rescale + sum_j 2^(s_j - m'), s_j = 2^(s_j - m'), m = m'.
// A row masked out so far (m' = -inf) keeps m and l, gets s = 0 and rescale = 1: its output
// stays 0, and a row masked out entirely ends with l = 0 and a NaN output, as the reference's
// softmax gives it.
void online_softmax(float* s, int64_t lds, int64_t rows, int64_t n, const float* mask, int64_t mask_row,
                    int64_t mask_col, const RowState& state);

// dst [cols, rows] (row stride ld) = the transpose of src [rows, cols] (row stride
// src_row, unit column stride): K's rows [Lk, D] as K^T [D, Lk], whose rows the product
// reads 16 keys at a time. 16 x 16 blocks are transposed in registers.
void transpose(float* dst, int64_t ld, const float* src, int64_t rows, int64_t cols, int64_t src_row);

}  // namespace layerscope::flash_blocks
