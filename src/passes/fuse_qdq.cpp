// The QDQ format's float ops between DequantizeLinear and QuantizeLinear become the QOperator
// ops that compute them in integers, so one set of int8 kernels serves both formats:
//   Q(Conv(DQ(x), DQ(w), [DQ(b)]))      -> QLinearConv(x, w, b)     (int8 in, int8 out)
//   Q(MatMul(DQ(a), DQ(b)))             -> QLinearMatMul(a, b)        (b: weights or activations)
//   [Q](Gemm(DQ(a), DQ(w), [DQ(b)]))     -> com.microsoft QGemm(a, w, b) (float out without Q)
//   Q(Add(DQ(a), DQ(b)))                -> com.microsoft QLinearAdd(a, b)  (b: same shape, or a
//                                          constant along the last axis, as a linear bias)
//   Q(GlobalAveragePool(DQ(x)))         -> com.microsoft QLinearGlobalAveragePool(x)
//   Q(MaxPool(DQ(x))), same scale/zp    -> MaxPool(x) on the int8 values (max commutes with
//                                          a monotonic requantization that is the identity);
//                                          the same for Reshape, Transpose, Flatten, Squeeze,
//                                          Unsqueeze (they only move elements)
//   then QLinearConv -> QLinearAdd      -> QLinearConvAdd, QLinearMatMul -> QLinearAdd ->
//                                          QLinearMatMulAdd (fuse_linear_add)
// Conv, MatMul and Add may reach their QuantizeLinear through a Relu or Clip that the
// quantization performs anyway (implied_by below): it is dropped (layerscope quantize keeps
// them in its files; onnxruntime's quantizer removes them itself).
// The float value between the op and its QuantizeLinear must feed nothing else (and not be a
// graph output); a DequantizeLinear whose output other nodes also read stays for them.
// Conditions: per-tensor activation scales and zero points that are constants; weights (Conv:
// input 1) constant int8 with per-tensor or per-output-channel scales (axis 0); MatMul's B:
// per-tensor, or constant int8 with one scale per column (the last axis); a bias is the DequantizeLinear of an int32
// constant with zero point 0 and scale x_scale * w_scale, as quantizers write it. Anything else keeps its float op
// between DequantizeLinear and QuantizeLinear (correct, slower; the profile shows it). Needs the weights'
// DequantizeLinear unfolded: OpDef::fold_after_passes (runtime/planner.cpp).
#include <cmath>
#include <cstring>

#include "kernels/cpu_features.h"
#include "passes/graph_index.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {

namespace {

using pattern::is_op;

constexpr const char* kMsDomain = "com.microsoft";

// A DequantizeLinear or QuantizeLinear node's operands.
struct QuantOperands {
  int node = -1;
  int data = -1;              // Q: the float input; DQ: the integer input
  int scale = -1, zero = -1;  // zero -1 when absent
  int64_t axis = 1;           // the node's axis attribute (per-axis only)
};

std::optional<QuantOperands> operands_of(const Graph& g, int node) {
  const Node& n = g.nodes[node];
  if (n.inputs.size() < 2 || n.inputs[1] < 0 || n.outputs.size() != 1) return std::nullopt;
  if (n.attrs.has("block_size") && n.attrs.get_int("block_size", 0) != 0) return std::nullopt;
  QuantOperands q;
  q.node = node;
  q.data = n.inputs[0];
  q.scale = n.inputs[1];
  q.zero = n.inputs.size() > 2 ? n.inputs[2] : -1;
  q.axis = n.attrs.get_int("axis", 1);
  return q;
}

bool is_constant(const Graph& g, int v) { return v < 0 || g.values[v].constant.has_value(); }
int64_t numel_of(const Graph& g, int v) { return v < 0 ? 1 : g.values[v].constant->numel(); }

// A per-tensor activation (de)quantization: constant scalar float scale and zero point.
bool per_tensor(const Graph& g, const QuantOperands& q) {
  if (!is_constant(g, q.scale) || !is_constant(g, q.zero)) return false;
  if (g.values[q.scale].constant->dtype() != DType::F32) return false;
  return numel_of(g, q.scale) == 1 && numel_of(g, q.zero) == 1;
}

// The DequantizeLinear producing `v` (not yet rewritten), with its operands.
std::optional<QuantOperands> dequantized(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                         int v) {
  const int p = pattern::producer_op(ctx.graph, idx, dead, v, "DequantizeLinear");
  if (p < 0) return std::nullopt;
  return operands_of(ctx.graph, p);
}

float scalar(const Graph& g, int v);

// The type range [lo, hi] of Q's output and its zero point (int8 or uint8 only).
bool q_range(const PassContext& ctx, const QuantOperands& q, double& lo, double& hi, double& zero) {
  const Graph& g = ctx.graph;
  const DType t = ctx.info[g.nodes[q.node].outputs[0]].dtype;
  if (t != DType::I8 && t != DType::U8) return false;
  lo = t == DType::I8 ? -128 : 0;
  hi = t == DType::I8 ? 127 : 255;
  zero = 0;
  if (q.zero >= 0) {
    const Tensor& z = *g.values[q.zero].constant;
    zero = z.dtype() == DType::I8 ? *z.data_as<int8_t>() : *z.data_as<uint8_t>();
  }
  return true;
}

// Relu or Clip between an op and its QuantizeLinear that the quantization already performs:
// Q saturates to [lo, hi], so Relu changes nothing when the zero point is lo (every negative
// value quantizes below it), and Clip(min, max) nothing when min quantizes at or below lo and
// max at or above hi (Relu6 calibrated to [0, 6] is one). Such an activation is dropped exactly.
bool implied_by(const PassContext& ctx, const Node& act, const QuantOperands& q) {
  double lo, hi, zero;
  if (!q_range(ctx, q, lo, hi, zero)) return false;
  const Graph& g = ctx.graph;
  if (is_op(act, "Relu")) return zero == lo;
  if (!is_op(act, "Clip")) return false;
  std::optional<float> mn, mx;
  if (act.opset < 11) {
    mn = act.attrs.get_float("min", -3.4028234663852886e38f);
    mx = act.attrs.get_float("max", 3.4028234663852886e38f);
  } else {
    mn = act.inputs.size() > 1 && act.inputs[1] >= 0 ? pattern::scalar_constant(g, act.inputs[1]) : -3.4e38f;
    mx = act.inputs.size() > 2 && act.inputs[2] >= 0 ? pattern::scalar_constant(g, act.inputs[2]) : 3.4e38f;
  }
  if (!mn || !mx) return false;
  const double s = scalar(g, q.scale);
  return std::nearbyint(*mn / s) + zero <= lo && std::nearbyint(*mx / s) + zero >= hi;
}

// The QuantizeLinear that alone reads `v`, or reads an activation (see implied_by) that alone
// reads `v`; `act` is then that activation node, else -1.
std::optional<QuantOperands> quantized(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                       int v, int* act = nullptr) {
  const Graph& g = ctx.graph;
  if (act) *act = -1;
  int q = pattern::sole_user(g, idx, dead, v, "QuantizeLinear");
  if (q >= 0) return operands_of(g, q);
  if (!act) return std::nullopt;
  int a = pattern::sole_user(g, idx, dead, v, "Relu");
  if (a < 0) a = pattern::sole_user(g, idx, dead, v, "Clip");
  if (a < 0 || g.nodes[a].inputs[0] != v) return std::nullopt;
  q = pattern::sole_user(g, idx, dead, g.nodes[a].outputs[0], "QuantizeLinear");
  if (q < 0) return std::nullopt;
  std::optional<QuantOperands> ops = operands_of(g, q);
  if (!ops || !is_constant(g, ops->scale) || !is_constant(g, ops->zero) || numel_of(g, ops->scale) != 1 ||
      numel_of(g, ops->zero) != 1 || !implied_by(ctx, g.nodes[a], *ops))
    return std::nullopt;
  *act = a;
  return ops;
}

float scalar(const Graph& g, int v) { return *g.values[v].constant->data_as<float>(); }

// The zero point `zero`, or (absent) a new constant 0 of the quantized type `t`.
int zero_point(PassContext& ctx, int zero, DType t, const std::string& name) {
  if (zero >= 0) return zero;
  return ctx.add_constant(name + "_zero_point", Tensor(t, {}));
}

DType dtype_of(const PassContext& ctx, int v) { return ctx.info[v].dtype; }
bool int8_type(DType t) { return t == DType::I8 || t == DType::U8; }

// Weights: a DequantizeLinear of a constant int8 tensor, per-tensor or per-axis along `axis`
// (normalised against the rank) with that many scales.
bool constant_weights(const PassContext& ctx, const QuantOperands& w, int axis, int64_t channels) {
  const Graph& g = ctx.graph;
  if (!is_constant(g, w.data) || !is_constant(g, w.scale) || !is_constant(g, w.zero)) return false;
  if (g.values[w.data].constant->dtype() != DType::I8 || g.values[w.scale].constant->dtype() != DType::F32)
    return false;
  const int64_t scales = numel_of(g, w.scale);
  if (scales == 1) return numel_of(g, w.zero) == 1;
  const int rank = g.values[w.data].constant->rank();
  const int64_t a = w.axis < 0 ? w.axis + rank : w.axis;
  return a == axis && scales == channels && numel_of(g, w.zero) == channels;
}

// The bias as QLinearConv takes it: the int32 constant of DequantizeLinear(b_q, x_scale *
// w_scale, 0) (the scale checked to 1e-5 relative per channel), or -1.
int int32_bias(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, int b, float x_scale,
               const Tensor& w_scale) {
  std::optional<QuantOperands> d = dequantized(ctx, idx, dead, b);
  const Graph& g = ctx.graph;
  if (!d || !is_constant(g, d->data) || !is_constant(g, d->scale) || !is_constant(g, d->zero)) return -1;
  const Tensor& q = *g.values[d->data].constant;
  const Tensor& s = *g.values[d->scale].constant;
  if (q.dtype() != DType::I32 || q.rank() != 1 || s.dtype() != DType::F32) return -1;
  if (d->zero >= 0) {
    const Tensor& z = *g.values[d->zero].constant;
    for (int64_t i = 0; i < z.numel(); ++i)
      if (z.data_as<int32_t>()[i] != 0) return -1;
  }
  const int64_t n = q.numel();
  if (s.numel() != 1 && s.numel() != n) return -1;
  for (int64_t i = 0; i < n; ++i) {
    const float expected = x_scale * w_scale.data_as<float>()[w_scale.numel() == 1 ? 0 : i];
    const float got = s.data_as<float>()[s.numel() == 1 ? 0 : i];
    if (!pattern::near(got, expected, 1e-5)) return -1;
  }
  return d->data;
}

// Rewrites node `op` into `op_type` (domain, opset) with `inputs`, writing the QuantizeLinear's
// output; the QuantizeLinear is absorbed, the op's original name comes first.
void become(Graph& g, std::vector<bool>& dead, int op, const QuantOperands& q, const std::string& domain,
            const std::string& op_type, int opset, std::vector<int> inputs, int act = -1) {
  Node& n = g.nodes[op];
  if (act >= 0) {
    append_sources(n.source_names, g.nodes[act].source_names);
    dead[act] = true;
  }
  n.domain = domain;
  n.op_type = op_type;
  n.opset = opset;
  n.inputs = std::move(inputs);
  n.outputs = {g.nodes[q.node].outputs[0]};
  append_sources(n.source_names, g.nodes[q.node].source_names);
  dead[q.node] = true;
}

bool rewrite_conv(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int ci) {
  Graph& g = ctx.graph;
  const Node& conv = g.nodes[ci];
  if (conv.inputs.size() < 2 || conv.outputs.size() != 1 || !ctx.known(conv.outputs[0])) return false;
  std::optional<QuantOperands> x = dequantized(ctx, idx, dead, conv.inputs[0]);
  std::optional<QuantOperands> w = dequantized(ctx, idx, dead, conv.inputs[1]);
  int act = -1;
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, conv.outputs[0], &act);
  if (!x || !w || !y || !per_tensor(g, *x) || !per_tensor(g, *y)) return false;
  if (!int8_type(dtype_of(ctx, x->data)) || !int8_type(dtype_of(ctx, g.nodes[y->node].outputs[0]))) return false;
  const int64_t c_out = ctx.info[conv.inputs[1]].shape.empty() ? 0 : ctx.info[conv.inputs[1]].shape[0];
  if (!constant_weights(ctx, *w, 0, c_out)) return false;
  int bias = -1;
  if (conv.inputs.size() > 2 && conv.inputs[2] >= 0) {
    bias = int32_bias(ctx, idx, dead, conv.inputs[2], scalar(g, x->scale), *g.values[w->scale].constant);
    if (bias < 0) return false;
  }
  const std::string& name = g.values[conv.outputs[0]].name;
  const int xz = zero_point(ctx, x->zero, dtype_of(ctx, x->data), name + "_x");
  const int wz = zero_point(ctx, w->zero, DType::I8, name + "_w");
  const int yz = zero_point(ctx, y->zero, dtype_of(ctx, g.nodes[y->node].outputs[0]), name + "_y");
  std::vector<int> in = {x->data, x->scale, xz, w->data, w->scale, wz, y->scale, yz};
  if (bias >= 0) in.push_back(bias);
  become(g, dead, ci, *y, "", "QLinearConv", 10, std::move(in), act);
  return true;
}

bool rewrite_matmul(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int mi) {
  Graph& g = ctx.graph;
  const Node& mm = g.nodes[mi];
  if (mm.inputs.size() != 2 || mm.outputs.size() != 1 || !ctx.known(mm.outputs[0])) return false;
  std::optional<QuantOperands> a = dequantized(ctx, idx, dead, mm.inputs[0]);
  std::optional<QuantOperands> b = dequantized(ctx, idx, dead, mm.inputs[1]);
  int act = -1;
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, mm.outputs[0], &act);
  if (!a || !b || !y || !per_tensor(g, *a) || !per_tensor(g, *y)) return false;
  const DType at = dtype_of(ctx, a->data), bt = dtype_of(ctx, b->data);
  if (!int8_type(at) || !int8_type(bt) || !int8_type(dtype_of(ctx, g.nodes[y->node].outputs[0]))) return false;
  const Shape& bs = ctx.info[b->data].shape;
  if (bs.size() < 2) return false;
  const bool per_column = is_constant(g, b->data) && numel_of(g, b->scale) != 1 &&
                          constant_weights(ctx, *b, static_cast<int>(bs.size()) - 1, bs.back());
  if (!per_tensor(g, *b) && !(per_column && bs.size() == 2)) return false;
  const std::string& name = g.values[mm.outputs[0]].name;
  std::vector<int> in = {a->data,
                         a->scale,
                         zero_point(ctx, a->zero, at, name + "_a"),
                         b->data,
                         b->scale,
                         zero_point(ctx, b->zero, bt, name + "_b"),
                         y->scale,
                         zero_point(ctx, y->zero, dtype_of(ctx, g.nodes[y->node].outputs[0]), name + "_y")};
  become(g, dead, mi, *y, "", "QLinearMatMul", 10, std::move(in), act);
  return true;
}

// Q(Gemm(DQ(a), DQ(w), [DQ(bias)])) or Gemm(...) with a float output -> com.microsoft QGemm:
// transA 0, alpha and beta 1, constant int8 weights (per tensor or one scale per output column
// n: axis 0 of a transposed [N, K] weight, axis 1 of a [K, N] one), a 1-D int32 bias at
// a_scale * w_scale. Without a QuantizeLinear after it, QGemm's output is float (a classifier's
// last layer).
bool rewrite_gemm(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int gi) {
  Graph& g = ctx.graph;
  const Node& gemm = g.nodes[gi];
  if (gemm.inputs.size() < 2 || gemm.outputs.size() != 1 || !ctx.known(gemm.outputs[0])) return false;
  if (gemm.attrs.get_int("transA", 0) != 0 || gemm.attrs.get_float("alpha", 1.f) != 1.f ||
      gemm.attrs.get_float("beta", 1.f) != 1.f)
    return false;
  const bool tb = gemm.attrs.get_int("transB", 0) != 0;
  std::optional<QuantOperands> a = dequantized(ctx, idx, dead, gemm.inputs[0]);
  std::optional<QuantOperands> w = dequantized(ctx, idx, dead, gemm.inputs[1]);
  if (!a || !w || !per_tensor(g, *a) || !int8_type(dtype_of(ctx, a->data))) return false;
  const Shape& ws = ctx.info[gemm.inputs[1]].shape;
  if (ws.size() != 2 || ctx.info[gemm.inputs[0]].shape.size() != 2) return false;
  const int64_t n = tb ? ws[0] : ws[1];
  if (!constant_weights(ctx, *w, tb ? 0 : 1, n)) return false;
  int bias = -1;
  if (gemm.inputs.size() > 2 && gemm.inputs[2] >= 0) {
    if (ctx.info[gemm.inputs[2]].shape != Shape{n}) return false;
    bias = int32_bias(ctx, idx, dead, gemm.inputs[2], scalar(g, a->scale), *g.values[w->scale].constant);
    if (bias < 0) return false;
  }
  int act = -1;
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, gemm.outputs[0], &act);
  if (y && (!per_tensor(g, *y) || !int8_type(dtype_of(ctx, g.nodes[y->node].outputs[0])))) return false;
  const std::string& name = g.values[gemm.outputs[0]].name;
  std::vector<int> in = {a->data, a->scale, zero_point(ctx, a->zero, dtype_of(ctx, a->data), name + "_a"),
                         w->data, w->scale, zero_point(ctx, w->zero, DType::I8, name + "_w"),
                         bias};
  Node& node = g.nodes[gi];
  Attributes attrs;
  attrs.set("transB", int64_t{tb ? 1 : 0});
  if (y) {
    in.push_back(y->scale);
    in.push_back(zero_point(ctx, y->zero, dtype_of(ctx, g.nodes[y->node].outputs[0]), name + "_y"));
    become(g, dead, gi, *y, kMsDomain, "QGemm", 1, std::move(in), act);
  } else {
    node.domain = kMsDomain;
    node.op_type = "QGemm";
    node.opset = 1;
    node.inputs = std::move(in);
  }
  g.nodes[gi].attrs = std::move(attrs);
  return true;
}

// A constant whose dims are all 1 but the last.
bool last_axis_constant(const PassContext& ctx, int v) {
  if (!ctx.graph.values[v].constant) return false;
  const Shape& s = ctx.info[v].shape;
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] != 1) return false;
  return !s.empty();
}

bool rewrite_add(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int ai) {
  Graph& g = ctx.graph;
  const Node& add = g.nodes[ai];
  if (add.inputs.size() != 2 || add.outputs.size() != 1 || !ctx.known(add.outputs[0])) return false;
  std::optional<QuantOperands> a = dequantized(ctx, idx, dead, add.inputs[0]);
  std::optional<QuantOperands> b = dequantized(ctx, idx, dead, add.inputs[1]);
  int act = -1;
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, add.outputs[0], &act);
  if (!a || !b || !y || !per_tensor(g, *a) || !per_tensor(g, *b) || !per_tensor(g, *y)) return false;
  const DType t = dtype_of(ctx, a->data);
  if (!int8_type(t) || dtype_of(ctx, b->data) != t || dtype_of(ctx, g.nodes[y->node].outputs[0]) != t) return false;
  // Same shapes, or a constant added along the last axis (a linear layer's bias): A is then
  // the full-shape operand.
  if (ctx.info[a->data].shape != ctx.info[b->data].shape) {
    if (last_axis_constant(ctx, a->data)) std::swap(a, b);
    if (!last_axis_constant(ctx, b->data) || ctx.info[a->data].shape.empty() ||
        shape_numel(ctx.info[b->data].shape) != ctx.info[a->data].shape.back())
      return false;
  }
  const std::string& name = g.values[add.outputs[0]].name;
  std::vector<int> in = {a->data,
                         a->scale,
                         zero_point(ctx, a->zero, t, name + "_a"),
                         b->data,
                         b->scale,
                         zero_point(ctx, b->zero, t, name + "_b"),
                         y->scale,
                         zero_point(ctx, y->zero, t, name + "_y")};
  become(g, dead, ai, *y, kMsDomain, "QLinearAdd", 1, std::move(in), act);
  return true;
}

bool rewrite_global_average_pool(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int pi) {
  Graph& g = ctx.graph;
  const Node& pool = g.nodes[pi];
  if (pool.inputs.size() != 1 || pool.outputs.size() != 1 || !ctx.known(pool.outputs[0])) return false;
  std::optional<QuantOperands> x = dequantized(ctx, idx, dead, pool.inputs[0]);
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, pool.outputs[0]);
  if (!x || !y || !per_tensor(g, *x) || !per_tensor(g, *y)) return false;
  const DType t = dtype_of(ctx, x->data);
  if (!int8_type(t) || dtype_of(ctx, g.nodes[y->node].outputs[0]) != t) return false;
  const std::string& name = g.values[pool.outputs[0]].name;
  std::vector<int> in = {x->data, x->scale, zero_point(ctx, x->zero, t, name + "_x"), y->scale,
                         zero_point(ctx, y->zero, t, name + "_y")};
  become(g, dead, pi, *y, kMsDomain, "QLinearGlobalAveragePool", 1, std::move(in));
  return true;
}

// Same scale and zero point on both sides: the op moves int8 values unchanged (MaxPool).
bool same_quantization(const Graph& g, const QuantOperands& a, const QuantOperands& b) {
  if (scalar(g, a.scale) != scalar(g, b.scale)) return false;
  if ((a.zero < 0) != (b.zero < 0)) return false;
  if (a.zero < 0) return true;
  const Tensor &za = *g.values[a.zero].constant, &zb = *g.values[b.zero].constant;
  return za.dtype() == zb.dtype() && std::memcmp(za.data(), zb.data(), dtype_size(za.dtype())) == 0;
}

// MaxPool (opset 12+) and the ops that only move elements (Reshape, Transpose, Flatten,
// Squeeze, Unsqueeze: their other inputs are shapes or axes), when the input's dequantization
// and the output's quantization are the same: they run on the int8 values.
bool moves_int8(const Node& n) {
  if (is_op(n, "MaxPool")) return n.opset >= 12 && n.inputs.size() == 1;
  return is_op(n, "Reshape") || is_op(n, "Transpose") || is_op(n, "Flatten") || is_op(n, "Squeeze") ||
         is_op(n, "Unsqueeze");
}

bool rewrite_int8_movement(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int pi) {
  Graph& g = ctx.graph;
  const Node& pool = g.nodes[pi];
  if (pool.inputs.empty() || pool.outputs.size() != 1 || !moves_int8(pool)) return false;
  std::optional<QuantOperands> x = dequantized(ctx, idx, dead, pool.inputs[0]);
  std::optional<QuantOperands> y = quantized(ctx, idx, dead, pool.outputs[0]);
  if (!x || !y || !per_tensor(g, *x) || !per_tensor(g, *y) || !same_quantization(g, *x, *y)) return false;
  const DType t = dtype_of(ctx, x->data);
  if (!int8_type(t) || dtype_of(ctx, g.nodes[y->node].outputs[0]) != t) return false;
  Node& n = g.nodes[pi];
  n.inputs[0] = x->data;
  n.outputs = {g.nodes[y->node].outputs[0]};
  append_sources(n.source_names, g.nodes[y->node].source_names);
  dead[y->node] = true;
  return true;
}

// The weights' DequantizeLinear nodes the rewrites left without readers: removed now, before
// the planner would fold them into float weights nobody reads.
void drop_unread_dequantize(Graph& g) {
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  bool any = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!is_op(n, "DequantizeLinear") || n.outputs.size() != 1) continue;
    const int v = n.outputs[0];
    if (v >= 0 && (idx.is_graph_output(v) || !idx.consumers(v).empty())) continue;
    dead[i] = any = true;
  }
  if (any) erase_nodes(g, dead);
}

// QLinearConv -> QLinearAdd(conv, r) -> one QLinearConvAdd (ops/fused/qlinear_conv_add.cpp), and
// QLinearMatMul -> QLinearAdd(mm, r) -> one QLinearMatMulAdd (ops/fused/qlinear_matmul_add.cpp):
// the addend joins the kernel's output (oneDNN post-ops that first reproduce the op's own
// int8 rounding) instead of a second pass over memory. The op's output must feed only the
// add; r a computed tensor of the output's type and shape, or (matmul) a constant along the
// last axis: a linear layer's quantized bias.
int fuse_linear_add(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int fused = 0;
  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    const Node& op = g.nodes[ci];
    const bool conv = is_op(op, "QLinearConv"), matmul = is_op(op, "QLinearMatMul");
    if (dead[ci] || (!conv && !matmul) || op.outputs.size() != 1) continue;
    const int y = op.outputs[0];
    const int ai = idx.sole_consumer(y);
    if (ai < 0 || dead[ai]) continue;
    const Node& add = g.nodes[ai];
    if (add.domain != kMsDomain || add.op_type != "QLinearAdd" || add.inputs.size() != 8) continue;
    const bool first = add.inputs[0] == y;
    const int r = first ? add.inputs[3] : add.inputs[0];
    if (r < 0 || r == y || !ctx.known(r) || ctx.info[r].dtype != ctx.info[y].dtype) continue;
    const bool full = !g.values[r].constant && ctx.info[r].shape == ctx.info[y].shape;
    const bool row = matmul && last_axis_constant(ctx, r) && !ctx.info[y].shape.empty() &&
                     shape_numel(ctx.info[r].shape) == ctx.info[y].shape.back();
    if (!full && !row) continue;
    const int r_scale = first ? add.inputs[4] : add.inputs[1], r_zero = first ? add.inputs[5] : add.inputs[2];
    Node& n = g.nodes[ci];
    std::vector<int> in = n.inputs;
    in.resize(conv ? 9 : 8, -1);
    in.insert(in.end(), {r, r_scale, r_zero, add.inputs[6], add.inputs[7]});
    n.inputs = std::move(in);
    n.domain = kFusedDomain;
    n.op_type = conv ? "QLinearConvAdd" : "QLinearMatMulAdd";
    n.opset = 1;
    n.outputs = {add.outputs[0]};
    append_sources(n.source_names, add.source_names);
    dead[ai] = true;
    ++fused;
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace

int fuse_qdq_pass(PassContext& ctx) {
  // Without an exact int8 dot product the int8 kernels decline (kernels/cpu_features.h): a QDQ
  // model then runs its float ops between DequantizeLinear and QuantizeLinear on the float
  // kernels, which is exact up to float rounding, instead of int8 layers on reference kernels.
  if (!cpu_has_int8_dot_product()) return 0;
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int rewritten = 0;
  const size_t original = g.nodes.size();  // nodes the rewrites add (none) are not revisited
  for (size_t i = 0; i < original; ++i) {
    if (dead[i]) continue;
    const Node& n = g.nodes[i];
    bool done = false;
    if (is_op(n, "Conv")) done = rewrite_conv(ctx, idx, dead, static_cast<int>(i));
    else if (is_op(n, "MatMul")) done = rewrite_matmul(ctx, idx, dead, static_cast<int>(i));
    else if (is_op(n, "Gemm")) done = rewrite_gemm(ctx, idx, dead, static_cast<int>(i));
    else if (is_op(n, "Add")) done = rewrite_add(ctx, idx, dead, static_cast<int>(i));
    else if (is_op(n, "GlobalAveragePool")) done = rewrite_global_average_pool(ctx, idx, dead, static_cast<int>(i));
    else if (moves_int8(n)) done = rewrite_int8_movement(ctx, idx, dead, static_cast<int>(i));
    rewritten += done;
  }
  if (rewritten) {
    erase_nodes(g, dead);
    drop_unread_dequantize(g);
  }
  return rewritten + fuse_linear_add(ctx);  // QOperator models' QLinearConv -> QLinearAdd too
}

}  // namespace layerscope
