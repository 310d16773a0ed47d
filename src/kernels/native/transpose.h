// Fast N-D transpose for 1/2/4/8-byte elements. A permutation is first reduced (size-1 axes
// dropped, input axes that stay adjacent merged), which turns the layouts transformers use into
// one of two cases:
//   - the innermost input axis stays innermost, e.g. (0,2,1,3) head split/merge or the
//     (2,0,3,1,4) qkv split: copy contiguous runs;
//   - it moves, e.g. swapping the last two axes (K^T): a batch of 2-D transposes done in
//     cache-sized tiles (8x8 AVX2 register transposes for 4-byte elements).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "layerscope/tensor.h"

namespace layerscope::native {

class TransposePlan {
 public:
  // out.shape[i] = in_shape[perm[i]].
  TransposePlan(const Shape& in_shape, const std::vector<int64_t>& perm, size_t elem_size);
  void run(const void* in, void* out, int threads) const;
  // Reduced problem, for tests: output dims and the input stride of each.
  const std::vector<int64_t>& dims() const { return dims_; }
  const std::vector<int64_t>& in_strides() const { return in_strides_; }

 private:
  template <typename T>
  void run_typed(const T* in, T* out, int threads) const;
  std::vector<int64_t> dims_, in_strides_, out_strides_;
  std::vector<int> batch_axes_;  // tile case: the axes other than the two being transposed
  int row_axis_ = 0;             // tile case: output axis holding the input's innermost axis
  size_t elem_size_;
  int64_t total_ = 0;
};

}  // namespace layerscope::native
