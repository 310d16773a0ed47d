// Layer normalisation written out op by op (exports before opset 17, TF/Keras converters):
//   m = ReduceMean(x, trailing axes)     d = Sub(x, m)
//   v = ReduceMean(Pow(d, 2) | Mul(d, d))  n = Div(d, Sqrt(Add(v, eps)))
//   y = [Add(] [Mul(] n [, gamma)] [, beta)]
// becomes one "LayerNorm" node (kFusedDomain) with LayerNormalization-17's inputs and
// attributes (axis = the first reduced axis, epsilon), served by the oneDNN layer-norm kernel.
// gamma / beta must be constants that vary only over the normalised dims; they are expanded to
// exactly the normalised shape, which is what the kernel takes. The node keeps the first
// ReduceMean's name and lists every absorbed node in source_names.
#include <algorithm>

#include "ops/op_utils.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using namespace pattern;

// Reduced axes of a ReduceMean with keepdims = 1, normalised and sorted; empty if unreadable.
std::vector<int64_t> mean_axes(const Graph& g, const Node& n, int rank) {
  if (n.attrs.get_int("keepdims", 1) != 1) return {};
  std::vector<int64_t> axes;
  if (n.opset < 18) {
    axes = n.attrs.get_ints("axes");
  } else {
    if (n.inputs.size() < 2 || n.inputs[1] < 0 || !g.values[n.inputs[1]].constant) return {};
    const Tensor& t = *g.values[n.inputs[1]].constant;
    if (t.dtype() != DType::I64) return {};
    axes.assign(t.data_as<int64_t>(), t.data_as<int64_t>() + t.numel());
  }
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  return axes;
}

// The constant `v` broadcast to `norm` (the normalised dims), if it varies over nothing else.
std::optional<Tensor> expand_to(const Graph& g, int v, const Shape& norm) {
  if (v < 0 || !g.values[v].constant || g.values[v].constant->dtype() != DType::F32) return std::nullopt;
  const Tensor& t = *g.values[v].constant;
  Shape s = t.shape();
  while (s.size() > norm.size()) {
    if (s.front() != 1) return std::nullopt;
    s.erase(s.begin());
  }
  Shape b;
  if (!try_broadcast_shapes(norm, s, &b) || b != norm) return std::nullopt;
  Tensor out(DType::F32, norm);
  const std::vector<int64_t> st = broadcast_strides(s, norm);
  std::vector<int64_t> idx(norm.size(), 0);
  for (int64_t j = 0; j < out.numel(); ++j) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * st[d];
    out.data_as<float>()[j] = t.data_as<float>()[off];
    for (size_t d = idx.size(); d-- > 0;)
      if (++idx[d] < norm[d]) break;
      else idx[d] = 0;
  }
  return out;
}

struct Match {
  std::vector<int> nodes;
  int x = -1, y = -1, gamma = -1, beta = -1;
  int64_t axis = 0;
  float eps = 0;
};

std::optional<Match> match(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, int r1) {
  const Graph& g = ctx.graph;
  Match m;
  m.x = g.nodes[r1].inputs[0];
  if (!ctx.known(m.x) || ctx.info[m.x].dtype != DType::F32) return std::nullopt;
  const Shape& xs = ctx.info[m.x].shape;
  const int rank = static_cast<int>(xs.size());
  const std::vector<int64_t> axes = mean_axes(g, g.nodes[r1], rank);
  if (axes.empty() || axes.back() != rank - 1) return std::nullopt;
  for (size_t k = 0; k < axes.size(); ++k)
    if (axes[k] != rank - static_cast<int64_t>(axes.size() - k)) return std::nullopt;  // trailing, contiguous
  m.axis = axes.front();

  const int sub = sole_user(g, idx, dead, g.nodes[r1].outputs[0], "Sub");
  if (sub < 0 || g.nodes[sub].inputs[0] != m.x || g.nodes[sub].inputs[1] != g.nodes[r1].outputs[0]) return std::nullopt;
  const int d = g.nodes[sub].outputs[0];
  // d feeds the square (Pow once, or Mul in both slots) and the Div, nothing else.
  int sq = -1, div = -1;
  for (int c : idx.consumers(d)) {
    const Node& n = g.nodes[c];
    if (dead[c]) return std::nullopt;
    if (is_op(n, "Div") && n.inputs[0] == d && n.inputs[1] != d && (div < 0 || div == c)) div = c;
    else if (is_op(n, "Pow") && n.inputs[0] == d && sq < 0) sq = c;
    else if (is_op(n, "Mul") && n.inputs[0] == d && n.inputs[1] == d && (sq < 0 || sq == c)) sq = c;
    else return std::nullopt;
  }
  if (sq < 0 || div < 0 || idx.is_graph_output(d)) return std::nullopt;
  if (is_op(g.nodes[sq], "Pow")) {
    std::optional<float> e = scalar_constant(g, g.nodes[sq].inputs[1]);
    if (!e || *e != 2.f) return std::nullopt;
  }
  const int r2 = sole_user(g, idx, dead, g.nodes[sq].outputs[0], "ReduceMean");
  if (r2 < 0 || mean_axes(g, g.nodes[r2], rank) != axes) return std::nullopt;
  const int add = sole_user(g, idx, dead, g.nodes[r2].outputs[0], "Add");
  if (add < 0) return std::nullopt;
  std::optional<float> eps = scalar_constant(g, other_input(g.nodes[add], g.nodes[r2].outputs[0]));
  if (!eps || *eps < 0) return std::nullopt;
  m.eps = *eps;
  const int sqrt = sole_user(g, idx, dead, g.nodes[add].outputs[0], "Sqrt");
  if (sqrt < 0 || idx.sole_consumer(g.nodes[sqrt].outputs[0]) != div ||
      g.nodes[div].inputs[1] != g.nodes[sqrt].outputs[0])
    return std::nullopt;
  m.nodes = {r1, sub, sq, r2, add, sqrt, div};
  m.y = g.nodes[div].outputs[0];
  // Optional affine part: * gamma, then + beta (constants over the normalised dims).
  if (int mul = sole_user(g, idx, dead, m.y, "Mul"); mul >= 0) {
    const int gv = other_input(g.nodes[mul], m.y);
    if (gv >= 0 && g.values[gv].constant) {
      m.gamma = gv;
      m.nodes.push_back(mul);
      m.y = g.nodes[mul].outputs[0];
      if (int ba = sole_user(g, idx, dead, m.y, "Add"); ba >= 0) {
        const int bv = other_input(g.nodes[ba], m.y);
        if (bv >= 0 && g.values[bv].constant) {
          m.beta = bv;
          m.nodes.push_back(ba);
          m.y = g.nodes[ba].outputs[0];
        }
      }
    }
  }
  return m;
}

}  // namespace

int fuse_layernorm_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead[i] || !is_op(g.nodes[i], "ReduceMean") || g.nodes[i].inputs.empty()) continue;
    std::optional<Match> m = match(ctx, idx, dead, static_cast<int>(i));
    if (!m) continue;
    const Shape& xs = ctx.info[m->x].shape;
    const Shape norm(xs.begin() + m->axis, xs.end());
    Tensor ones(DType::F32, norm);
    std::fill(ones.data_as<float>(), ones.data_as<float>() + ones.numel(), 1.f);
    std::optional<Tensor> gamma = m->gamma >= 0 ? expand_to(g, m->gamma, norm) : std::optional<Tensor>(ones);
    std::optional<Tensor> beta = m->beta >= 0 ? expand_to(g, m->beta, norm) : std::nullopt;
    if (!gamma || (m->beta >= 0 && !beta)) continue;

    const std::string name = g.nodes[i].name;
    const int gv = ctx.add_constant(name + "/fused_scale", std::move(*gamma));
    const int bv = beta ? ctx.add_constant(name + "/fused_bias", std::move(*beta)) : -1;
    Attributes attrs;
    attrs.set("axis", m->axis);
    attrs.set("epsilon", m->eps);
    std::vector<int> inputs = {m->x, gv};
    if (bv >= 0) inputs.push_back(bv);
    become_fused(g, dead, static_cast<int>(i), m->nodes, {"LayerNorm", std::move(attrs), std::move(inputs), {m->y}});
    ++fused;
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace layerscope
