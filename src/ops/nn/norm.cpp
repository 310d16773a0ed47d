#include "ops/registry.h"

namespace layerscope {

// The normalisation part of the nn family, split by topic.
void register_normalization_ops(Registry& r);  // BatchNorm, LayerNorm, InstanceNorm, GroupNorm
void register_norm_misc_ops(Registry& r);      // LpNormalization, MeanVarianceNormalization, LRN
void register_softmax_ops(Registry& r);        // Softmax, LogSoftmax, Hardmax
void register_resize_ops(Registry& r);         // Resize, Upsample

void register_nn_norm_ops(Registry& r) {
  register_normalization_ops(r);
  register_norm_misc_ops(r);
  register_softmax_ops(r);
  register_resize_ops(r);
}

}  // namespace layerscope
