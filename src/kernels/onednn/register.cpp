#include "kernels/kernel_registry.h"

namespace layerscope {

// One registration function per file in this folder.
void register_onednn_conv(KernelRegistry& r, const OpRegistry& ops);
void register_onednn_conv_transpose(KernelRegistry& r);
void register_onednn_matmul(KernelRegistry& r);
void register_onednn_gemm(KernelRegistry& r);
void register_onednn_einsum(KernelRegistry& r);
void register_onednn_pooling(KernelRegistry& r);
void register_onednn_batchnorm(KernelRegistry& r);
void register_onednn_layernorm(KernelRegistry& r);
void register_onednn_softmax(KernelRegistry& r);
void register_onednn_resize(KernelRegistry& r);
void register_onednn_reduction(KernelRegistry& r);
void register_onednn_reorder(KernelRegistry& r);
void register_onednn_qlinear_conv(KernelRegistry& r);
void register_onednn_qlinear_matmul(KernelRegistry& r);
void register_onednn_rnn(KernelRegistry& r);  // RNN, GRU, LSTM
void register_onednn_eltwise(KernelRegistry& r, const OpRegistry& ops);
void register_onednn_fused_transformer(KernelRegistry& r,
                                       const OpRegistry& ops);  // after layernorm: aliases its kernels

void register_onednn_kernels(KernelRegistry& r, const OpRegistry& ops) {
  register_onednn_conv(r, ops);
  register_onednn_conv_transpose(r);
  register_onednn_matmul(r);
  register_onednn_gemm(r);
  register_onednn_einsum(r);
  register_onednn_pooling(r);
  register_onednn_batchnorm(r);
  register_onednn_layernorm(r);
  register_onednn_softmax(r);
  register_onednn_resize(r);
  register_onednn_reduction(r);
  register_onednn_reorder(r);
  register_onednn_qlinear_conv(r);
  register_onednn_qlinear_matmul(r);
  register_onednn_rnn(r);
  register_onednn_eltwise(r, ops);
  register_onednn_fused_transformer(r, ops);
}

}  // namespace layerscope
