// Chooses each value's buffer layout (ir/layout.h) and inserts explicit Reorder nodes where a
// layout changes, so that activations stay in oneDNN's preferred layout (channel-blocked
// nChw16c or channels-last, whichever the kernel reports) across consecutive convolutions and
// every conversion shows as a layer of its own in the profile. Runs last: it must see the
// fused nodes, and nothing after it may move values between nodes.
//
// Who wants what comes from the kernels (KernelDef::preferred_layouts, asked through
// select_kernel, exactly as the planner will choose). A layout-aware node always writes the
// layout its kernel prefers: oneDNN's convolutions have fast implementations only for the
// src/dst pairs it picks itself (a blocked src with a plain dst ends up in its gemm or
// reference code), so a Reorder after the node beats a slow node. Every reader that needs
// another layout gets a Reorder (one per value and target layout, shared by all its readers):
//   - consumers that are not layout-aware, and graph outputs, read Plain;
//   - a layout-aware consumer reads its preferred input layout (a fused residual: its output
//     layout), or a Plain value as it is when its kernel runs as well on Plain input (a first
//     convolution over 3 image channels).
// Nodes whose kernel follows its input (pooling) read input 0 as it arrives and write the same;
// a Concat along channels (LayoutChoice::all_inputs_follow) reads all its inputs and writes in
// the layout most of them arrive in, so DenseNet's concatenations of blocked convolution
// outputs stay blocked.
// A layout-aware node whose input arrives in another layout its kernel runs about as well in
// (LayoutChoice::also_runs_in) keeps that layout for its input and output, so a 1x1 convolution
// between Winograd 3x3 ones stays in nChw16c instead of bouncing through NHWC.
// Position-wise nodes (Relu, Add of two same-shape tensors, ...: passes/layout_rules.h) pass a
// layout with no channel padding for the shape (channels-last, or blocked when the channels fill
// the blocks) from an input to their output, so the Relu or residual Add between two
// convolutions costs no Reorders; their other same-shape inputs follow.
// Before rewriting, every layout-aware node is checked against its kernel with the exact
// layouts chosen; a node whose kernel refuses them keeps everything Plain and the choice is
// made again without it.
#include <algorithm>
#include <map>

#include "passes/graph_index.h"
#include "passes/layout_rules.h"
#include "passes/pass_list.h"

namespace layerscope {
namespace {

// A node's tensors as the kernels' supports()/preferred_layouts() need them.
struct NodeView {
  std::vector<TensorInfo> in, out;
  std::vector<const Tensor*> consts;
};

bool all_known(const PassContext& ctx, const std::vector<int>& values) {
  for (int v : values)
    if (v >= 0 && !ctx.known(v)) return false;
  return true;
}

NodeView view_of(const PassContext& ctx, const Node& n) {
  NodeView nv;
  for (int v : n.inputs) {
    nv.in.push_back(v < 0 ? TensorInfo{} : ctx.info[v]);
    nv.consts.push_back(v >= 0 && ctx.graph.values[v].constant ? &*ctx.graph.values[v].constant : nullptr);
  }
  for (int v : n.outputs) nv.out.push_back(v < 0 ? TensorInfo{} : ctx.info[v]);
  return nv;
}

// A layout-aware kernel that declines the node in Plain layouts but runs it in NHWC: int8
// pooling, which oneDNN implements only for channels-last (and blocked) int8 data. Its
// preference still counts (it follows the NHWC int8 convolutions), else the node would get
// Reorders to Plain around it and run on the reference kernel.
const KernelDef* channels_last_only_kernel(const Registry& registry, const KernelSetup& plain) {
  const size_t rank = plain.inputs[0].shape.size();
  if (rank < 3 || rank > 5) return nullptr;
  KernelSetup s{plain.node, plain.inputs, plain.constants, plain.outputs, plain.threads};
  s.input_layouts.assign(plain.inputs.size(), Layout::Plain);
  s.input_layouts[0] = Layout::ChannelsLast;
  s.output_layouts.assign(plain.outputs.size(), Layout::Plain);
  s.output_layouts[0] = Layout::ChannelsLast;
  for (const KernelDef* k : registry.kernels_for(plain.node.domain, plain.node.op_type))
    if (k->accepts_layouts && k->preferred_layouts && k->supports(s)) return k;
  return nullptr;
}

std::optional<LayoutChoice> preference(const PassContext& ctx, const Node& n) {
  if (n.inputs.empty() || n.outputs.empty() || n.inputs[0] < 0 || n.outputs[0] < 0) return std::nullopt;
  if (!all_known(ctx, n.inputs) || !all_known(ctx, n.outputs)) return std::nullopt;
  NodeView nv = view_of(ctx, n);
  KernelSetup s{n, nv.in, nv.consts, nv.out, ctx.threads};
  const KernelDef* k = select_kernel(ctx.registry, s);
  if (!k) k = channels_last_only_kernel(ctx.registry, s);
  if (!k || !k->accepts_layouts || !k->preferred_layouts) return std::nullopt;
  std::optional<LayoutChoice> choice = k->preferred_layouts(s);
  // A constant activation would need a reordered copy folded at plan time: keep it Plain.
  const size_t activation = choice && choice->follows_input ? static_cast<size_t>(choice->followed_input) : 0;
  if (activation >= n.inputs.size() || n.inputs[activation] < 0 || ctx.graph.values[n.inputs[activation]].constant)
    return std::nullopt;
  return choice;
}

class LayoutPlanner {
 public:
  explicit LayoutPlanner(const PassContext& ctx) : ctx_(ctx), g_(ctx.graph) {
    want_.resize(g_.nodes.size());
    positionwise_.assign(g_.nodes.size(), false);
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const Node& n = g_.nodes[i];
      want_[i] = preference(ctx, n);
      positionwise_[i] = !want_[i] && passes_layouts_through(n);
    }
    order_ = topological_order();
  }

  // Decides, checks with the kernels, and repeats without the nodes whose kernel refused.
  void solve() {
    for (;;) {
      decide();
      bool refused = false;
      for (size_t i = 0; i < g_.nodes.size(); ++i)
        if (want_[i] && !kernel_accepts(static_cast<int>(i))) {
          want_[i].reset();
          refused = true;
        }
      if (!refused) return;
    }
  }

  Layout layout(int v) const { return layout_[v]; }
  // The layout node `c` reads its input slot `k` in.
  Layout required(int c, size_t k) const {
    const std::optional<LayoutChoice>& w = want_[c];
    const int v = g_.nodes[c].inputs[k];
    if (v < 0) return Layout::Plain;
    if (follow_[c] != Layout::Plain)  // same-shape operands in the passed-through layout, scalars as they are
      return ctx_.info[v].shape == ctx_.info[g_.nodes[c].outputs[0]].shape ? follow_[c] : Layout::Plain;
    if (!w) return Layout::Plain;
    if (w->follows_input && w->all_inputs_follow) {
      const bool same_rank = ctx_.info[v].shape.size() == ctx_.info[g_.nodes[c].outputs[0]].shape.size();
      return same_rank ? layout_[g_.nodes[c].outputs[0]] : Layout::Plain;
    }
    if (w->follows_input)
      return static_cast<int>(k) == w->followed_input && !plain_follow_[c] ? layout_[v] : Layout::Plain;
    if (k == 0 && kept_[c] != Layout::Plain) return kept_[c];
    if (k == 0) {
      if (layout_[v] == w->input || (layout_[v] == Layout::Plain && w->plain_input_ok)) return layout_[v];
      return w->input;
    }
    if (static_cast<int>(k) == w->input_like_output) return layout_[g_.nodes[c].outputs[0]];
    return Layout::Plain;
  }

 private:
  // Position-wise nodes (passes/layout_rules.h) with known, computed rank 3-5 operands: they
  // may pass a padding-free layout from an input to their output.
  bool passes_layouts_through(const Node& n) const {
    if (n.outputs.size() != 1 || n.outputs[0] < 0 || !all_known(ctx_, n.inputs) || !all_known(ctx_, n.outputs))
      return false;
    const Shape& out = ctx_.info[n.outputs[0]].shape;
    if (out.size() < 3 || out.size() > 5) return false;
    for (int v : n.inputs)  // a same-shape constant would need a reordered copy: not worth it
      if (v >= 0 && g_.values[v].constant && ctx_.info[v].shape == out) return false;
    const OpDef* def = ctx_.registry.find_op(n.domain, n.op_type, n.opset);
    return def && is_positionwise(*def, n, view_of(ctx_, n).in);
  }

  // Node indices, producers first (fusions may have left the node list out of order).
  std::vector<int> topological_order() const {
    std::vector<int> producer(g_.values.size(), -1), pending(g_.nodes.size(), 0), order;
    std::vector<std::vector<int>> users(g_.nodes.size());
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      for (int o : g_.nodes[i].outputs)
        if (o >= 0) producer[o] = static_cast<int>(i);
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      for (int v : g_.nodes[i].inputs)
        if (v >= 0 && producer[v] >= 0) {
          ++pending[i];
          users[producer[v]].push_back(static_cast<int>(i));
        }
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      if (!pending[i]) order.push_back(static_cast<int>(i));
    for (size_t head = 0; head < order.size(); ++head)
      for (int u : users[order[head]])
        if (--pending[u] == 0) order.push_back(u);
    return order;
  }

  void decide() {
    layout_.assign(g_.values.size(), Layout::Plain);
    follow_.assign(g_.nodes.size(), Layout::Plain);
    kept_.assign(g_.nodes.size(), Layout::Plain);
    plain_follow_.assign(g_.nodes.size(), false);
    for (int p : order_) {
      const Node& n = g_.nodes[p];
      if (want_[p] && want_[p]->follows_input && want_[p]->all_inputs_follow) {
        layout_[n.outputs[0]] = most_common_input_layout(n);
      } else if (want_[p] && want_[p]->follows_input) {
        const int in = n.inputs[want_[p]->followed_input], out = n.outputs[0];
        // A graph output is Plain: when it is the larger tensor (a segmentation head's final
        // upsampling), reorder the node's input instead of its output.
        plain_follow_[p] = is_graph_output(out) && ctx_.info[out].bytes() > ctx_.info[in].bytes();
        layout_[out] = plain_follow_[p] ? Layout::Plain : layout_[in];
      } else if (want_[p]) {
        const Layout in = layout_[n.inputs[0]];
        const std::vector<Layout>& also = want_[p]->also_runs_in;
        if (in != Layout::Plain && std::find(also.begin(), also.end(), in) != also.end()) kept_[p] = in;
        layout_[n.outputs[0]] = kept_[p] != Layout::Plain ? in : want_[p]->output;
      } else if (positionwise_[p]) {
        // Pass through the first layout an input arrives in that has no channel padding here.
        for (int v : n.inputs)
          if (v >= 0 && layout_[v] != Layout::Plain && padding_free(ctx_.info[v].shape, layout_[v]) &&
              ctx_.info[v].shape == ctx_.info[n.outputs[0]].shape) {
            follow_[p] = layout_[n.outputs[0]] = layout_[v];
            break;
          }
      }
    }
  }

  // The layout most of node n's inputs of its output's rank arrive in: the one a Concat reads
  // them all in costs the fewest Reorders (DenseNet's block concatenates one pooled tensor with
  // many blocked convolution outputs). On a tie, the channel-blocked one: every oneDNN
  // convolution runs in it (a 1x1 one about as fast, LayoutChoice::also_runs_in), while
  // Winograd 3x3 ones need it (SqueezeNet's Fire module concatenates a 1x1 convolution's
  // channels-last output with a 3x3's blocked one, then feeds a 1x1 and a 3x3).
  Layout most_common_input_layout(const Node& n) const {
    std::map<Layout, int> count;
    const size_t rank = ctx_.info[n.outputs[0]].shape.size();
    for (int v : n.inputs)
      if (v >= 0 && ctx_.info[v].shape.size() == rank) ++count[layout_[v]];
    auto rank_of = [](Layout l) {  // tie order
      switch (l) {
        case Layout::Blocked16: return 3;
        case Layout::Blocked8: return 2;
        case Layout::ChannelsLast: return 1;
        default: return 0;
      }
    };
    Layout best = layout_[n.inputs[0]];
    for (const auto& [l, c] : count)
      if (c > count[best] || (c == count[best] && rank_of(l) > rank_of(best))) best = l;
    return best;
  }

  bool is_graph_output(int v) const { return std::find(g_.outputs.begin(), g_.outputs.end(), v) != g_.outputs.end(); }

  bool kernel_accepts(int i) const {
    const Node& n = g_.nodes[i];
    NodeView nv = view_of(ctx_, n);
    KernelSetup s{n, nv.in, nv.consts, nv.out, ctx_.threads};
    for (size_t k = 0; k < n.inputs.size(); ++k) s.input_layouts.push_back(required(i, k));
    for (int v : n.outputs) s.output_layouts.push_back(v < 0 ? Layout::Plain : layout_[v]);
    if (s.all_plain()) return true;
    const KernelDef* k = select_kernel(ctx_.registry, s);
    return k != nullptr;
  }

  const PassContext& ctx_;
  const Graph& g_;
  std::vector<std::optional<LayoutChoice>> want_;
  std::vector<bool> positionwise_;
  std::vector<int> order_;
  std::vector<Layout> layout_;
  std::vector<Layout> follow_;      // per node: the layout a position-wise node passes through
  std::vector<Layout> kept_;        // per node: an arriving layout in its also_runs_in, kept in and out
  std::vector<bool> plain_follow_;  // per node: a following node that runs Plain (decide())
};

// Rewrites the graph: value layouts, and one Reorder per (value, layout) some reader needs.
class ReorderInserter {
 public:
  explicit ReorderInserter(PassContext& ctx) : ctx_(ctx) {}

  // The value holding `v` in layout `to`, made by a Reorder from `src` (v's buffer, in `from`).
  int get(int v, int src, Layout from, Layout to) {
    auto key = std::make_pair(v, to);
    if (auto it = made_.find(key); it != made_.end()) return it->second;
    const std::string name = ctx_.graph.values[v].name + "/to_" + layout_name(to);
    const int out = ctx_.add_value(name, ctx_.info[v]);
    ctx_.graph.values[out].layout = to;
    add_reorder(name, src, out, from, to);
    made_[key] = out;
    return out;
  }

  void add_reorder(const std::string& name, int in, int out, Layout from, Layout to) {
    Node r;
    r.name = name;
    r.op_type = "Reorder";
    r.domain = kFusedDomain;
    r.opset = 1;
    r.inputs = {in};
    r.outputs = {out};
    r.attrs.set("from", std::string(layout_name(from)));
    r.attrs.set("to", std::string(layout_name(to)));
    r.source_names = {name};
    ctx_.graph.nodes.push_back(std::move(r));
    ++count_;
  }
  int count() const { return count_; }

 private:
  PassContext& ctx_;
  std::map<std::pair<int, Layout>, int> made_;
  int count_ = 0;
};

}  // namespace

int assign_layouts_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  LayoutPlanner plan(ctx);
  plan.solve();

  const size_t n_nodes = g.nodes.size(), n_values = g.values.size();
  // Every reader's layout, fixed before the graph changes under the planner.
  std::vector<std::vector<Layout>> need(n_nodes);
  for (size_t c = 0; c < n_nodes; ++c)
    for (size_t k = 0; k < g.nodes[c].inputs.size(); ++k) need[c].push_back(plan.required(static_cast<int>(c), k));
  // Where each original value's buffer is: itself, or (a graph output, which stays Plain) a
  // new value its producer writes in the chosen layout, followed by a Reorder to the output.
  std::vector<int> buffer(n_values);
  ReorderInserter reorders(ctx);
  int changed = 0;
  for (size_t v = 0; v < n_values; ++v) {
    buffer[v] = static_cast<int>(v);
    const Layout l = plan.layout(static_cast<int>(v));
    if (l == Layout::Plain) continue;
    ++changed;
    if (!idx.is_graph_output(static_cast<int>(v))) {
      g.values[v].layout = l;
      continue;
    }
    const std::string name = g.values[v].name + "/" + layout_name(l);
    const int b = ctx.add_value(name, ctx.info[v]);
    g.values[b].layout = l;
    for (int& o : g.nodes[idx.producer(static_cast<int>(v))].outputs)
      if (o == static_cast<int>(v)) o = b;
    reorders.add_reorder(g.values[v].name + "/to_" + layout_name(Layout::Plain), b, static_cast<int>(v), l,
                         Layout::Plain);
    buffer[v] = b;
  }
  for (size_t c = 0; c < n_nodes; ++c) {
    for (size_t k = 0; k < g.nodes[c].inputs.size(); ++k) {
      const int v = g.nodes[c].inputs[k];
      if (v < 0) continue;
      const Layout have = plan.layout(v), want = need[c][k];
      int read = buffer[v];
      if (want != have)
        read = want == Layout::Plain && buffer[v] != v ? v  // a graph output is its own Plain form
                                                       : reorders.get(v, buffer[v], have, want);
      g.nodes[c].inputs[k] = read;
    }
  }
  return changed + reorders.count();
}

}  // namespace layerscope
