// On a CPU without an int8 dot product (kernels/cpu_features.h), the int8 kernels decline and a
// QOperator file's QLinearConv, QLinearMatMul, QGemm, QLinearMul, ... would run on their
// reference kernels (QLinearMul, QLinearSigmoid, ... on every CPU: they have no int8 kernel): scalar loops, many times
// slower than the same layer in float. Each such node becomes the float computation it stands for, as a QDQ file writes
// it:
//   QLinearConv(x, w, b)  -> Quantize(Conv(Dequantize(x), w_f, b_f))
//   QLinearMatMul(a, b)   -> Quantize(MatMul(Dequantize(a), Dequantize(b)))
//   QGemm(a, b, c)        -> [Quantize](Gemm(Dequantize(a), b_f, c_f))  (float out without y_scale)
//   com.microsoft QLinearAdd / QLinearMul / QLinearSigmoid / QLinearLeakyRelu /
//   QLinearGlobalAveragePool / QLinearConcat -> Quantize(op(Dequantize(x), ...))
// so the float kernels and the float fusions run it. Constant operands (the weights, per
// tensor or per output channel) are dequantized here, once, into float constants: the fusions
// that need constant weights see them, and no DequantizeLinear runs per inference. An int32
// bias becomes float at x_scale * w_scale (times alpha for QGemm), the scale the ops give it.
// Results: the same real numbers as the integer kernels up to float rounding of the sum, so
// within one step of the output scale of the reference (tests/passes/expand_qoperator_test.cpp).
// Only nodes that no optimised kernel takes are expanded (native:qadd and native:qgap are exact
// and fast without VNNI); every scale and zero point must be a constant, activations per tensor.
// That is decided per node on every CPU: with VNNI, QLinearConv / QLinearMatMul / QGemm keep
// oneDNN's int8 kernels and only what has no int8 kernel anywhere (QLinearSigmoid, QLinearMul,
// QLinearLeakyRelu, QLinearConcat) is expanded; onnxruntime's QOperator EfficientNet-B0 (65
// QLinearSigmoid + 65 QLinearMul for its SiLUs) went from 30.8 ms on their reference kernels to
// 5.6 ms (AMD Zen 5, 1 thread; onnxruntime 4.9 ms on the same file).
// Every node made keeps the QOperator node's source_names (the float op its name), so the
// profile's layers trace back to the file's node; the float op reports DataType FLOAT.
#include <optional>
#include <string>
#include <vector>

#include "ops/quant/quant_params.h"
#include "passes/dequantize_constant.h"
#include "passes/graph_index.h"
#include "passes/pass_list.h"

namespace layerscope {

namespace {

constexpr const char* kMs = "com.microsoft";

// A quantized operand: integer data at input `data`, its scale and zero point the next two.
// `axis` >= 0: a constant operand may carry one scale per index of that axis (the weights).
struct Operand {
  int data;
  int axis = -1;
};

// How a QOperator node expands.
struct Expansion {
  const char* float_op;
  int float_opset;
  std::vector<Operand> operands;  // the float op's inputs, in order
  int bias = -1;                  // input index of an int32 bias (scale: operand 0's x operand 1's)
  int y_scale = -1;               // the output's scale (zero point after it); -1: a float output
  Attributes attrs;
};

bool input_present(const Node& n, int i) { return i >= 0 && i < static_cast<int>(n.inputs.size()) && n.inputs[i] >= 0; }

std::optional<Expansion> expansion_of(const PassContext& ctx, const Node& n) {
  const bool ms = n.domain == kMs;
  const std::string& op = n.op_type;
  if (n.domain.empty() && op == "QLinearConv") {
    Expansion e{"Conv", 11, {{0}, {3, 0}}, input_present(n, 8) ? 8 : -1, 6, n.attrs};
    return e;
  }
  if (n.domain.empty() && op == "QLinearMatMul") {
    if (!input_present(n, 3)) return std::nullopt;
    const int rank = static_cast<int>(ctx.info[n.inputs[3]].shape.size());
    return Expansion{"MatMul", 13, {{0}, {3, rank - 1}}, -1, 6, {}};
  }
  if (ms && op == "QGemm") {
    Expansion e{"Gemm",
                13,
                {{0}, {3, n.attrs.get_int("transB", 0) ? 0 : 1}},
                input_present(n, 6) ? 6 : -1,
                input_present(n, 7) ? 7 : -1,
                {}};
    e.attrs.set("alpha", n.attrs.get_float("alpha", 1.f));
    e.attrs.set("beta", 1.f);
    e.attrs.set("transA", n.attrs.get_int("transA", 0));
    e.attrs.set("transB", n.attrs.get_int("transB", 0));
    return e;
  }
  if (ms && (op == "QLinearAdd" || op == "QLinearMul"))
    return Expansion{op == "QLinearAdd" ? "Add" : "Mul", 14, {{0}, {3}}, -1, 6, {}};
  if (ms && op == "QLinearSigmoid") return Expansion{"Sigmoid", 13, {{0}}, -1, 3, {}};
  if (ms && op == "QLinearLeakyRelu") {
    Expansion e{"LeakyRelu", 16, {{0}}, -1, 3, {}};
    e.attrs.set("alpha", n.attrs.get_float("alpha", 0.01f));
    return e;
  }
  // Float GlobalAveragePool reads NCHW only.
  if (ms && op == "QLinearGlobalAveragePool" && n.attrs.get_int("channels_last", 0) == 0)
    return Expansion{"GlobalAveragePool", 1, {{0}}, -1, 3, {}};
  if (ms && op == "QLinearConcat" && n.inputs.size() >= 5 && (n.inputs.size() - 2) % 3 == 0) {
    Expansion e{"Concat", 13, {}, -1, 0, {}};
    for (size_t i = 2; i < n.inputs.size(); i += 3) e.operands.push_back({static_cast<int>(i)});
    e.attrs.set("axis", n.attrs.get_int("axis", 0));
    return e;
  }
  return std::nullopt;
}

const Tensor* constant_of(const Graph& g, int v) {
  return v >= 0 && g.values[v].constant ? &*g.values[v].constant : nullptr;
}

// The node's input i as a constant, nullptr when it is absent; `ok` false when present but
// computed at run time.
const Tensor* parameter(const Graph& g, const Node& n, int i, bool& ok) {
  if (!input_present(n, i)) return nullptr;
  const Tensor* t = constant_of(g, n.inputs[i]);
  if (!t) ok = false;
  return t;
}

// Scales and zero points the rewrite can express: constants, float32 scales, one per tensor
// (or, for a constant operand with an axis, one per index of that axis).
bool operand_ok(const PassContext& ctx, const Node& n, const Operand& o) {
  const Graph& g = ctx.graph;
  if (!input_present(n, o.data) || !input_present(n, o.data + 1)) return false;
  const DType t = ctx.info[n.inputs[o.data]].dtype;
  if (t != DType::I8 && t != DType::U8) return false;
  bool ok = true;
  const Tensor* scale = parameter(g, n, o.data + 1, ok);
  const Tensor* zero = parameter(g, n, o.data + 2, ok);
  if (!ok || scale->dtype() != DType::F32) return false;
  const int64_t count = scale->numel();
  if (zero && zero->numel() != count) return false;
  if (count == 1) return true;
  const Tensor* data = constant_of(g, n.inputs[o.data]);
  return data && o.axis >= 0 && o.axis < data->rank() && data->dim(o.axis) == count;
}

Tensor scalar_tensor(DType t, int32_t value) {
  Tensor s(t, {});
  if (t == DType::F32) *s.data_as<float>() = static_cast<float>(value);
  else if (t == DType::I8) *s.data_as<int8_t>() = static_cast<int8_t>(value);
  else *s.data_as<uint8_t>() = static_cast<uint8_t>(value);
  return s;
}

// Builds the expansion of one node; `added` receives the DequantizeLinear / QuantizeLinear
// nodes, the returned node is the float op.
class Expander {
 public:
  Expander(PassContext& ctx, const Node& original) : ctx_(ctx), n_(original) {}

  Node expand(const Expansion& e, std::vector<Node>& added) {
    Node op;
    op.name = n_.name;
    op.op_type = e.float_op;
    op.opset = e.float_opset;
    op.attrs = e.attrs;
    op.source_names = n_.source_names;
    for (size_t k = 0; k < e.operands.size(); ++k) op.inputs.push_back(float_operand(e.operands[k], k, added));
    if (e.bias >= 0) op.inputs.push_back(float_bias(e));
    const int out = n_.outputs[0];
    if (e.y_scale < 0) {  // QGemm without y_scale: the float result is the output
      op.outputs = {out};
      return op;
    }
    const int y = ctx_.add_value(value_name(out) + "_float", TensorInfo{DType::F32, ctx_.info[out].shape});
    op.outputs = {y};
    const DType t = ctx_.info[out].dtype;
    Node q = conversion("QuantizeLinear", "/QuantizeLinear");
    q.inputs = {y, scale_constant(e.y_scale, "_y_scale"), zero_constant(e.y_scale + 1, t, "_y_zero_point")};
    q.outputs = {out};
    added.push_back(std::move(q));
    return op;
  }

 private:
  std::string value_name(int v) const { return ctx_.graph.values[v].name; }
  const Tensor* input_constant(int i) const {
    return input_present(n_, i) ? constant_of(ctx_.graph, n_.inputs[i]) : nullptr;
  }

  Node conversion(const char* op_type, const std::string& suffix) const {
    Node c;
    c.name = n_.name + suffix;
    c.op_type = op_type;
    c.opset = 13;
    c.source_names = n_.source_names;
    return c;
  }

  // Rank-0 copies: a one-element 1-D scale would read as per-axis to DequantizeLinear.
  int scale_constant(int i, const std::string& suffix) {
    Tensor s(DType::F32, {});
    *s.data_as<float>() = quant::floats_of(*input_constant(i))[0];
    return ctx_.add_constant(value_name(n_.outputs[0]) + suffix, std::move(s));
  }
  int zero_constant(int i, DType t, const std::string& suffix) {
    return ctx_.add_constant(value_name(n_.outputs[0]) + suffix,
                             scalar_tensor(t, quant::ints_of(input_constant(i))[0]));
  }

  int float_operand(const Operand& o, size_t k, std::vector<Node>& added) {
    const int data = n_.inputs[o.data];
    const std::string role = "_" + std::to_string(k);
    if (const Tensor* q = constant_of(ctx_.graph, data))
      return ctx_.add_constant(
          value_name(data) + "_dequantized" + role,
          dequantize_constant(*q, *input_constant(o.data + 1), input_constant(o.data + 2), o.axis));
    const int f =
        ctx_.add_value(value_name(data) + "_dequantized" + role, TensorInfo{DType::F32, ctx_.info[data].shape});
    Node dq = conversion("DequantizeLinear", "/DequantizeLinear" + role);
    dq.inputs = {data, scale_constant(o.data + 1, role + "_scale")};
    if (input_present(n_, o.data + 2))
      dq.inputs.push_back(zero_constant(o.data + 2, ctx_.info[data].dtype, role + "_zero_point"));
    dq.outputs = {f};
    added.push_back(std::move(dq));
    return f;
  }

  // bias_f = bias * x_scale * w_scale[c] (* alpha): c along the bias's last axis, the output
  // channel of Conv and the column of Gemm.
  int float_bias(const Expansion& e) {
    const Tensor& b = *input_constant(e.bias);
    const float x_scale = quant::floats_of(*input_constant(e.operands[0].data + 1))[0];
    const std::vector<float> w_scale = quant::floats_of(*input_constant(e.operands[1].data + 1));
    const float alpha = e.attrs.get_float("alpha", 1.f);
    const int64_t last = b.rank() == 0 ? 1 : b.dim(-1);
    Tensor f(DType::F32, b.shape());
    for (int64_t i = 0; i < b.numel(); ++i) {
      const float s = alpha * x_scale * w_scale[w_scale.size() == 1 ? 0 : i % last];
      f.data_as<float>()[i] = static_cast<float>(b.data_as<int32_t>()[i]) * s;
    }
    return ctx_.add_constant(value_name(n_.inputs[e.bias]) + "_dequantized", std::move(f));
  }

  PassContext& ctx_;
  const Node& n_;
};

bool bias_ok(const PassContext& ctx, const Node& n, const Expansion& e) {
  if (e.bias < 0) return true;
  const Tensor* b = constant_of(ctx.graph, n.inputs[e.bias]);
  if (!b || b->dtype() != DType::I32 || e.operands.size() < 2) return false;
  const Tensor& w_scale = *constant_of(ctx.graph, n.inputs[e.operands[1].data + 1]);
  return w_scale.numel() == 1 || (b->rank() > 0 && b->dim(-1) == w_scale.numel());
}

// The output's scale and zero point: per-tensor constants of an int8 or uint8 output, or no
// scale at all where the op then writes float (QGemm).
bool output_parameters_ok(const PassContext& ctx, const Node& n, const Expansion& e) {
  const DType t = ctx.info[n.outputs[0]].dtype;
  if (e.y_scale < 0) return t == DType::F32;
  if (t != DType::I8 && t != DType::U8) return false;
  bool ok = input_present(n, e.y_scale);
  const Tensor* scale = ok ? parameter(ctx.graph, n, e.y_scale, ok) : nullptr;
  const Tensor* zero = ok ? parameter(ctx.graph, n, e.y_scale + 1, ok) : nullptr;
  return ok && scale->dtype() == DType::F32 && scale->numel() == 1 && (!zero || zero->numel() == 1);
}

bool all_known(const PassContext& ctx, const Node& n) {
  for (int v : n.inputs)
    if (v >= 0 && !ctx.known(v)) return false;
  return n.outputs.size() == 1 && ctx.known(n.outputs[0]);
}

// An optimised kernel takes the node as it is (native:qadd, native:qgap; the oneDNN int8
// kernels where they are exact): it stays.
bool has_fast_kernel(const PassContext& ctx, const Node& n) {
  std::vector<TensorInfo> in, out;
  std::vector<const Tensor*> consts;
  for (int v : n.inputs) {
    in.push_back(v < 0 ? TensorInfo{} : ctx.info[v]);
    consts.push_back(constant_of(ctx.graph, v));
  }
  for (int v : n.outputs) out.push_back(v < 0 ? TensorInfo{} : ctx.info[v]);
  const KernelSetup s{n, in, consts, out, 1};
  return select_kernel(ctx.registry, s) != nullptr;
}

}  // namespace

int expand_qoperator_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  int expanded = 0;
  const size_t original = g.nodes.size();
  for (size_t i = 0; i < original; ++i) {
    const Node n = g.nodes[i];  // a copy: the rewrite adds nodes
    if (n.implicit_inputs != 0 || !all_known(ctx, n)) continue;
    std::optional<Expansion> e = expansion_of(ctx, n);
    if (!e || has_fast_kernel(ctx, n) || !bias_ok(ctx, n, *e)) continue;
    bool ok = true;
    for (const Operand& o : e->operands) ok = ok && operand_ok(ctx, n, o);
    if (!ok || !output_parameters_ok(ctx, n, *e)) continue;
    std::vector<Node> added;
    g.nodes[i] = Expander(ctx, n).expand(*e, added);
    for (Node& a : added) g.nodes.push_back(std::move(a));
    ++expanded;
  }
  return expanded;
}

}  // namespace layerscope
