#include "ops/op_registry.h"

namespace layerscope {

// The nn family is split by owner/topic; each part registers from its own file.
void register_nn_linear_ops(OpRegistry& r);     // MatMul, Gemm, Conv, ConvTranspose, pooling
void register_nn_norm_ops(OpRegistry& r);       // normalisations, softmax, Resize, LRN
void register_nn_recurrent_ops(OpRegistry& r);  // RNN, GRU, LSTM (recurrent.cpp)

void register_nn_ops(OpRegistry& r) {
  register_nn_linear_ops(r);
  register_nn_norm_ops(r);
  register_nn_recurrent_ops(r);
}

}  // namespace layerscope
