// The two GELU formulas as exporters spell them out, back to one "Gelu" node (domain
// kFusedDomain, attribute approximate):
//   erf:  0.5 * x * (1 + Erf(x / sqrt 2))                        (x / 1.41421 or x * 0.70711)
//   tanh: 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3)))  (x^3 as Pow(x, 3) or x * x * x)
// The product 0.5 * x * (1 + ...) may be associated and ordered in any way torch emits it:
// ((x * a) * 0.5), ((a * x) * 0.5), ((a * 0.5) * x), (x * 0.5) * a, ... Constants match within a
// relative 1e-4. The fused node takes the Erf / Tanh node's name and lists every absorbed
// node in source_names.
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using namespace pattern;

constexpr double kSqrt2 = 1.4142135623730951, kSqrt2OverPi = 0.7978845608028654, kCubic = 0.044715;

struct Match {
  std::vector<int> nodes;  // absorbed nodes (the anchor included)
  int x = -1, y = -1;
};

class GeluMatcher {
 public:
  GeluMatcher(const Graph& g, const GraphIndex& idx, const std::vector<bool>& dead) : g_(g), idx_(idx), dead_(dead) {}

  // x when `v` = Mul(x, c) / Mul(c, x) with c ~ `factor` (or Div(x, c) with c ~ 1 / factor),
  // and `v` feeds only `user`; the matched node is appended to `nodes`.
  int scaled_input(int v, double factor, int user, std::vector<int>& nodes) const {
    if (!idx_.only_feeds(v, user)) return -1;
    if (int n = producer_op(g_, idx_, dead_, v, "Mul"); n >= 0 && g_.nodes[n].inputs.size() == 2) {
      for (int k = 0; k < 2; ++k) {
        std::optional<float> c = scalar_constant(g_, g_.nodes[n].inputs[k]);
        if (c && near(*c, factor)) {
          nodes.push_back(n);
          return g_.nodes[n].inputs[1 - k];
        }
      }
    }
    if (int n = producer_op(g_, idx_, dead_, v, "Div"); n >= 0) {
      std::optional<float> c = scalar_constant(g_, g_.nodes[n].inputs[1]);
      if (c && near(*c, 1.0 / factor)) {
        nodes.push_back(n);
        return g_.nodes[n].inputs[0];
      }
    }
    return -1;
  }

  // 1 + t (either order) where t feeds only that Add: the Add's output, else -1.
  int plus_one(int t, std::vector<int>& nodes) const {
    const int a = sole_user(g_, idx_, dead_, t, "Add");
    if (a < 0) return -1;
    std::optional<float> c = scalar_constant(g_, other_input(g_.nodes[a], t));
    if (!c || !near(*c, 1.0)) return -1;
    nodes.push_back(a);
    return g_.nodes[a].outputs[0];
  }

  // 0.5 * x * a in any association / order, a feeding only it: the product's output, else -1.
  int half_x_times(int a, int x, std::vector<int>& nodes) const {
    const int m1 = sole_user(g_, idx_, dead_, a, "Mul");
    if (m1 < 0) return -1;
    const int o = other_input(g_.nodes[m1], a);
    const int y1 = g_.nodes[m1].outputs[0];
    auto then_times = [&](auto accept) {  // (a * o) * z with accept(z)
      const int m2 = sole_user(g_, idx_, dead_, y1, "Mul");
      if (m2 < 0 || !accept(other_input(g_.nodes[m2], y1))) return -1;
      nodes.push_back(m1);
      nodes.push_back(m2);
      return g_.nodes[m2].outputs[0];
    };
    auto is_half = [&](int v) {
      std::optional<float> c = scalar_constant(g_, v);
      return c && near(*c, 0.5);
    };
    if (o == x) return then_times(is_half);
    if (is_half(o)) return then_times([&](int v) { return v == x; });
    // a * (x * 0.5): the half product feeds only this Mul.
    std::vector<int> half;
    if (o >= 0 && scaled_input(o, 0.5, m1, half) == x) {
      nodes.push_back(half[0]);
      nodes.push_back(m1);
      return y1;
    }
    return -1;
  }

  std::optional<Match> erf_form(int erf) const {
    Match m;
    const Node& e = g_.nodes[erf];
    m.x = scaled_input(e.inputs[0], 1.0 / kSqrt2, erf, m.nodes);
    if (m.x < 0) return std::nullopt;
    m.nodes.push_back(erf);
    const int a = plus_one(e.outputs[0], m.nodes);
    if (a < 0 || (m.y = half_x_times(a, m.x, m.nodes)) < 0) return std::nullopt;
    return m;
  }

  std::optional<Match> tanh_form(int tanh) const {
    Match m;
    const Node& t = g_.nodes[tanh];
    const int r = scaled_input(t.inputs[0], kSqrt2OverPi, tanh, m.nodes);  // r = x + 0.044715 x^3
    const int add = producer_op(g_, idx_, dead_, r, "Add");
    if (r < 0 || add < 0 || !idx_.only_feeds(r, m.nodes.back())) return std::nullopt;
    for (int k = 0; k < 2 && m.x < 0; ++k) {
      const int x = g_.nodes[add].inputs[k], q = g_.nodes[add].inputs[1 - k];
      std::vector<int> cubic;
      const int p = scaled_input(q, kCubic, add, cubic);  // p = x^3
      if (p < 0 || !idx_.only_feeds(p, cubic[0]) || !cubes(p, x, cubic)) continue;
      m.x = x;
      m.nodes.insert(m.nodes.begin(), cubic.rbegin(), cubic.rend());
      m.nodes.insert(m.nodes.begin() + static_cast<long>(cubic.size()), add);
    }
    if (m.x < 0) return std::nullopt;
    m.nodes.push_back(tanh);
    const int a = plus_one(t.outputs[0], m.nodes);
    if (a < 0 || (m.y = half_x_times(a, m.x, m.nodes)) < 0) return std::nullopt;
    return m;
  }

 private:
  // p = Pow(x, 3), Mul(Mul(x, x), x) or Mul(x, Mul(x, x)), each part feeding only the next.
  bool cubes(int p, int x, std::vector<int>& nodes) const {
    if (int n = producer_op(g_, idx_, dead_, p, "Pow"); n >= 0) {
      std::optional<float> e = scalar_constant(g_, g_.nodes[n].inputs[1]);
      if (g_.nodes[n].inputs[0] != x || !e || *e != 3.f) return false;
      nodes.push_back(n);
      return true;
    }
    const int m = producer_op(g_, idx_, dead_, p, "Mul");
    if (m < 0) return false;
    const int sq = other_input(g_.nodes[m], x);
    const int s = producer_op(g_, idx_, dead_, sq, "Mul");
    if (s < 0 || !idx_.only_feeds(sq, m) || g_.nodes[s].inputs.size() != 2 || g_.nodes[s].inputs[0] != x ||
        g_.nodes[s].inputs[1] != x)
      return false;
    nodes.push_back(m);
    nodes.push_back(s);
    return true;
  }

  const Graph& g_;
  const GraphIndex& idx_;
  const std::vector<bool>& dead_;
};

}  // namespace

int fuse_gelu_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  GeluMatcher matcher(g, idx, dead);
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& anchor = g.nodes[i];
    const bool erf = is_op(anchor, "Erf"), tanh = is_op(anchor, "Tanh");
    if (dead[i] || (!erf && !tanh) || anchor.inputs.size() != 1 || anchor.outputs.size() != 1) continue;
    std::optional<Match> m = erf ? matcher.erf_form(static_cast<int>(i)) : matcher.tanh_form(static_cast<int>(i));
    if (!m || !ctx.known(m->x) || ctx.info[m->x].dtype != DType::F32) continue;
    if (any_dead(dead, m->nodes)) continue;
    Attributes attrs;
    attrs.set("approximate", std::string(erf ? "none" : "tanh"));
    become_fused(g, dead, static_cast<int>(i), m->nodes, {"Gelu", std::move(attrs), {m->x}, {m->y}});
    ++fused;
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace layerscope
