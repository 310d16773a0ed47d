// Conv [-> Add(residual)] [-> activation] becomes one fused node (ops/fused/conv.h), e.g.
// "ConvAddRelu": oneDNN applies the add and the activation to each output block while it is
// still in registers (post-ops), instead of two more passes over memory.
// Activations: every op with the activation trait (OpDef::activation: Relu, LeakyRelu, Clip with
// constant bounds, Sigmoid, HardSigmoid, HardSwish, Elu, Tanh, Softplus, Mish, Gelu (ONNX's, or
// the fused-domain Gelu of the GELU-fusion pass, which must then run first)), and the SiLU
// pattern x * Sigmoid(x) (-> "Swish").
// A value is absorbed only when it feeds nothing but the next node of the pattern and is not a
// graph output; the residual must be a computed (non-constant) tensor of the output's shape.
#include "ops/fused/conv.h"
#include "passes/graph_index.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {

namespace {

using pattern::is_op;

struct Match {
  pattern::Activation activation;
  std::vector<int> nodes;  // absorbed nodes, in order
  int output = -1;         // value the fused node produces
};

// The activation applied to `x` (the conv or add output), if one can be absorbed.
std::optional<Match> match_activation(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                      int x) {
  const Graph& g = ctx.graph;
  if (idx.is_graph_output(x)) return std::nullopt;
  const std::vector<int>& users = idx.consumers(x);
  // SiLU: x feeds exactly a Sigmoid and a Mul, and the Sigmoid feeds only that Mul.
  if (users.size() == 2 && users[0] != users[1]) {
    for (int k = 0; k < 2; ++k) {
      const Node& s = g.nodes[users[k]];
      const Node& mul = g.nodes[users[1 - k]];
      if (dead[users[k]] || dead[users[1 - k]] || !is_op(s, "Sigmoid") || !is_op(mul, "Mul") || mul.inputs.size() != 2)
        continue;
      const int sv = s.outputs[0];
      const bool operands = (mul.inputs[0] == x && mul.inputs[1] == sv) || (mul.inputs[1] == x && mul.inputs[0] == sv);
      if (!operands || !idx.only_feeds(sv, users[1 - k])) continue;
      Match m;
      m.activation.op_type = kSwishActivation;
      m.nodes = {users[k], users[1 - k]};
      m.output = mul.outputs[0];
      return m;
    }
    return std::nullopt;
  }
  const int ai = idx.sole_consumer(x);
  if (ai < 0 || dead[ai]) return std::nullopt;
  const Node& a = g.nodes[ai];
  if (a.inputs.empty() || a.inputs[0] != x || a.outputs.size() != 1) return std::nullopt;
  std::optional<pattern::Activation> act = pattern::as_activation(ctx, a);
  if (!act) return std::nullopt;
  return Match{std::move(*act), {ai}, a.outputs[0]};
}

// Add(x, r) or Add(r, x) with r a computed tensor of x's type and shape: returns r, else -1.
int residual_of(const PassContext& ctx, const Node& add, int x) {
  if (!is_op(add, "Add") || add.inputs.size() != 2 || add.outputs.size() != 1) return -1;
  const int r = add.inputs[0] == x ? add.inputs[1] : add.inputs[0];
  if (r < 0 || r == x || ctx.graph.values[r].constant || !ctx.known(r)) return -1;
  const TensorInfo &ri = ctx.info[r], &xi = ctx.info[x];
  return ri.dtype == xi.dtype && ri.shape == xi.shape ? r : -1;
}

}  // namespace

int fuse_conv_activation_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int fused = 0;
  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    if (dead[ci] || !is_op(g.nodes[ci], "Conv") || g.nodes[ci].outputs.empty()) continue;
    const int y = g.nodes[ci].outputs[0];
    if (!ctx.known(y)) continue;
    std::vector<int> absorbed;
    int out = y, residual = -1;
    if (int ai = idx.sole_consumer(y); ai >= 0 && !dead[ai]) {
      residual = residual_of(ctx, g.nodes[ai], y);
      if (residual >= 0) {
        absorbed.push_back(ai);
        out = g.nodes[ai].outputs[0];
      }
    }
    std::optional<Match> act = match_activation(ctx, idx, dead, out);
    // Only activations with a fused op (each op with the trait has one; a fused-domain one
    // without an ONNX twin would not).
    const std::string op_type = fused_conv_op_type(residual >= 0, act ? act->activation.op_type : "");
    const OpDef* fused_def = ctx.registry.find_op(kFusedDomain, op_type, 1);
    if (act && !fused_def) act.reset();
    if (act) {
      absorbed.insert(absorbed.end(), act->nodes.begin(), act->nodes.end());
      out = act->output;
    }
    if (absorbed.empty()) continue;

    Node& conv = g.nodes[ci];
    conv.domain = kFusedDomain;
    conv.opset = 1;
    conv.op_type = fused_conv_op_type(residual >= 0, act ? act->activation.op_type : "");
    if (act) pattern::copy_activation_attrs(*fused_def, act->activation, conv.attrs);
    conv.inputs.resize(residual >= 0 ? kConvResidualInput + 1 : std::min<size_t>(conv.inputs.size(), 3), -1);
    if (residual >= 0) conv.inputs[kConvResidualInput] = residual;
    conv.outputs[0] = out;
    for (int a : absorbed) {
      append_sources(conv.source_names, g.nodes[a].source_names);
      dead[a] = true;
    }
    ++fused;
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace layerscope
