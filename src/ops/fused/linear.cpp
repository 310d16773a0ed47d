// Op definitions of the fused linear layers (fused/transformer.h): MatMulAdd[Act] and
// Gemm[Act]. Inference, cost and reference are the registered MatMul / Gemm, Add and
// activation ops' own, chained.
#include <map>

#include "ops/fused/reference.h"
#include "ops/fused/transformer.h"

namespace layerscope {
namespace {

using fused_ref::as_onnx;
using fused_ref::onnx_op;

// The ONNX op whose reference computes activation `a` (all of kLinearActivations).
std::pair<const char*, int> activation_onnx_op(Activation a) {
  switch (a) {
    case Activation::Relu: return {"Relu", 14};
    case Activation::Gelu: return {"Gelu", 20};
    case Activation::Sigmoid: return {"Sigmoid", 13};
    case Activation::Tanh: return {"Tanh", 13};
    default: break;
  }
  fail("activation ", activation_name(a), " is not one a fused linear layer carries");
}

// The activation op's attributes (Gelu's approximate), which the pass copies onto the fused node.
std::vector<AttrSpec> activation_attr_specs(const OpRegistry& r, Activation a) {
  auto [op_type, opset] = activation_onnx_op(a);
  return attributes_at(onnx_op(r, op_type, opset), opset);
}

Attributes activation_attrs(const Node& n, Activation a) {
  Attributes at;
  if (a == Activation::Gelu) at.set("approximate", n.attrs.get_string("approximate", "none"));
  return at;
}

void check_approximate(const InferContext& c, Activation a) {
  if (a != Activation::Gelu) return;
  const std::string ap = c.attrs().get_string("approximate", "none");
  if (ap != "none" && ap != "tanh") c.error("attribute 'approximate' = '", ap, "'; expected none or tanh");
}

// MatMulAdd[Act]: A [..., K] x W [K, N] + bias [N], then act.
void add_matmul_add(OpRegistry& r, Activation act) {
  const OpDef& mm = onnx_op(r, "MatMul", 13);
  RefKernelFn mm_ref = mm.reference, add_ref = onnx_op(r, "Add", 14).reference, act_ref;
  if (act != Activation::None) act_ref = onnx_op(r, activation_onnx_op(act).first, activation_onnx_op(act).second).reference;
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_linear_op_type(LinearBase::MatMulAdd, act);
  d.since = 1;
  if (act != Activation::None) d.attributes = activation_attr_specs(r, act);
  d.infer = [mm_infer = mm.infer, act](InferContext& c) {
    c.expect_inputs(3, 3);
    if (c.rank(1) != 2) c.error("input W has shape ", shape_to_string(c.shape(1)), "; expected a matrix (K,N)");
    const int64_t n = c.shape(1)[1];
    if (c.shape(2) != Shape{n} || c.dtype(2) != c.dtype(0))
      c.error("input bias is ", dtype_name(c.dtype(2)), " ", shape_to_string(c.shape(2)), "; expected ",
              dtype_name(c.dtype(0)), " ", shape_to_string(Shape{n}));
    check_approximate(c, act);
    InferContext sub(c.node(), {c.input(0), c.input(1)}, {nullptr, nullptr});
    mm_infer(sub);
    c.set_output(0, sub.outputs()[0].dtype, sub.outputs()[0].shape);
  };
  // The product's MACs; one operation per output element for the bias and one for the
  // activation. Bytes: inputs read once, output written once (no intermediate in memory).
  d.cost = [mm_cost = mm.cost, act](const CostContext& c) {
    Cost cost = mm_cost(c);
    cost.other_ops = (act == Activation::None ? 1.0 : 2.0) * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Node add = as_onnx(n, "Add", 14, {});
    mm_ref(as_onnx(n, "MatMul", 13, {}), in.first(2), out);
    const Tensor* args[] = {out[0], in[2]};
    add_ref(add, args, out);
    if (act == Activation::None) return;
    const Tensor* y[] = {out[0]};
    act_ref(as_onnx(n, activation_onnx_op(act).first, activation_onnx_op(act).second, activation_attrs(n, act)), y, out);
  };
  r.add_op(std::move(d));
}

// Gemm<Act>: ONNX Gemm (opset 13 semantics), then act.
void add_gemm_act(OpRegistry& r, Activation act) {
  const OpDef& gemm = onnx_op(r, "Gemm", 13);
  RefKernelFn gemm_ref = gemm.reference;
  RefKernelFn act_ref = onnx_op(r, activation_onnx_op(act).first, activation_onnx_op(act).second).reference;
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_linear_op_type(LinearBase::Gemm, act);
  d.since = 1;
  d.attributes = attributes_at(gemm, 13);
  for (AttrSpec& s : activation_attr_specs(r, act)) d.attributes.push_back(std::move(s));
  d.infer = [gemm_infer = gemm.infer, act](InferContext& c) {
    check_approximate(c, act);
    gemm_infer(c);
  };
  d.cost = [gemm_cost = gemm.cost](const CostContext& c) {
    Cost cost = gemm_cost(c);
    cost.other_ops += static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Attributes ga;
    for (const char* k : {"alpha", "beta", "transA", "transB"})
      if (n.attrs.has(k)) ga.set(k, n.attrs.all().at(k));
    gemm_ref(as_onnx(n, "Gemm", 13, ga), in, out);
    const Tensor* y[] = {out[0]};
    act_ref(as_onnx(n, activation_onnx_op(act).first, activation_onnx_op(act).second, activation_attrs(n, act)), y, out);
  };
  r.add_op(std::move(d));
}

}  // namespace

std::string fused_linear_op_type(LinearBase base, Activation a) {
  return std::string(base == LinearBase::Gemm ? "Gemm" : "MatMulAdd") + activation_name(a);
}

std::optional<LinearEpilogue> linear_epilogue(const Node& n) {
  static const std::map<std::string, std::pair<LinearBase, Activation>> kinds = [] {
    std::map<std::string, std::pair<LinearBase, Activation>> m;
    m[fused_linear_op_type(LinearBase::MatMulAdd, Activation::None)] = {LinearBase::MatMulAdd, Activation::None};
    for (Activation a : kLinearActivations)
      for (LinearBase b : {LinearBase::MatMulAdd, LinearBase::Gemm}) m[fused_linear_op_type(b, a)] = {b, a};
    return m;
  }();
  if (n.domain != kFusedDomain) return std::nullopt;
  auto it = kinds.find(n.op_type);
  if (it == kinds.end()) return std::nullopt;
  LinearEpilogue e;
  e.base = it->second.first;
  e.activation = it->second.second;
  e.gelu_tanh = e.activation == Activation::Gelu && n.attrs.get_string("approximate", "none") == "tanh";
  return e;
}

void register_fused_linear_ops(OpRegistry& r) {
  add_matmul_add(r, Activation::None);
  for (Activation a : kLinearActivations) {
    add_matmul_add(r, a);
    add_gemm_act(r, a);
  }
}

}  // namespace layerscope
