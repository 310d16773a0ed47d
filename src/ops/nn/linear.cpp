#include "ops/nn/attrs.h"

namespace layerscope {

// The linear NN ops, split by topic; geometry shared via conv_geometry.h / matmul_shape.h,
// Einsum's equations via einsum_equation.h.
void register_nn_linear_ops(OpRegistry& r) {
  register_nn_matmul_ops(r);
  register_nn_conv_ops(r);
  register_nn_pool_ops(r);
  register_nn_einsum_ops(r);
}

}  // namespace layerscope
