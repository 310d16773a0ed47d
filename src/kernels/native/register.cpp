#include "ops/registry.h"

namespace layerscope {

// Each native kernel group registers itself from its own file.
void register_native_elementwise_kernels(Registry& r);
void register_native_data_movement_kernels(Registry& r);
void register_native_resize_kernels(Registry& r);
void register_native_gemv_kernels(Registry& r);
void register_native_fused_transformer_kernels(Registry& r);  // after elementwise: aliases Gelu's

void register_native_kernels(Registry& r) {
  register_native_elementwise_kernels(r);
  register_native_data_movement_kernels(r);
  register_native_resize_kernels(r);
  register_native_gemv_kernels(r);
  register_native_fused_transformer_kernels(r);
}

}  // namespace layerscope
