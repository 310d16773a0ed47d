// Tensor (data movement) family entry point; the ops live in the other files of this folder, by topic.
#include "ops/tensor/common.h"

namespace layerscope {

void register_unique_ops(OpRegistry& r);        // Unique (unique.cpp)
void register_crop_reverse_ops(OpRegistry& r);  // CenterCropPad, ReverseSequence (crop_reverse.cpp)

void register_tensor_ops(OpRegistry& r) {
  register_transpose_ops(r);
  register_concat_split_ops(r);
  register_slice_ops(r);
  register_pad_ops(r);
  register_gather_ops(r);
  register_scatter_ops(r);
  register_expand_tile_ops(r);
  register_index_ops(r);
  register_arg_topk_ops(r);
  register_unique_ops(r);
  register_crop_reverse_ops(r);
}

}  // namespace layerscope
