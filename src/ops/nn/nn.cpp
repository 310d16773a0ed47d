#include "ops/op_registry.h"

namespace layerscope {

// The nn family is split by owner/topic; each part registers from its own file.
void register_nn_linear_ops(OpRegistry& r);       // MatMul, Gemm, Conv, ConvTranspose, pooling
void register_nn_norm_ops(OpRegistry& r);         // normalisations, softmax, Resize, LRN
void register_nn_recurrent_ops(OpRegistry& r);    // RNN, GRU, LSTM (recurrent.cpp)
void register_nn_detection_ops(OpRegistry& r);    // NonMaxSuppression, RoiAlign, MaxRoiPool
void register_nn_grid_sample_ops(OpRegistry& r);  // GridSample, AffineGrid
void register_nn_unpool_ops(OpRegistry& r);       // MaxUnpool, Col2Im
void register_nn_det_ops(OpRegistry& r);          // Det
void register_nn_deform_conv_ops(OpRegistry& r);  // DeformConv

void register_nn_ops(OpRegistry& r) {
  register_nn_linear_ops(r);
  register_nn_norm_ops(r);
  register_nn_recurrent_ops(r);
  register_nn_detection_ops(r);
  register_nn_grid_sample_ops(r);
  register_nn_unpool_ops(r);
  register_nn_det_ops(r);
  register_nn_deform_conv_ops(r);
}

}  // namespace layerscope
