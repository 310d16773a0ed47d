#include "passes/attention_views.h"

#include <algorithm>
#include <numeric>

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
  view.perm = perm_of(g.nodes[t], ctx.info[view.value].shape.size());
  view.transpose = t;
  view.transposed = v;
  if (view.perm.empty()) return std::nullopt;
  return view;
}

}  // namespace

std::optional<InputView> input_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                    int v, int user) {
  if (!idx.only_feeds(v, user)) return std::nullopt;
  if (std::optional<InputView> t = transpose_view(ctx, idx, dead, v)) {
    if (!fast_matrix(t->perm)) return std::nullopt;
    return t;
  }
  // Gather(Transpose(x), c, axis 0) with a scalar c: element c of the transposed first axis.
  const Graph& g = ctx.graph;
  const int gather = producer_op(g, idx, dead, v, "Gather");
  if (gather < 0 || g.nodes[gather].inputs.size() != 2 || g.nodes[gather].attrs.get_int("axis", 0) != 0)
    return std::nullopt;
  std::optional<int64_t> c = int_scalar(g, g.nodes[gather].inputs[1]);
  if (!c || g.values[g.nodes[gather].inputs[1]].constant->rank() != 0) return std::nullopt;  // keeps axis 0
  std::optional<InputView> t = transpose_view(ctx, idx, dead, g.nodes[gather].inputs[0]);
  if (!t || t->perm.size() < 3) return std::nullopt;
  const std::vector<int64_t> rest(t->perm.begin() + 1, t->perm.end());
  const int64_t extent = ctx.info[t->value].shape[t->perm[0]];
  const int64_t r = static_cast<int64_t>(t->perm.size());
  if (!(rest[r - 2] == r - 1 || rest[r - 3] == r - 1) || *c < -extent || *c >= extent) return std::nullopt;
  t->index = *c < 0 ? *c + extent : *c;
  t->gather = gather;
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
  for (const std::optional<InputView>& view : views) {
    if (!view) continue;
    if (std::find(nodes.begin(), nodes.end(), view->transpose) == nodes.end()) nodes.push_back(view->transpose);
    if (view->gather >= 0) nodes.push_back(view->gather);
  }
  return nodes;
}

}  // namespace layerscope::attention_views
