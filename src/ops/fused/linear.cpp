// Op definitions of the fused linear layers (fused/transformer.h): MatMulAdd[Act] and
// Gemm<Act>. Inference, cost and reference are the registered MatMul / Gemm, Add and
// activation ops' own, chained.
#include "ops/fused/reference.h"
#include "ops/fused/transformer.h"

namespace layerscope {
namespace {

using fused_ref::AbsorbedActivation;
using fused_ref::as_onnx;
using fused_ref::onnx_op;

// The activation's attributes joined to the core op's, or nullopt when a name is in both
// (Gemm's alpha and LeakyRelu's alpha cannot both be the node's "alpha").
std::optional<std::vector<AttrSpec>> joined(std::vector<AttrSpec> core, const AbsorbedActivation* act) {
  if (act)
    for (const AttrSpec& s : act->attributes) {
      for (const AttrSpec& c : core)
        if (c.name == s.name) return std::nullopt;
      core.push_back(s);
    }
  return core;
}

// MatMulAdd[Act]: A [..., K] x W [K, N] + bias [N], then act (`act` null for none).
void add_matmul_add(OpRegistry& r, const AbsorbedActivation* act) {
  const OpDef& mm = onnx_op(r, "MatMul", 13);
  RefKernelFn mm_ref = mm.reference, add_ref = onnx_op(r, "Add", 14).reference;
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_linear_op_type(LinearBase::MatMulAdd, act ? act->op_type : "");
  d.since = 1;
  d.attributes = *joined({}, act);
  d.fusion = FusionTrait{"MatMul", act ? act->post_ops : nullptr};
  std::optional<AbsorbedActivation> activation;
  if (act) activation = *act;
  d.infer = [mm_infer = mm.infer, activation](InferContext& c) {
    c.expect_inputs(3, 3);
    if (c.rank(1) != 2) c.error("input W has shape ", shape_to_string(c.shape(1)), "; expected a matrix (K,N)");
    const int64_t n = c.shape(1)[1];
    if (c.shape(2) != Shape{n} || c.dtype(2) != c.dtype(0))
      c.error("input bias is ", dtype_name(c.dtype(2)), " ", shape_to_string(c.shape(2)), "; expected ",
              dtype_name(c.dtype(0)), " ", shape_to_string(Shape{n}));
    InferContext sub(c.node(), {c.input(0), c.input(1)}, {nullptr, nullptr});
    mm_infer(sub);
    if (activation) activation->check(c, sub.outputs()[0]);
    c.set_output(0, sub.outputs()[0].dtype, sub.outputs()[0].shape);
  };
  // The product's MACs; one operation per output element for the bias and for each absorbed
  // activation node. Bytes: inputs read once, output written once (no intermediate in memory).
  const double extra_ops = 1 + (act ? act->ops_per_element : 0);
  d.cost = [mm_cost = mm.cost, extra_ops](const CostContext& c) {
    Cost cost = mm_cost(c);
    cost.other_ops = extra_ops * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    mm_ref(as_onnx(n, "MatMul", 13, {}), in.first(2), out);
    const Tensor* args[] = {out[0], in[2]};
    add_ref(as_onnx(n, "Add", 14, {}), args, out);
    if (activation) activation->apply(n, *out[0]);
  };
  r.add_op(std::move(d));
}

// Gemm<Act>: ONNX Gemm (opset 13 semantics), then act; not registered when the activation's
// attribute names collide with Gemm's.
void add_gemm_act(OpRegistry& r, const AbsorbedActivation& act) {
  const OpDef& gemm = onnx_op(r, "Gemm", 13);
  std::optional<std::vector<AttrSpec>> attributes = joined(attributes_at(gemm, 13), &act);
  if (!attributes) return;
  RefKernelFn gemm_ref = gemm.reference;
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_linear_op_type(LinearBase::Gemm, act.op_type);
  d.since = 1;
  d.attributes = std::move(*attributes);
  d.fusion = FusionTrait{"Gemm", act.post_ops};
  d.infer = [gemm_infer = gemm.infer, act](InferContext& c) {
    gemm_infer(c);
    act.check(c, c.outputs()[0]);
  };
  d.cost = [gemm_cost = gemm.cost, extra_ops = act.ops_per_element](const CostContext& c) {
    Cost cost = gemm_cost(c);
    cost.other_ops += extra_ops * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Attributes ga;
    for (const char* k : {"alpha", "beta", "transA", "transB"})
      if (n.attrs.has(k)) ga.set(k, n.attrs.all().at(k));
    gemm_ref(as_onnx(n, "Gemm", 13, ga), in, out);
    act.apply(n, *out[0]);
  };
  r.add_op(std::move(d));
}

}  // namespace

std::string fused_linear_op_type(LinearBase base, const std::string& activation) {
  return std::string(base == LinearBase::Gemm ? "Gemm" : "MatMulAdd") + activation;
}

void register_fused_linear_ops(OpRegistry& r) {
  add_matmul_add(r, nullptr);
  for (const AbsorbedActivation& a : fused_ref::absorbable_activations(r)) {
    add_matmul_add(r, &a);
    add_gemm_act(r, a);
  }
}

}  // namespace layerscope
