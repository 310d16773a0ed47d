#include "ops/op_registry.h"

namespace layerscope {

// The normalisation part of the nn family, split by topic.
void register_normalization_ops(OpRegistry& r);  // BatchNorm, LayerNorm, InstanceNorm, GroupNorm
void register_norm_misc_ops(OpRegistry& r);      // LpNormalization, MeanVarianceNormalization, LRN
void register_softmax_ops(OpRegistry& r);        // Softmax, LogSoftmax, Hardmax
void register_resize_ops(OpRegistry& r);         // Resize, Upsample

void register_nn_norm_ops(OpRegistry& r) {
  register_normalization_ops(r);
  register_norm_misc_ops(r);
  register_softmax_ops(r);
  register_resize_ops(r);
}

}  // namespace layerscope
