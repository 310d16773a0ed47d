// RNN, GRU and LSTM (opsets 7-13 and 14+; 14 adds `layout`, 22 only bfloat16): parameters, shape inference,
// cost and registration. The reference kernel is in recurrent_reference.cpp.
#include "ops/nn/recurrent.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "ops/nn/attrs.h"
#include "ops/op_registry.h"

namespace layerscope {

double RecurrentActivation::operator()(double x) const {
  using K = RecurrentActivationKind;
  switch (kind) {
    case K::Relu: return x > 0 ? x : 0;
    case K::Tanh: return std::tanh(x);
    case K::Sigmoid: return 1 / (1 + std::exp(-x));
    case K::Affine: return alpha * x + beta;
    case K::LeakyRelu: return x >= 0 ? x : alpha * x;
    case K::ThresholdedRelu: return x > alpha ? x : 0;
    case K::ScaledTanh: return alpha * std::tanh(beta * x);
    case K::HardSigmoid: return std::clamp(alpha * x + beta, 0.0, 1.0);
    case K::Elu: return x >= 0 ? x : alpha * (std::exp(x) - 1);
    case K::Softsign: return x / (1 + std::abs(x));
    case K::Softplus: return x > 30 ? x : std::log1p(std::exp(x));  // log(1 + e^x), exact to fp64 above 30
  }
  return x;
}

namespace {

using K = RecurrentActivationKind;

// The spec's activation names with the parameters each takes and their defaults (those of
// the ONNX operators of the same name: LeakyRelu alpha 0.01, HardSigmoid 0.2 / 0.5, ...).
struct ActivationSpec {
  const char* name;
  K kind;
  bool uses_alpha, uses_beta;
  float alpha, beta;
};
constexpr ActivationSpec kActivations[] = {
    {"Relu", K::Relu, false, false, 0, 0},
    {"Tanh", K::Tanh, false, false, 0, 0},
    {"Sigmoid", K::Sigmoid, false, false, 0, 0},
    {"Affine", K::Affine, true, true, 1.f, 0.f},
    {"LeakyRelu", K::LeakyRelu, true, false, 0.01f, 0},
    {"ThresholdedRelu", K::ThresholdedRelu, true, false, 1.f, 0},
    {"ScaledTanh", K::ScaledTanh, true, true, 1.f, 1.f},
    {"HardSigmoid", K::HardSigmoid, true, true, 0.2f, 0.5f},
    {"Elu", K::Elu, true, false, 1.f, 0},
    {"Softsign", K::Softsign, false, false, 0, 0},
    {"Softplus", K::Softplus, false, false, 0, 0},
};

bool same_name(const std::string& a, const char* b) {
  const std::string bs(b);
  return a.size() == bs.size() &&
         std::equal(a.begin(), a.end(), bs.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string activation_names() {
  std::string s;
  for (const ActivationSpec& a : kActivations) s += std::string(s.empty() ? "" : ", ") + a.name;
  return s;
}

// Per RecurrentKind (Rnn, Gru, Lstm): the spec's default activations of one direction.
constexpr K kDefaultKinds[3][3] = {{K::Tanh}, {K::Sigmoid, K::Tanh}, {K::Sigmoid, K::Tanh, K::Tanh}};

// activations / activation_alpha / activation_beta: alphas are consumed in order by the
// activations that take one (and betas likewise), as the spec's "consumed in the order of
// activation functions" reads and onnxruntime's LSTM and GRU do; an activation without a
// listed value takes its default.
template <typename Fail>
std::vector<RecurrentActivation> parse_activations(const Node& n, const RecurrentParams& p, const Fail& err) {
  const int per_dir = p.activations_per_direction();
  const size_t want = static_cast<size_t>(per_dir * p.dirs);
  std::vector<std::string> names;
  if (const auto* v = n.attrs.has("activations") ? &n.attrs.all().at("activations") : nullptr) {
    const auto* list = std::get_if<std::vector<std::string>>(v);
    if (!list) err("attribute 'activations' must be a list of strings");
    names = *list;
    if (names.size() != want)
      err("attribute 'activations' lists ", names.size(), " functions; expected ", want, " (", per_dir,
          " per direction, ", p.dirs, " direction", p.dirs > 1 ? "s" : "", ")");
  } else {
    for (int d = 0; d < p.dirs; ++d)
      for (int k = 0; k < per_dir; ++k)
        for (const ActivationSpec& a : kActivations)
          if (a.kind == kDefaultKinds[static_cast<int>(p.kind)][k]) names.push_back(a.name);
  }
  const std::vector<float> alphas = n.attrs.get_floats("activation_alpha");
  const std::vector<float> betas = n.attrs.get_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  std::vector<RecurrentActivation> out;
  for (const std::string& name : names) {
    const ActivationSpec* spec = nullptr;
    for (const ActivationSpec& a : kActivations)
      if (same_name(name, a.name)) spec = &a;
    if (!spec) err("activation '", name, "' is not one of ", activation_names());
    RecurrentActivation a{spec->kind, spec->alpha, spec->beta};
    if (spec->uses_alpha && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (spec->uses_beta && next_beta < betas.size()) a.beta = betas[next_beta++];
    out.push_back(a);
  }
  // Values left over (a model may list alphas for activations that take none) are ignored,
  // as onnxruntime's LSTM and GRU do.
  return out;
}

}  // namespace

Shape RecurrentParams::y_shape() const {
  return layout == 0 ? Shape{seq, dirs, batch, hidden} : Shape{batch, seq, dirs, hidden};
}
Shape RecurrentParams::state_shape() const {
  return layout == 0 ? Shape{dirs, batch, hidden} : Shape{batch, dirs, hidden};
}

bool RecurrentParams::default_activations() const {
  for (int d = 0; d < dirs; ++d)
    for (int k = 0; k < activations_per_direction(); ++k)
      if (activation(d, k).kind != kDefaultKinds[static_cast<int>(kind)][k]) return false;
  return true;
}

RecurrentKind recurrent_kind(const std::string& op_type) {
  if (op_type == "LSTM") return RecurrentKind::Lstm;
  if (op_type == "GRU") return RecurrentKind::Gru;
  if (op_type == "RNN") return RecurrentKind::Rnn;
  fail("'", op_type, "' is not a recurrent op");
}

RecurrentParams recurrent_params(const Node& n, std::span<const Shape* const> inputs) {
  auto err = [&](const auto&... parts) { fail(Graph::describe(n), ": ", parts...); };
  namespace in = recurrent_input;
  RecurrentParams p;
  p.kind = recurrent_kind(n.op_type);
  p.gates = p.kind == RecurrentKind::Rnn ? 1 : p.kind == RecurrentKind::Gru ? 3 : 4;
  const int max_inputs = p.kind == RecurrentKind::Lstm ? 8 : 6;
  const int count = static_cast<int>(inputs.size());
  if (count < 3 || count > max_inputs) err("expected 3 to ", max_inputs, " inputs (X, W, R, ...), got ", count);
  for (int i = 0; i < 3; ++i)
    if (!inputs[i]) err("input ", i, " (", i == 0 ? "X" : i == 1 ? "W" : "R", ") is required");
  auto has = [&](int i) { return i < count && inputs[i]; };
  auto shape = [&](int i) -> const Shape& { return *inputs[i]; };

  const std::string dir = n.attrs.get_string("direction", "forward");
  if (dir == "forward") p.direction = RecurrentParams::Direction::Forward;
  else if (dir == "reverse") p.direction = RecurrentParams::Direction::Reverse;
  else if (dir == "bidirectional") p.direction = RecurrentParams::Direction::Bidirectional;
  else err("direction '", dir, "' is not one of forward, reverse, bidirectional");
  p.dirs = p.direction == RecurrentParams::Direction::Bidirectional ? 2 : 1;

  const int64_t layout = n.attrs.get_int("layout", 0);
  if (layout != 0 && layout != 1) err("layout is ", layout, "; expected 0 (time-major) or 1 (batch-major)");
  p.layout = static_cast<int>(layout);

  const Shape& x = shape(in::X);
  const Shape& w = shape(in::W);
  const Shape& r = shape(in::R);
  if (x.size() != 3)
    err("X has shape ", shape_to_string(x), "; expected rank 3 ",
        p.layout == 0 ? "[seq_length, batch_size, input_size]" : "[batch_size, seq_length, input_size]");
  p.seq = x[p.layout == 0 ? 0 : 1];
  p.batch = x[p.layout == 0 ? 1 : 0];
  p.input = x[2];
  if (r.size() != 3)
    err("R has shape ", shape_to_string(r), "; expected [num_directions, ", p.gates, "*hidden_size, hidden_size]");
  p.hidden = r[2];
  if (n.attrs.has("hidden_size")) {
    const int64_t h = n.attrs.get_int("hidden_size", 0);
    if (h <= 0) err("hidden_size is ", h, "; expected a positive size");
    if (h != p.hidden)
      err("hidden_size is ", h, " but R has shape ", shape_to_string(r), " (hidden size ", p.hidden, ")");
  }
  const int64_t D = p.dirs, G = p.gates, H = p.hidden;
  if (w != Shape{D, G * H, p.input})
    err("W has shape ", shape_to_string(w), "; expected ", shape_to_string({D, G * H, p.input}), " (num_directions ", D,
        ", ", G, " gates x hidden_size ", H, ", input_size ", p.input, ")");
  if (r != Shape{D, G * H, H}) err("R has shape ", shape_to_string(r), "; expected ", shape_to_string({D, G * H, H}));
  if (has(in::B) && shape(in::B) != Shape{D, 2 * G * H})
    err("B has shape ", shape_to_string(shape(in::B)), "; expected ", shape_to_string({D, 2 * G * H}));
  if (has(in::SequenceLens) && shape(in::SequenceLens) != Shape{p.batch})
    err("sequence_lens has shape ", shape_to_string(shape(in::SequenceLens)), "; expected ",
        shape_to_string({p.batch}));
  const Shape state = p.state_shape();
  if (has(in::InitialH) && shape(in::InitialH) != state)
    err("initial_h has shape ", shape_to_string(shape(in::InitialH)), "; expected ", shape_to_string(state));
  if (p.kind == RecurrentKind::Lstm) {
    if (has(in::InitialC) && shape(in::InitialC) != state)
      err("initial_c has shape ", shape_to_string(shape(in::InitialC)), "; expected ", shape_to_string(state));
    if (has(in::P) && shape(in::P) != Shape{D, 3 * H})
      err("P has shape ", shape_to_string(shape(in::P)), "; expected ", shape_to_string({D, 3 * H}));
    p.input_forget = n.attrs.get_int("input_forget", 0) != 0;
  }
  if (p.kind == RecurrentKind::Gru) p.linear_before_reset = n.attrs.get_int("linear_before_reset", 0) != 0;
  if (n.attrs.has("clip")) {
    p.has_clip = true;
    p.clip = n.attrs.get_float("clip", 0.f);
    if (!(p.clip > 0)) err("clip is ", p.clip, "; expected a positive threshold");
  }
  p.activations = parse_activations(n, p, err);
  return p;
}

namespace {

void infer_recurrent(InferContext& ctx) {
  const RecurrentKind kind = recurrent_kind(ctx.node().op_type);
  const int max_outputs = kind == RecurrentKind::Lstm ? 3 : 2;
  if (ctx.num_outputs() > max_outputs) ctx.error("expected at most ", max_outputs, " outputs, got ", ctx.num_outputs());
  std::vector<const Shape*> shapes;
  for (int i = 0; i < ctx.num_inputs(); ++i) shapes.push_back(ctx.has_input(i) ? &ctx.shape(i) : nullptr);
  const RecurrentParams p = recurrent_params(ctx.node(), shapes);

  nn::expect_float(ctx, recurrent_input::X, "X");
  static const char* names[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (i == recurrent_input::SequenceLens) {
      nn::expect_types(ctx, i, "sequence_lens", {DType::I32});
      continue;
    }
    nn::expect_same_type(ctx, i, names[i], recurrent_input::X, "X");
  }
  const DType t = ctx.dtype(recurrent_input::X);
  if (ctx.num_outputs() > 0) ctx.set_output(0, t, p.y_shape());
  for (int k = 1; k < ctx.num_outputs(); ++k) ctx.set_output(k, t, p.state_shape());
}

// Per time step, batch row and direction, every gate is a row of W times x_t plus a row of R
// times h_{t-1}: gates x (input_size + hidden_size) x hidden_size MACs, whatever the
// activations. Elementwise work per hidden unit and step: two bias adds and an activation per
// gate, plus the state update (LSTM c = f*c + i*g and h = o*h(c): 5; GRU (1-z)*h~ + z*h and
// the reset product: 4; RNN none).
Cost recurrent_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  const RecurrentKind kind = recurrent_kind(c.node.op_type);
  if (c.inputs.size() < 3) return cost;
  const Shape& x = c.inputs[recurrent_input::X].shape;
  const Shape& w = c.inputs[recurrent_input::W].shape;
  const Shape& r = c.inputs[recurrent_input::R].shape;
  if (x.size() != 3 || w.size() != 3 || r.size() != 3) return cost;
  const double steps = static_cast<double>(x[0]) * static_cast<double>(x[1]);       // T * N, either layout
  const double dirs = static_cast<double>(w[0]), rows = static_cast<double>(w[1]);  // rows = G * H
  const double hidden = static_cast<double>(r[2]), input = static_cast<double>(x[2]);
  cost.macs = dirs * steps * rows * (input + hidden);
  const double per_unit = kind == RecurrentKind::Lstm ? 5 : kind == RecurrentKind::Gru ? 4 : 0;
  cost.other_ops = dirs * steps * (3 * rows + per_unit * hidden);
  return cost;
}

std::vector<AttrSpec> recurrent_attributes(RecurrentKind kind, bool with_layout) {
  std::vector<AttrSpec> a = {{"activation_alpha", AttrType::FLOATS}, {"activation_beta", AttrType::FLOATS},
                             {"activations", AttrType::STRINGS},     {"clip", AttrType::FLOAT},
                             {"direction", AttrType::STRING},        {"hidden_size", AttrType::INT}};
  if (kind == RecurrentKind::Lstm) a.push_back({"input_forget", AttrType::INT});
  if (kind == RecurrentKind::Gru) a.push_back({"linear_before_reset", AttrType::INT});
  if (with_layout) a.push_back({"layout", AttrType::INT});
  return a;
}

}  // namespace

RefKernelFn recurrent_reference();  // recurrent_reference.cpp

void register_nn_recurrent_ops(OpRegistry& r) {
  // Opset 22 only adds bfloat16 to the types (refused by infer() with a clear message, as
  // every half-precision input is), so the opset-14 definition covers it and later ones.
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    const RecurrentKind kind = recurrent_kind(op);
    // Opsets 1-6 differ from 7 by `output_sequence` only (0, the default, made the Y output
    // optional: a node produces Y when it names it, in every opset, so it changes nothing here)
    // and, for GRU before opset 3, no linear_before_reset (always 0 then).
    std::vector<AttrSpec> legacy = recurrent_attributes(kind, false);
    legacy.push_back({"output_sequence", AttrType::INT});
    if (kind == RecurrentKind::Gru) {
      std::vector<AttrSpec> gru1;
      for (const AttrSpec& a : legacy)
        if (a.name != "linear_before_reset") gru1.push_back(a);
      r.add_op(OpDef{op, "", 1, 2, infer_recurrent, recurrent_cost, recurrent_reference(), gru1});
      r.add_op(OpDef{op, "", 3, 6, infer_recurrent, recurrent_cost, recurrent_reference(), legacy});
    } else {
      r.add_op(OpDef{op, "", 1, 6, infer_recurrent, recurrent_cost, recurrent_reference(), legacy});
    }
    r.add_op(OpDef{op, "", 7, 13, infer_recurrent, recurrent_cost, recurrent_reference(),
                   recurrent_attributes(kind, false)});
    r.add_op(OpDef{op, "", 14, INT_MAX, infer_recurrent, recurrent_cost, recurrent_reference(),
                   recurrent_attributes(kind, true)});
  }
}

}  // namespace layerscope
