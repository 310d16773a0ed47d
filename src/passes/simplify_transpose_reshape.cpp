// Chains of data movement that exporters leave behind, each copy a full pass over memory:
//   Transpose(Transpose(x, p1), p2) -> Transpose(x, p) with p[i] = p1[p2[i]], or nothing at all
//                                      when p is the identity (consumers read x);
//   Reshape(Reshape(x, s1), s2)     -> Reshape(x, final shape) (the final shape is written out:
//                                      0 / -1 entries of s2 referred to the intermediate shape).
// The first node must feed only the second. The surviving node keeps the second's name and
// lists both in source_names.
#include <numeric>

#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using namespace pattern;

bool fold_transposes(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int t2) {
  Graph& g = ctx.graph;
  const int mid = g.nodes[t2].inputs[0];
  const int t1 = producer_op(g, idx, dead, mid, "Transpose");
  if (t1 < 0 || !idx.only_feeds(mid, t2) || !ctx.known(g.nodes[t1].inputs[0])) return false;
  const int x = g.nodes[t1].inputs[0];
  const size_t rank = ctx.info[x].shape.size();
  auto perm_of = [&](int n) {
    std::vector<int64_t> p = g.nodes[n].attrs.get_ints("perm");
    if (p.empty()) {  // default: reverse the dims
      p.resize(rank);
      std::iota(p.rbegin(), p.rend(), 0);
    }
    return p;
  };
  const std::vector<int64_t> p1 = perm_of(t1), p2 = perm_of(t2);
  if (p1.size() != rank || p2.size() != rank) return false;
  std::vector<int64_t> p(rank), identity(rank);
  for (size_t i = 0; i < rank; ++i) p[i] = p1[p2[i]];
  std::iota(identity.begin(), identity.end(), 0);
  const int out = g.nodes[t2].outputs[0];
  if (p == identity && !idx.is_graph_output(out)) {
    replace_uses(g, out, x);
    dead[t2] = true;
    // x's producer (if any) stands for the removed pair in the profile.
    if (int px = idx.producer(x); px >= 0 && !dead[px]) {
      append_sources(g.nodes[px].source_names, g.nodes[t1].source_names);
      append_sources(g.nodes[px].source_names, g.nodes[t2].source_names);
    }
  } else {
    Node& n = g.nodes[t2];
    n.inputs[0] = x;
    n.attrs.set("perm", p);
    std::vector<std::string> sources = g.nodes[t1].source_names;
    append_sources(sources, n.source_names);
    n.source_names = std::move(sources);
  }
  dead[t1] = true;
  return true;
}

bool fold_reshapes(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int r2) {
  Graph& g = ctx.graph;
  const int mid = g.nodes[r2].inputs[0], out = g.nodes[r2].outputs[0];
  const int r1 = producer_op(g, idx, dead, mid, "Reshape");
  if (r1 < 0 || !idx.only_feeds(mid, r2) || !ctx.known(out) || !ctx.known(g.nodes[r1].inputs[0])) return false;
  const Shape& final_shape = ctx.info[out].shape;
  Tensor shape(DType::I64, {static_cast<int64_t>(final_shape.size())});
  for (size_t i = 0; i < final_shape.size(); ++i) shape.data_as<int64_t>()[i] = final_shape[i];
  const int sv = ctx.add_constant(g.nodes[r2].name + "/folded_shape", std::move(shape));
  Node& n = g.nodes[r2];
  n.inputs = {g.nodes[r1].inputs[0], sv};
  n.attrs = Attributes();  // allowzero is moot: the shape has no 0 entries left to interpret
  std::vector<std::string> sources = g.nodes[r1].source_names;
  append_sources(sources, n.source_names);
  n.source_names = std::move(sources);
  dead[r1] = true;
  return true;
}

}  // namespace

int simplify_transpose_reshape_pass(PassContext& ctx) {
  int total = 0;
  // One fold per node per sweep (a chain of three folds over two sweeps); sweep until stable.
  for (int changed = 1; changed;) {
    Graph& g = ctx.graph;
    GraphIndex idx(g);
    std::vector<bool> dead(g.nodes.size(), false);
    changed = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (dead[i] || n.inputs.empty() || n.outputs.size() != 1) continue;
      if (is_op(n, "Transpose")) changed += fold_transposes(ctx, idx, dead, static_cast<int>(i));
      else if (is_op(n, "Reshape") && n.inputs.size() == 2)
        changed += fold_reshapes(ctx, idx, dead, static_cast<int>(i));
    }
    if (changed) erase_nodes(g, dead);
    total += changed;
  }
  return total;
}

}  // namespace layerscope
