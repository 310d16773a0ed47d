// What the int8 kernels (qlinear_conv.cpp, qlinear_matmul.cpp) read from their nodes the same
// way: constant inputs (scales, zero points) and row-major descriptors of any data type.
#pragma once
#include "kernels/onednn/onednn_common.h"

namespace layerscope::onednn {

// Input k is absent or a constant (known when the kernel is prepared).
inline bool absent_or_constant(const KernelSetup& s, int k) { return !has_input(s, k) || s.constants[k] != nullptr; }

// Element i of the integer constant input k (int8, uint8 or int32: zero points, biases), 0 when
// the input is absent.
inline int32_t int_at(const KernelSetup& s, int k, int64_t i) {
  if (!has_input(s, k)) return 0;
  const Tensor& t = *s.constants[k];
  switch (t.dtype()) {
    case DType::I8: return t.data_as<int8_t>()[i];
    case DType::U8: return t.data_as<uint8_t>()[i];
    case DType::I32: return t.data_as<int32_t>()[i];
    default: fail(Graph::describe(s.node), ": zero point of type ", dtype_name(t.dtype()));
  }
}

// A row-major descriptor of dims `d` and type `t`.
inline dnnl::memory::desc row_major(const dims& d, dnnl::memory::data_type t) {
  dims strides(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, t, strides);
}

}  // namespace layerscope::onednn
