// Op definitions of the fused convolutions (see fused/conv.h). Nothing is re-implemented here:
// infer, cost and the reference kernel are the registered Conv's, followed by the registered
// Add and activation ops' reference kernels applied in place on the convolution's output.
#include "ops/fused/conv.h"

#include <limits>
#include <map>

#include "ops/op_registry.h"

namespace layerscope {

void register_reorder_op(OpRegistry& r);  // ops/fused/reorder.cpp

namespace {

// The ONNX definition whose reference kernel computes activation `a` (Swish: Sigmoid, then Mul).
struct ActivationOp {
  const char* op_type;
  int opset;
};
ActivationOp activation_op(Activation a) {
  switch (a) {
    case Activation::Relu: return {"Relu", 14};
    case Activation::LeakyRelu: return {"LeakyRelu", 16};
    case Activation::Clip: return {"Clip", 6};  // the attribute form: min/max are attributes of the fused node
    case Activation::Sigmoid: return {"Sigmoid", 13};
    case Activation::HardSigmoid: return {"HardSigmoid", 6};
    case Activation::HardSwish: return {"HardSwish", 14};
    case Activation::Elu: return {"Elu", 6};
    case Activation::Tanh: return {"Tanh", 13};
    case Activation::Swish: return {"Sigmoid", 13};
    case Activation::Gelu: return {"Gelu", 20};
    case Activation::None: break;
  }
  fail("no activation op");
}

const RefKernelFn& reference_of(const OpRegistry& r, const char* op_type, int opset) {
  const OpDef* d = r.find_op("", op_type, opset);
  LS_CHECK(d != nullptr, "fused conv ops need '", op_type, "' (opset ", opset, ") registered first");
  return d->reference;
}

// `n` as the ONNX op `op_type`: same name and attributes (each op reads only its own).
Node as_op(const Node& n, const char* op_type) {
  Node a = n;
  a.op_type = op_type;
  a.domain.clear();
  return a;
}

// The fused node seen as its Conv: inputs X, W, B only.
InferContext conv_part(const InferContext& c) {
  const int n = std::min(c.num_inputs(), 3);
  std::vector<TensorInfo> in(c.inputs().begin(), c.inputs().begin() + n);
  std::vector<const Tensor*> values;
  for (int i = 0; i < n; ++i) values.push_back(c.value_known(i) ? &c.value(i) : nullptr);
  return InferContext(c.node(), std::move(in), std::move(values));
}

void add_fused_conv(OpRegistry& r, bool residual, Activation act) {
  const OpDef* conv = r.find_op("", "Conv", 11);
  LS_CHECK(conv != nullptr, "fused conv ops need Conv registered first");
  RefKernelFn conv_ref = conv->reference, add_ref = reference_of(r, "Add", 14), act_ref, mul_ref;
  if (act != Activation::None) act_ref = reference_of(r, activation_op(act).op_type, activation_op(act).opset);
  if (act == Activation::Swish) mul_ref = reference_of(r, "Mul", 14);

  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = fused_conv_op_type(residual, act);
  d.since = 1;
  // The Conv's attributes and the activation's (what fuse_conv copies from the absorbed node).
  d.attributes = attributes_at(*conv, 11);
  if (act != Activation::None) {
    const OpDef* a = r.find_op("", activation_op(act).op_type, activation_op(act).opset);
    for (AttrSpec& s : attributes_at(*a, activation_op(act).opset)) d.attributes.push_back(std::move(s));
  }
  d.infer = [conv_infer = conv->infer, residual](InferContext& c) {
    if (c.num_inputs() > (residual ? 4 : 3)) c.error("expected at most ", residual ? 4 : 3, " inputs, got ", c.num_inputs());
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
    c.set_output(0, y.dtype, y.shape);
  };
  // The convolution's MACs and bias, plus one operation per output element for the add and
  // for each activation step (as the unfused ops count them); bytes: every input read once,
  // the output written once (the intermediate results never reach memory).
  const double extra_ops = (residual ? 1 : 0) + (act == Activation::None ? 0 : act == Activation::Swish ? 2 : 1);
  d.cost = [conv_cost = conv->cost, extra_ops](const CostContext& c) {
    Cost cost = conv_cost(c);
    cost.other_ops += extra_ops * static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    conv_ref(n, in.first(std::min<size_t>(in.size(), 3)), out);
    Tensor* y = out[0];
    if (residual) {
      const Tensor* args[] = {y, in[kConvResidualInput]};
      add_ref(as_op(n, "Add"), args, out);
    }
    if (act == Activation::Swish) {  // y * Sigmoid(y)
      Tensor s(y->dtype(), y->shape());
      Tensor* s_out[] = {&s};
      const Tensor* y_in[] = {y};
      act_ref(as_op(n, "Sigmoid"), y_in, s_out);
      const Tensor* args[] = {y, &s};
      mul_ref(as_op(n, "Mul"), args, out);
    } else if (act != Activation::None) {
      const Tensor* y_in[] = {y};
      act_ref(as_op(n, activation_op(act).op_type), y_in, out);
    }
  };
  r.add_op(std::move(d));
}

}  // namespace

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::None: return "";
    case Activation::Relu: return "Relu";
    case Activation::LeakyRelu: return "LeakyRelu";
    case Activation::Clip: return "Clip";
    case Activation::Sigmoid: return "Sigmoid";
    case Activation::HardSigmoid: return "HardSigmoid";
    case Activation::HardSwish: return "HardSwish";
    case Activation::Elu: return "Elu";
    case Activation::Tanh: return "Tanh";
    case Activation::Swish: return "Swish";
    case Activation::Gelu: return "Gelu";
  }
  return "";
}

std::string fused_conv_op_type(bool residual, Activation a) {
  return std::string("Conv") + (residual ? "Add" : "") + activation_name(a);
}

std::optional<ConvEpilogue> conv_epilogue(const Node& n) {
  static const std::map<std::string, std::pair<bool, Activation>> kinds = [] {
    std::map<std::string, std::pair<bool, Activation>> m;
    m[fused_conv_op_type(true, Activation::None)] = {true, Activation::None};
    for (Activation a : kFusableActivations)
      for (bool res : {false, true}) m[fused_conv_op_type(res, a)] = {res, a};
    return m;
  }();
  if (n.domain != kFusedDomain) return std::nullopt;
  auto it = kinds.find(n.op_type);
  if (it == kinds.end()) return std::nullopt;
  ConvEpilogue e;
  e.residual = it->second.first;
  e.activation = it->second.second;
  const Attributes& a = n.attrs;
  switch (e.activation) {
    case Activation::LeakyRelu: e.alpha = a.get_float("alpha", 0.01f); break;
    case Activation::Elu: e.alpha = a.get_float("alpha", 1.f); break;
    case Activation::HardSigmoid:
      e.alpha = a.get_float("alpha", 0.2f);
      e.beta = a.get_float("beta", 0.5f);
      break;
    case Activation::Swish: e.alpha = 1.f; break;
    case Activation::Clip:
      e.lo = a.get_float("min", std::numeric_limits<float>::lowest());
      e.hi = a.get_float("max", std::numeric_limits<float>::max());
      break;
    case Activation::Gelu: e.gelu_tanh = a.get_string("approximate", "none") == "tanh"; break;
    default: break;
  }
  return e;
}

void register_fused_conv_ops(OpRegistry& r) {
  add_fused_conv(r, true, Activation::None);
  for (Activation a : kFusableActivations)
    for (bool residual : {false, true}) add_fused_conv(r, residual, a);
  register_reorder_op(r);
}

}  // namespace layerscope
