#include "ops/registry.h"

namespace layerscope {

// One registration function per file in this folder.
void register_onednn_conv(Registry& r);
void register_onednn_conv_transpose(Registry& r);
void register_onednn_matmul(Registry& r);
void register_onednn_gemm(Registry& r);
void register_onednn_pooling(Registry& r);
void register_onednn_batchnorm(Registry& r);
void register_onednn_layernorm(Registry& r);
void register_onednn_softmax(Registry& r);
void register_onednn_resize(Registry& r);
void register_onednn_reduction(Registry& r);
void register_onednn_reorder(Registry& r);
void register_onednn_fused_transformer(Registry& r);  // after layernorm: aliases its kernels

void register_onednn_kernels(Registry& r) {
  register_onednn_conv(r);
  register_onednn_conv_transpose(r);
  register_onednn_matmul(r);
  register_onednn_gemm(r);
  register_onednn_pooling(r);
  register_onednn_batchnorm(r);
  register_onednn_layernorm(r);
  register_onednn_softmax(r);
  register_onednn_resize(r);
  register_onednn_reduction(r);
  register_onednn_reorder(r);
  register_onednn_fused_transformer(r);
}

}  // namespace layerscope
