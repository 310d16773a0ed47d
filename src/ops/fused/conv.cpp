// Op definitions of the fused convolutions (see fused/conv.h). Nothing is re-implemented here:
// infer, cost and the reference kernel are the registered Conv's, followed by the registered
// Add and the absorbed activation's reference kernels applied in place on the convolution's
// output.
#include "ops/fused/conv.h"

#include "ops/fused/reference.h"

namespace layerscope {

void register_reorder_op(OpRegistry& r);                   // ops/fused/reorder.cpp
void register_fused_qlinear_conv_add_op(OpRegistry& r);    // ops/fused/qlinear_conv_add.cpp
void register_fused_qlinear_matmul_add_op(OpRegistry& r);  // ops/fused/qlinear_matmul_add.cpp

namespace {

using fused_ref::AbsorbedActivation;
using fused_ref::as_onnx;
using fused_ref::onnx_op;

// The SiLU pattern x * Sigmoid(x) as one activation: Sigmoid's and Mul's references.
AbsorbedActivation swish(const OpRegistry& r) {
  AbsorbedActivation a;
  a.op_type = kSwishActivation;
  a.ops_per_element = 2;  // the Sigmoid and the Mul
  a.reference = [sigmoid = onnx_op(r, "Sigmoid", 13).reference, mul = onnx_op(r, "Mul", 14).reference](
                    const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor s = fused_ref::run(sigmoid, as_onnx(n, "Sigmoid", 13, {}), {&x}, x.dtype(), x.shape());
    const Tensor* args[] = {&x, &s};
    mul(as_onnx(n, "Mul", 14, {}), args, out);
  };
  a.post_ops = [](const Attributes&) { return PostOps{{Eltwise::Swish, 1.f}}; };
  return a;
}

// The fused node seen as its Conv: inputs X, W, B only (Conv's inference reads no values).
InferContext conv_part(const InferContext& c) {
  const int n = std::min(c.num_inputs(), 3);
  std::vector<TensorInfo> in(c.inputs().begin(), c.inputs().begin() + n);
  return InferContext(c.node(), std::move(in), std::vector<const Tensor*>(n, nullptr));
}

// Conv [+ residual] [+ act]; `act` null for none.
void add_fused_conv(OpRegistry& r, bool residual, const AbsorbedActivation* act) {
  const OpDef& conv = onnx_op(r, "Conv", 11);
  RefKernelFn conv_ref = conv.reference, add_ref = onnx_op(r, "Add", 14).reference;

  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_conv_op_type(residual, act ? act->op_type : "");
  d.since = 1;
  // The Conv's attributes and the activation's (what fuse_conv copies from the absorbed node).
  d.attributes = attributes_at(conv, 11);
  if (act)
    for (const AttrSpec& s : act->attributes) {
      for (const AttrSpec& c : d.attributes)
        LS_CHECK(c.name != s.name, d.op_type, ": the activation's attribute '", s.name, "' is also the Conv's");
      d.attributes.push_back(s);
    }
  d.fusion = FusionTrait{"Conv", act ? act->post_ops : nullptr};
  std::optional<AbsorbedActivation> activation;
  if (act) activation = *act;
  d.infer = [conv_infer = conv.infer, residual, activation](InferContext& c) {
    if (c.num_inputs() > (residual ? 4 : 3))
      c.error("expected at most ", residual ? 4 : 3, " inputs, got ", c.num_inputs());
    InferContext sub = conv_part(c);
    conv_infer(sub);
    const TensorInfo& y = sub.outputs()[0];
    if (residual) {
      if (!c.has_input(kConvResidualInput)) c.error("the residual input (input 3) is missing");
      const TensorInfo& res = c.input(kConvResidualInput);
      if (res.dtype != y.dtype || res.shape != y.shape)
        c.error("the residual input is ", dtype_name(res.dtype), " ", shape_to_string(res.shape),
                "; expected the convolution's output type and shape, ", dtype_name(y.dtype), " ",
                shape_to_string(y.shape));
    }
    if (activation) activation->check(c, y);
    c.set_output(0, y.dtype, y.shape);
  };
  // The convolution's MACs and bias, plus one operation per output element for the add and
  // for each absorbed activation node (as the unfused ops count them); bytes: every input read
  // once, the output written once (the intermediate results never reach memory).
  const double extra_ops = (residual ? 1 : 0) + (act ? act->ops_per_element : 0);
  d.cost = [conv_cost = conv.cost, extra_ops](const CostContext& c) {
    Cost cost = conv_cost(c);
    cost.other_ops += extra_ops * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    conv_ref(n, in.first(std::min<size_t>(in.size(), 3)), out);
    Tensor* y = out[0];
    if (residual) {
      const Tensor* args[] = {y, in[kConvResidualInput]};
      add_ref(as_onnx(n, "Add", 14, {}), args, out);
    }
    if (activation) activation->apply(n, *y);
  };
  r.add_op(std::move(d));
}

}  // namespace

std::string fused_conv_op_type(bool residual, const std::string& activation) {
  return std::string("Conv") + (residual ? "Add" : "") + activation;
}

ConvEpilogue conv_epilogue(const FusionTrait& fusion, const Node& n) {
  ConvEpilogue e;
  e.residual = static_cast<int>(n.inputs.size()) > kConvResidualInput && n.inputs[kConvResidualInput] >= 0;
  if (fusion.activation) e.activation = fusion.activation(n.attrs);
  return e;
}

void register_fused_conv_ops(OpRegistry& r) {
  add_fused_conv(r, true, nullptr);
  std::vector<AbsorbedActivation> acts = fused_ref::absorbable_activations(r);
  acts.push_back(swish(r));
  for (const AbsorbedActivation& a : acts)
    for (bool residual : {false, true}) add_fused_conv(r, residual, &a);
  register_reorder_op(r);
  register_fused_qlinear_conv_add_op(r);
  register_fused_qlinear_matmul_add_op(r);
}

}  // namespace layerscope
