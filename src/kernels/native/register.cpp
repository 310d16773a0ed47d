#include "kernels/kernel_registry.h"

namespace layerscope {

// Each native kernel group registers itself from its own file.
void register_native_elementwise_kernels(KernelRegistry& r);
void register_native_data_movement_kernels(KernelRegistry& r);
void register_native_pad_kernels(KernelRegistry& r);
void register_native_expand_kernels(KernelRegistry& r);
void register_native_scatter_kernels(KernelRegistry& r);
void register_native_fill_kernels(KernelRegistry& r);
void register_native_roi_align_kernels(KernelRegistry& r);
void register_native_topk_kernels(KernelRegistry& r);
void register_native_gather_nd_kernels(KernelRegistry& r);
void register_native_reduce_kernels(KernelRegistry& r);
void register_native_instance_norm_kernels(KernelRegistry& r);
void register_native_resize_kernels(KernelRegistry& r);
void register_native_quantize_kernels(KernelRegistry& r);
void register_native_gemv_kernels(KernelRegistry& r, const OpRegistry& ops);
void register_native_grouped_conv_kernels(KernelRegistry& r, const OpRegistry& ops);
void register_native_recurrent_kernels(KernelRegistry& r);
void register_native_fused_transformer_kernels(KernelRegistry& r);  // after elementwise: aliases Gelu's
void register_native_flash_attention_kernels(KernelRegistry& r);

void register_native_kernels(KernelRegistry& r, const OpRegistry& ops) {
  register_native_elementwise_kernels(r);
  register_native_data_movement_kernels(r);
  register_native_pad_kernels(r);
  register_native_expand_kernels(r);
  register_native_scatter_kernels(r);
  register_native_fill_kernels(r);
  register_native_roi_align_kernels(r);
  register_native_topk_kernels(r);
  register_native_gather_nd_kernels(r);
  register_native_reduce_kernels(r);
  register_native_instance_norm_kernels(r);
  register_native_resize_kernels(r);
  register_native_quantize_kernels(r);
  register_native_gemv_kernels(r, ops);
  register_native_grouped_conv_kernels(r, ops);
  register_native_recurrent_kernels(r);
  register_native_fused_transformer_kernels(r);
  register_native_flash_attention_kernels(r);
}

}  // namespace layerscope
