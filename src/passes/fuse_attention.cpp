// Scaled dot-product attention as exporters write it, to one "SDPAttention" node (domain
// kFusedDomain, ops/fused/transformer.h) whose kernel never writes the [Lq, Lk] score matrix:
//   S = MatMul(Q', K')   [S = Mul(S, c) | Div(S, c)]   [S = Add(S, mask) | S = Where(cond, fill, S)]
//   O = MatMul(Softmax(S, last axis), V)
// where Q' is Q, optionally scaled (Mul / Div by a constant: torch's vision transformer scales
// Q before the product), and K' is K^T: Transpose(K) swapping the last two dims (absorbed:
// k_transposed = 0) or any other tensor of shape [..., D, Lk] (k_transposed = 1), optionally
// scaled too. All scale constants multiply into the attribute `scale`. A Where that replaces
// scores by a constant fill where a constant boolean condition holds (or where it does not:
// Where(cond, S, fill)), as torch exports masked_fill with a causal mask, becomes the additive
// mask 0 / fill, a new constant; only for fills of -inf or below -1e30, where S + fill is fill
// for every finite score, so the fused node computes exactly what the Where did. Q, K and V must share
// their batch dims, and every absorbed value must feed only the next node of the pattern. The
// head-split copies around the match (Transposes, Gathers of a Transpose, the Slices of a fused
// QKV projection and their Reshapes, the Transpose of the result) are then folded in as strided
// views (attention_views.h): the kernel reads and writes the exporter's buffers directly. The node keeps the first
// MatMul's name; source_names lists every absorbed node.
#include <map>
#include <numeric>
#include <tuple>

#include "ops/fused/attention_operands.h"
#include "ops/fused/transformer.h"
#include "passes/attention_views.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using namespace pattern;

// A Where(cond, fill, S) / Where(cond, S, fill) in front of the Softmax, to become an additive mask.
struct WhereMask {
  int cond = -1;               // a constant boolean tensor
  float fill = 0.f;            // the constant scalar written where the scores are replaced
  bool fill_when_true = true;  // Where(cond, fill, S): cond true selects the fill
};

struct Match {
  std::vector<int> nodes;
  int qk = -1;  // the first MatMul: the fused node takes its place and name
  int q = -1, k = -1, v = -1, mask = -1, out = -1;
  int q_user = -1, k_user = -1, pv = -1;  // the matched nodes reading q, k and v
  bool k_transposed = true;
  double scale = 1.0;
  std::optional<WhereMask> where_mask;  // set: the fused node's mask is made from it
};

class AttentionMatcher {
 public:
  AttentionMatcher(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead)
      : g_(ctx.graph), ctx_(ctx), idx_(idx), dead_(dead) {}

  std::optional<Match> match(int softmax) const {
    const Node& sm = g_.nodes[softmax];
    Match m;
    const int p = sm.outputs[0], s_in = sm.inputs[0];
    if (!ctx_.known(s_in)) return std::nullopt;
    const int rank = static_cast<int>(ctx_.info[s_in].shape.size());
    int64_t axis = sm.attrs.get_int("axis", sm.opset < 13 ? 1 : -1);
    if (rank < 2 || (axis < 0 ? axis + rank : axis) != rank - 1) return std::nullopt;
    const int mm2 = sole_user(g_, idx_, dead_, p, "MatMul");
    if (mm2 < 0 || g_.nodes[mm2].inputs[0] != p) return std::nullopt;
    m.v = g_.nodes[mm2].inputs[1];
    m.pv = mm2;
    m.out = g_.nodes[mm2].outputs[0];

    // Walk back from the Softmax input: [Add mask] <- [scale] <- MatMul. Without a mask first,
    // then with either operand of an Add as the scores and the other as the mask (the scaled
    // operand first: a computed bias may itself be a MatMul).
    if (std::optional<Match> full = match_scores(m, s_in, softmax, {}, softmax, mm2)) return full;
    if (std::optional<Match> full = match_where(m, s_in, softmax, mm2)) return full;
    const int add = producer_op(g_, idx_, dead_, s_in, "Add");
    if (add < 0 || !idx_.only_feeds(s_in, softmax) || g_.nodes[add].inputs.size() != 2) return std::nullopt;
    const int first = scale_of(g_.nodes[add].inputs[1]) && !scale_of(g_.nodes[add].inputs[0]) ? 1 : 0;
    for (int k : {first, 1 - first}) {
      Match with_mask = m;
      with_mask.mask = g_.nodes[add].inputs[1 - k];
      if (std::optional<Match> full = match_scores(with_mask, g_.nodes[add].inputs[k], add, {add}, softmax, mm2))
        return full;
    }
    return std::nullopt;
  }

 private:
  // The rest of the pattern, from the scores `s` (read only by `user`) back to Q and K;
  // `chain` holds what is absorbed between the scores and the Softmax, from the Softmax back.
  std::optional<Match> match_scores(Match m, int s, int user, std::vector<int> chain, int softmax, int mm2) const {
    if (std::optional<Scale> sc = scale_of(s); sc && idx_.only_feeds(s, user)) {
      chain.push_back(sc->node);
      m.scale *= sc->factor;
      user = sc->node;
      s = sc->input;
    }
    const int mm1 = producer_op(g_, idx_, dead_, s, "MatMul");
    if (mm1 < 0 || !idx_.only_feeds(s, user)) return std::nullopt;

    // Q side: scales only. K side: scales and one last-two-dims Transpose.
    std::vector<int> q_nodes, k_nodes;
    m.q = g_.nodes[mm1].inputs[0];
    for (std::optional<Scale> sc; (sc = scale_of(m.q)) && idx_.only_feeds(m.q, user_of(q_nodes, mm1));) {
      q_nodes.push_back(sc->node);
      m.scale *= sc->factor;
      m.q = sc->input;
    }
    m.k = g_.nodes[mm1].inputs[1];
    for (bool progress = true; progress;) {
      progress = false;
      if (!idx_.only_feeds(m.k, user_of(k_nodes, mm1))) break;
      if (std::optional<Scale> sc = scale_of(m.k)) {
        k_nodes.push_back(sc->node);
        m.scale *= sc->factor;
        m.k = sc->input;
        progress = true;
      } else if (int t = producer_op(g_, idx_, dead_, m.k, "Transpose");
                 t >= 0 && m.k_transposed && swaps_last_two(t)) {
        k_nodes.push_back(t);
        m.k_transposed = false;
        m.k = g_.nodes[t].inputs[0];
        progress = true;
      }
    }
    if (!shapes_fit(m)) return std::nullopt;
    m.q_user = user_of(q_nodes, mm1);
    m.k_user = user_of(k_nodes, mm1);
    m.nodes.insert(m.nodes.end(), q_nodes.rbegin(), q_nodes.rend());
    m.nodes.insert(m.nodes.end(), k_nodes.rbegin(), k_nodes.rend());
    m.nodes.push_back(mm1);
    m.qk = mm1;
    m.nodes.insert(m.nodes.end(), chain.rbegin(), chain.rend());
    m.nodes.push_back(softmax);
    m.nodes.push_back(mm2);
    return m;
  }

  // S = Where(cond, fill, scores) or Where(cond, scores, fill) read only by the Softmax, with a
  // constant boolean cond, a constant scalar fill that masks exactly (see the header) and cond
  // broadcasting to the scores' shape.
  std::optional<Match> match_where(Match m, int s, int softmax, int mm2) const {
    const int w = producer_op(g_, idx_, dead_, s, "Where");
    if (w < 0 || !idx_.only_feeds(s, softmax) || g_.nodes[w].inputs.size() != 3) return std::nullopt;
    const Node& n = g_.nodes[w];
    const int cond = n.inputs[0];
    if (cond < 0 || !g_.values[cond].constant || g_.values[cond].constant->dtype() != DType::Bool) return std::nullopt;
    for (int k : {1, 2}) {
      const std::optional<float> fill = scalar_constant(g_, n.inputs[k]);
      const int scores = n.inputs[3 - k];
      if (!fill || !(*fill <= kExactFill) || is_constant(scores) || !ctx_.known(scores) || !ctx_.known(s) ||
          ctx_.info[scores].shape != ctx_.info[s].shape)
        continue;
      m.where_mask = WhereMask{cond, *fill, k == 1};
      return match_scores(m, scores, w, {w}, softmax, mm2);
    }
    return std::nullopt;
  }
  // Fills at or below this (or -inf) absorb any finite score: S + fill == fill.
  static constexpr float kExactFill = -1e30f;

  // The node consuming the next value walked back from: the last absorbed one, else `first`.
  static int user_of(const std::vector<int>& absorbed, int first) { return absorbed.empty() ? first : absorbed.back(); }

  // `v` = Mul(x, c) / Mul(c, x) / Div(x, c) with c a constant scalar and x computed.
  struct Scale {
    int node;
    double factor;
    int input;  // x
  };
  std::optional<Scale> scale_of(int v) const {
    if (int n = producer_op(g_, idx_, dead_, v, "Div"); n >= 0) {
      std::optional<float> c = scalar_constant(g_, g_.nodes[n].inputs[1]);
      if (c && *c != 0.f && !is_constant(g_.nodes[n].inputs[0])) return Scale{n, 1.0 / *c, g_.nodes[n].inputs[0]};
    }
    if (int n = producer_op(g_, idx_, dead_, v, "Mul"); n >= 0 && g_.nodes[n].inputs.size() == 2) {
      for (int k = 0; k < 2; ++k) {
        std::optional<float> c = scalar_constant(g_, g_.nodes[n].inputs[k]);
        if (c && !is_constant(g_.nodes[n].inputs[1 - k])) return Scale{n, double(*c), g_.nodes[n].inputs[1 - k]};
      }
    }
    return std::nullopt;
  }

  bool is_constant(int v) const { return v < 0 || g_.values[v].constant.has_value(); }

  bool swaps_last_two(int t) const {
    const Node& n = g_.nodes[t];
    if (!ctx_.known(n.inputs[0])) return false;
    const int r = static_cast<int>(ctx_.info[n.inputs[0]].shape.size());
    std::vector<int64_t> want(r);
    std::iota(want.begin(), want.end(), 0);
    if (r < 2) return false;
    std::swap(want[r - 1], want[r - 2]);
    return n.attrs.get_ints("perm") == want;
  }

  // Q [..., Lq, D], K [..., Lk, D] or K^T [..., D, Lk], V [..., Lk, Dv], same batch dims, F32.
  bool shapes_fit(const Match& m) const {
    for (int v : {m.q, m.k, m.v})
      if (!ctx_.known(v) || ctx_.info[v].dtype != DType::F32) return false;
    if (m.mask >= 0 && (!ctx_.known(m.mask) || ctx_.info[m.mask].dtype != DType::F32)) return false;
    const Shape &q = ctx_.info[m.q].shape, &k = ctx_.info[m.k].shape, &v = ctx_.info[m.v].shape;
    const size_t r = q.size();
    if (r < 2 || k.size() != r || v.size() != r) return false;
    for (size_t d = 0; d + 2 < r; ++d)
      if (k[d] != q[d] || v[d] != q[d]) return false;
    const int64_t kd = m.k_transposed ? k[r - 2] : k[r - 1], lk = m.k_transposed ? k[r - 1] : k[r - 2];
    return kd == q[r - 1] && v[r - 2] == lk;
  }

  const Graph& g_;
  const PassContext& ctx_;
  const GraphIndex& idx_;
  const std::vector<bool>& dead_;
};

// The fused node's inputs, attributes and absorbed nodes once the copies around the match
// that can be read as strided views are folded in (attention_views.h).
struct WithViews {
  std::vector<int> inputs, nodes;
  int out = -1;
};
WithViews fold_views(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, const Match& m,
                     Attributes& attrs) {
  std::vector<std::optional<attention_views::InputView>> views = {
      attention_views::input_view(ctx, idx, dead, m.q, m.q_user),
      attention_views::input_view(ctx, idx, dead, m.k, m.k_user),
      attention_views::input_view(ctx, idx, dead, m.v, m.pv)};
  WithViews w{{m.q, m.k, m.v}, attention_views::keep_absorbable(idx, views), m.out};
  w.nodes.insert(w.nodes.end(), m.nodes.begin(), m.nodes.end());
  for (int i : {kAttnQ, kAttnK, kAttnV}) {
    if (!views[i]) continue;
    w.inputs[i] = views[i]->value;
    set_attention_operand_view(attrs, i, views[i]->view);
  }
  if (std::optional<attention_views::OutputView> o = attention_views::output_view(ctx, idx, dead, m.out)) {
    w.out = o->value;
    attrs.set(kAttnOutPermAttr, o->perm);
    w.nodes.push_back(o->transpose);
  }
  return w;
}

// The additive mask equivalent to a WhereMask: `fill` where the Where wrote it, else 0. One
// constant per (cond, fill, polarity): a decoder's layers usually share one causal mask.
using MaskKey = std::tuple<int, float, bool>;
int additive_mask(PassContext& ctx, const WhereMask& wm, std::map<MaskKey, int>& made) {
  const MaskKey key{wm.cond, wm.fill, wm.fill_when_true};
  if (auto it = made.find(key); it != made.end()) return it->second;
  const Tensor& cond = *ctx.graph.values[wm.cond].constant;
  Tensor mask(DType::F32, cond.shape());
  const uint8_t* c = cond.data_as<uint8_t>();
  float* out = mask.data_as<float>();
  for (int64_t i = 0; i < cond.numel(); ++i) out[i] = (c[i] != 0) == wm.fill_when_true ? wm.fill : 0.f;
  const int v = ctx.add_constant(ctx.graph.values[wm.cond].name + "/additive_mask", std::move(mask));
  made.emplace(key, v);
  return v;
}

}  // namespace

int fuse_attention_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  AttentionMatcher matcher(ctx, idx, dead);
  std::map<MaskKey, int> masks;
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead[i] || !is_op(g.nodes[i], "Softmax") || g.nodes[i].outputs.size() != 1) continue;
    std::optional<Match> m = matcher.match(static_cast<int>(i));
    if (!m) continue;
    Attributes attrs;
    attrs.set("scale", static_cast<float>(m->scale));
    attrs.set("k_transposed", int64_t{m->k_transposed ? 1 : 0});
    WithViews w = fold_views(ctx, idx, dead, *m, attrs);
    if (any_dead(dead, w.nodes)) continue;
    if (m->where_mask) m->mask = additive_mask(ctx, *m->where_mask, masks);
    if (m->mask >= 0) w.inputs.push_back(m->mask);
    become_fused(g, dead, m->qk, w.nodes, {"SDPAttention", std::move(attrs), std::move(w.inputs), {w.out}});
    ++fused;
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace layerscope
