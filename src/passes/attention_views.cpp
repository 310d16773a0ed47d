#include "passes/attention_views.h"

#include <algorithm>
#include <numeric>

#include "ops/fused/transformer.h"
#include "ops/tensor/common.h"
#include "passes/pattern_util.h"

namespace layerscope::attention_views {
namespace {

using namespace pattern;

// Transpose node `t`'s permutation (ONNX default: reverse the dims), or empty when it does not
// fit `rank`.
std::vector<int64_t> perm_of(const Node& t, size_t rank) {
  std::vector<int64_t> p = t.attrs.get_ints("perm");
  if (!t.attrs.has("perm")) {
    p.resize(rank);
    std::iota(p.rbegin(), p.rend(), 0);
  }
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted[i] != static_cast<int64_t>(i)) return {};
  return p.size() == rank ? p : std::vector<int64_t>{};
}

// The input's innermost dim is one of the operand's last two: each head is a matrix with a
// unit stride along its rows or its columns.
bool fast_matrix(const std::vector<int64_t>& perm) {
  const int64_t r = static_cast<int64_t>(perm.size());
  return r >= 2 && (perm[r - 1] == r - 1 || perm[r - 2] == r - 1);
}

// The value of an integer constant holding one element, if `v` is one.
std::optional<int64_t> int_scalar(const Graph& g, int v) {
  if (v < 0 || !g.values[v].constant || g.values[v].constant->numel() != 1) return std::nullopt;
  const Tensor& t = *g.values[v].constant;
  if (t.dtype() == DType::I64) return *t.data_as<int64_t>();
  if (t.dtype() == DType::I32) return *t.data_as<int32_t>();
  return std::nullopt;
}

// `v` = Transpose(x) that may become a view: its perm, x, and the node.
std::optional<InputView> transpose_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                        int v) {
  const Graph& g = ctx.graph;
  const int t = producer_op(g, idx, dead, v, "Transpose");
  if (t < 0 || !ctx.known(g.nodes[t].inputs[0])) return std::nullopt;
  InputView view;
  view.value = g.nodes[t].inputs[0];
  view.view.perm = perm_of(g.nodes[t], ctx.info[view.value].shape.size());
  view.transpose = t;
  view.transposed = v;
  if (view.view.perm.empty()) return std::nullopt;
  return view;
}

// Slice node `s` as one range of one axis with step 1, when its starts/ends/axes/steps are
// constants saying so (ONNX semantics: negative and clamped bounds are normalised).
std::optional<AxisSlice> axis_slice(const PassContext& ctx, int s) {
  const Graph& g = ctx.graph;
  const Node& n = g.nodes[s];
  if (n.inputs.empty() || !ctx.known(n.inputs[0])) return std::nullopt;
  const Shape& in = ctx.info[n.inputs[0]].shape;
  std::vector<const Tensor*> values(n.inputs.size(), nullptr);
  for (size_t i = 1; i < n.inputs.size(); ++i) {
    if (n.inputs[i] < 0) continue;
    if (!g.values[n.inputs[i]].constant) return std::nullopt;
    values[i] = &*g.values[n.inputs[i]].constant;
  }
  const bool attrs = n.opset < 10;
  const int64_t starts = attrs ? static_cast<int64_t>(n.attrs.get_ints("starts").size())
                               : (values.size() > 1 && values[1] ? values[1]->numel() : 0);
  if (starts != 1) return std::nullopt;  // one axis
  int64_t axis = 0;
  if (attrs && n.attrs.has("axes")) axis = n.attrs.get_ints("axes")[0];
  if (!attrs && values.size() > 3 && values[3]) {
    if (values[3]->numel() != 1) return std::nullopt;
    axis = element_as_int(*values[3], 0);
  }
  if (axis < 0) axis += static_cast<int64_t>(in.size());
  if (axis < 0 || axis >= static_cast<int64_t>(in.size())) return std::nullopt;
  const SliceSpec spec = slice_spec_from_inputs(n, in, values);
  if (spec.step[axis] != 1) return std::nullopt;
  return AxisSlice{axis, spec.start[axis], spec.start[axis] + spec.out[axis]};
}

// Moves `view` up past x = [Reshape(]Slice(p)[)] when x is read only by `reader`: the fused
// node then reads p. Unchanged when x is no such slice, or when the slice (and reshape) would
// not leave the operand's innermost elements adjacent, as the checks of the Transpose assume.
void absorb_slice(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, InputView& view,
                  int reader) {
  const Graph& g = ctx.graph;
  const int x = view.value;
  if (!idx.only_feeds(x, reader)) return;
  int reshape = producer_op(g, idx, dead, x, "Reshape");
  const int sliced = reshape >= 0 ? g.nodes[reshape].inputs[0] : x;
  if (reshape >= 0 && !idx.only_feeds(sliced, reshape)) return;
  const int s = producer_op(g, idx, dead, sliced, "Slice");
  if (s < 0 || !ctx.known(x)) return;
  std::optional<AxisSlice> range = axis_slice(ctx, s);
  if (!range || range->end == range->start) return;  // an empty operand: nothing to read
  const int p = g.nodes[s].inputs[0];
  OperandView upstream;  // the slice and reshape alone
  upstream.slice = range;
  if (reshape >= 0) upstream.shape = ctx.info[x].shape;
  OperandView full = view.view;
  full.slice = upstream.slice;
  full.shape = upstream.shape;
  const Shape& input = ctx.info[p].shape;
  // (The slot only names attributes in the message, which is not kept.)
  if (!operand_view_problem(full, kAttnQ, input).empty()) return;
  const StridedView sv = operand_strided_view(upstream, input);
  if (sv.strides.empty() || sv.strides.back() != 1) return;
  view.value = p;
  view.view = std::move(full);
  view.slice = s;
  view.reshape = reshape;
}

}  // namespace

std::optional<InputView> input_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, int v,
                                    int user) {
  if (!idx.only_feeds(v, user)) return std::nullopt;
  if (std::optional<InputView> t = transpose_view(ctx, idx, dead, v)) {
    if (!fast_matrix(t->view.perm)) return std::nullopt;
    absorb_slice(ctx, idx, dead, *t, t->transpose);
    return t;
  }
  // Gather(Transpose(x), c, axis 0) with a scalar c: element c of the transposed first axis.
  const Graph& g = ctx.graph;
  const int gather = producer_op(g, idx, dead, v, "Gather");
  if (gather < 0 || g.nodes[gather].inputs.size() != 2 || g.nodes[gather].attrs.get_int("axis", 0) != 0) {
    // No head-split copy: the operand may still be a slice read directly.
    InputView direct;
    direct.value = v;
    absorb_slice(ctx, idx, dead, direct, user);
    if (direct.slice < 0) return std::nullopt;
    return direct;
  }
  std::optional<int64_t> c = int_scalar(g, g.nodes[gather].inputs[1]);
  if (!c || g.values[g.nodes[gather].inputs[1]].constant->rank() != 0) return std::nullopt;  // keeps axis 0
  std::optional<InputView> t = transpose_view(ctx, idx, dead, g.nodes[gather].inputs[0]);
  if (!t || t->view.perm.size() < 3) return std::nullopt;
  const std::vector<int64_t>& perm = t->view.perm;
  const std::vector<int64_t> rest(perm.begin() + 1, perm.end());
  const int64_t extent = ctx.info[t->value].shape[perm[0]];
  const int64_t r = static_cast<int64_t>(perm.size());
  if (!(rest[r - 2] == r - 1 || rest[r - 3] == r - 1) || *c < -extent || *c >= extent) return std::nullopt;
  t->view.index = *c < 0 ? *c + extent : *c;
  t->gather = gather;
  absorb_slice(ctx, idx, dead, *t, t->transpose);
  return t;
}

std::optional<OutputView> output_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                      int out) {
  const Graph& g = ctx.graph;
  const int t = sole_user(g, idx, dead, out, "Transpose");
  if (t < 0 || !ctx.known(out)) return std::nullopt;
  OutputView view{g.nodes[t].outputs[0], perm_of(g.nodes[t], ctx.info[out].shape.size()), t};
  if (view.perm.empty() || view.perm.back() != static_cast<int64_t>(view.perm.size()) - 1) return std::nullopt;
  return view;
}

std::vector<int> keep_absorbable(const GraphIndex& idx, std::vector<std::optional<InputView>>& views) {
  std::vector<int> gathers;
  for (const std::optional<InputView>& view : views)
    if (view && view->gather >= 0) gathers.push_back(view->gather);
  auto ours = [&](int node) { return std::find(gathers.begin(), gathers.end(), node) != gathers.end(); };
  for (std::optional<InputView>& view : views) {
    if (!view || view->gather < 0) continue;
    const std::vector<int>& readers = idx.consumers(view->transposed);
    if (idx.is_graph_output(view->transposed) || !std::all_of(readers.begin(), readers.end(), ours)) view.reset();
  }
  std::vector<int> nodes;
  auto add_once = [&](int node) {
    if (node >= 0 && std::find(nodes.begin(), nodes.end(), node) == nodes.end()) nodes.push_back(node);
  };
  for (const std::optional<InputView>& view : views) {
    if (!view) continue;
    for (int node : {view->slice, view->reshape, view->transpose, view->gather}) add_once(node);
  }
  return nodes;
}

}  // namespace layerscope::attention_views
