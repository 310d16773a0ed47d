// Building blocks for the reference kernels of fused ops: a fused node computes what the ONNX
// nodes it replaced computed, so its reference chains their registered reference kernels
// instead of re-implementing them (one oracle per operation, shared with the unfused graph).
#pragma once
#include <span>
#include <vector>

#include "ops/op_registry.h"

namespace layerscope::fused_ref {

// The registered ONNX definition of (op_type, opset); fused ops register after the families.
inline const OpDef& onnx_op(const OpRegistry& r, const char* op_type, int opset) {
  const OpDef* d = r.find_op("", op_type, opset);
  LS_CHECK(d != nullptr, "fused ops need '", op_type, "' (opset ", opset, ") registered first");
  return *d;
}

// `n` seen as the ONNX op `op_type` (same name and attributes; each op reads only its own).
inline Node as_onnx(const Node& n, const char* op_type, int opset, Attributes attrs) {
  Node a;
  a.name = n.name;
  a.op_type = op_type;
  a.opset = opset;
  a.attrs = std::move(attrs);
  return a;
}

// Runs `ref` on `in` into a new tensor of `dtype` / `shape`.
inline Tensor run(const RefKernelFn& ref, const Node& n, std::vector<const Tensor*> in, DType dtype, Shape shape) {
  Tensor y(dtype, std::move(shape));
  Tensor* out[] = {&y};
  ref(n, in, out);
  return y;
}

// A float32 scalar tensor.
inline Tensor scalar_f32(float v) {
  Tensor t(DType::F32, {});
  *t.data_as<float>() = v;
  return t;
}

}  // namespace layerscope::fused_ref
