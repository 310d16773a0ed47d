// Building blocks for the reference kernels of fused ops: a fused node computes what the ONNX
// nodes it replaced computed, so its reference chains their registered reference kernels
// instead of re-implementing them (one oracle per operation, shared with the unfused graph).
#pragma once
#include <functional>
#include <span>
#include <string>
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

// An activation as fused ops absorb it: every ONNX op with the activation trait
// (OpDef::activation), one per op type, and the SiLU pattern of fuse_conv ("Swish"). A fused node
// carries its attributes (as `reference`'s definition takes them) besides those of its core op.
struct AbsorbedActivation {
  std::string op_type;               // "Relu", ...: the suffix of the fused op types
  int opset = 1;                     // of the definition `reference` belongs to
  std::vector<AttrSpec> attributes;  // what a fused node carries for it
  InferFn infer;                     // the definition's inference (checks the attribute values)
  RefKernelFn reference;             // y = act(x) for a node of op_type with those attributes
  std::function<PostOps(const Attributes&)> post_ops;
  double ops_per_element = 1;  // as the absorbed nodes' costs count them (Swish: 2)

  // The node `fused` seen as this activation: its name, and the attributes it carries for it.
  Node as_node(const Node& fused) const;
  // Errors (through the activation's inference) when those attribute values are invalid.
  void check(const InferContext& fused, const TensorInfo& y) const;
  // y = act(y), in place, by `reference`.
  void apply(const Node& fused, Tensor& y) const;
};

// Every activation fused ops may absorb, registered in `r` (after the op families).
std::vector<AbsorbedActivation> absorbable_activations(const OpRegistry& r);

// A float32 scalar tensor.
inline Tensor scalar_f32(float v) {
  Tensor t(DType::F32, {});
  *t.data_as<float>() = v;
  return t;
}

}  // namespace layerscope::fused_ref
