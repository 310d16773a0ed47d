// infer_and_fold(): topological order, shape inference and constant folding (planner stage 1).
#include "runtime/plan_inference.h"

#include <algorithm>
#include <deque>
#include <string_view>

#include "ir/error.h"
#include "passes/graph_index.h"

namespace layerscope {
namespace {

std::vector<int> topological_order(const Graph& g) {
  std::vector<int> producer(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int o : g.nodes[i].outputs)
      if (o >= 0) {
        LS_CHECK(producer[o] < 0, "'", g.model_path, "': value '", g.values[o].name, "' is produced by two nodes ('",
                 g.nodes[producer[o]].name, "' and '", g.nodes[i].name, "')");
        producer[o] = static_cast<int>(i);
      }
  std::vector<bool> is_input(g.values.size(), false);
  for (int i : g.inputs) is_input[i] = true;
  std::vector<int> pending(g.nodes.size(), 0);
  std::vector<std::vector<int>> consumers(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int in : g.nodes[i].inputs) {
      if (in < 0) continue;
      const Value& v = g.values[in];
      if (producer[in] >= 0) {
        ++pending[i];
        consumers[producer[in]].push_back(static_cast<int>(i));
      } else {
        LS_CHECK(v.constant || is_input[in], "'", g.model_path, "': input '", v.name, "' of ",
                 Graph::describe(g.nodes[i]), " is not a graph input, an initializer or any node's output");
      }
    }
  std::deque<int> ready;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!pending[i]) ready.push_back(static_cast<int>(i));
  std::vector<int> order;
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (int c : consumers[n])
      if (--pending[c] == 0) ready.push_back(c);
  }
  LS_CHECK(order.size() == g.nodes.size(), "'", g.model_path, "': the graph has a cycle");
  return order;
}

// Errors raised below an op's infer() or reference kernel without naming the node (a shape
// whose element count overflows, a tensor too large to allocate) get the node named here.
template <typename F>
void naming_node(const Node& n, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    const std::string where = Graph::describe(n);
    if (std::string_view(e.what()).find(where) != std::string_view::npos) throw;
    fail(where, ": ", e.what());
  }
}

void run_reference(const OpDef& def, const Node& n, const std::vector<const Tensor*>& in,
                   const std::vector<TensorInfo>& out_info, std::vector<Tensor>& out) {
  out.clear();
  for (const TensorInfo& t : out_info) out.emplace_back(t.dtype, t.shape);
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : out) out_ptrs.push_back(&t);
  def.reference(n, in, out_ptrs);
}

// Folding runs the op's reference kernel at plan time and keeps the outputs as constants. The
// sizes come from the file: ConstantOfShape(Shape(x)) with x declared (40000, 40000) would
// allocate and fill 6.4 GB, and a MatMul of two expanded constants would compute for minutes,
// before anything runs. Folding is only an optimisation, so a node past these bounds stays an
// ordinary run-time step (planned and bounded like any activation).
struct FoldBudget {
  uint64_t bytes_left;                     // all folded outputs of one plan: max(256 MiB, 2x the model file)
  static constexpr double kMaxWork = 2e8;  // MACs + other ops of one folded node (~0.1-1 s)

  explicit FoldBudget(const Graph& g)
      : bytes_left(std::max<uint64_t>(uint64_t{256} << 20,
                                      2 * static_cast<uint64_t>(std::max<int64_t>(g.model_file_bytes, 0)))) {}

  // Takes the node's output bytes from the budget when it may fold.
  bool take(const OpDef& def, const Node& n, const std::vector<TensorInfo>& in, const std::vector<TensorInfo>& out) {
    uint64_t bytes = 0;
    for (const TensorInfo& t : out) {
      const uint64_t numel = static_cast<uint64_t>(shape_numel(t.shape));
      if (numel > bytes_left / std::max<size_t>(dtype_size(t.dtype), 1)) return false;
      bytes += numel * dtype_size(t.dtype);
      if (bytes > bytes_left) return false;
    }
    if (def.cost) {
      Cost c = def.cost(CostContext{n, in, out});
      if (!(c.macs + c.other_ops <= kMaxWork)) return false;
    }
    bytes_left -= bytes;
    return true;
  }
};

// One inference sweep; folded nodes are marked in `folded`.
GraphInference infer_once(Graph& g, const InputBinding& binding, const OpRegistry& registry, std::vector<bool>& folded,
                          std::vector<std::string>& folded_names, const MemoryBudget& budget, FoldBudget& fold_budget,
                          FoldStage stage) {
  GraphInference r;
  r.info.assign(g.values.size(), TensorInfo{});
  std::vector<bool> dynamic(g.values.size(), false);
  for (size_t i = 0; i < g.values.size(); ++i)
    if (g.values[i].constant) r.info[i] = {g.values[i].constant->dtype(), g.values[i].constant->shape()};
  for (int id : g.inputs) {
    auto it = binding.find(g.values[id].name);
    LS_CHECK(it != binding.end(), "no shape bound for graph input '", g.values[id].name, "'");
    check_tensor_fits(it->second, budget, "'" + g.model_path + "': graph input '" + g.values[id].name + "'");
    r.info[id] = it->second;
    // A sequence or optional lives outside the arena: whatever reads it runs at run time.
    if (!it->second.type.is_tensor()) dynamic[id] = true;
  }
  r.order = topological_order(g);
  r.defs.assign(g.nodes.size(), nullptr);
  r.node_out.assign(g.nodes.size(), {});
  r.node_dynamic.assign(g.nodes.size(), false);
  folded.assign(g.nodes.size(), false);

  for (int ni : r.order) {
    Node& n = g.nodes[ni];
    r.defs[ni] = registry.find_op(n.domain, n.op_type, n.opset);
    LS_CHECK(r.defs[ni], Graph::describe(n), ": no operator definition (domain '", n.domain, "')");
    // Again after the passes: a fused node must carry only attributes its op declares.
    const std::string problem = registry.attribute_problem(n);
    LS_CHECK(problem.empty(), "'", g.model_path, "': ", Graph::describe(n), ": ", problem);
    bool any_dynamic = false, all_const = true;
    std::vector<TensorInfo> in;
    std::vector<const Tensor*> values;
    for (int v : n.inputs) {
      if (v < 0) {
        in.emplace_back();
        values.push_back(nullptr);
        continue;
      }
      any_dynamic |= dynamic[v];
      in.push_back(r.info[v]);
      const auto& c = g.values[v].constant;
      values.push_back(c ? &*c : nullptr);
      all_const &= c.has_value();
    }
    auto mark_dynamic = [&] {
      r.node_dynamic[ni] = true;
      for (int o : n.outputs)
        if (o >= 0) dynamic[o] = true;
    };
    // Shapes known only at run time: an input's are, or infer() reads a value that is.
    if (any_dynamic || needs_run_time_values(*r.defs[ni], n, values)) {
      mark_dynamic();
      continue;
    }
    // Control flow, sequences and optionals: checked now, run at run time (OpDef::always_dynamic).
    if (r.defs[ni]->always_dynamic) {
      InferContext ctx = infer_context(*r.defs[ni], n, in, values);
      naming_node(n, [&] { infer_node(*r.defs[ni], ctx); });
      mark_dynamic();
      continue;
    }
    InferContext ctx = infer_context(*r.defs[ni], n, in, values);
    naming_node(n, [&] { infer_node(*r.defs[ni], ctx); });
    r.node_out[ni] = ctx.outputs();
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      int o = n.outputs[k];
      if (o < 0) continue;
      LS_CHECK(r.node_out[ni][k].dtype != DType::Undefined, Graph::describe(n), ": shape inference set no output ", k);
      check_tensor_fits(r.node_out[ni][k], budget,
                        "'" + g.model_path + "': " + Graph::describe(n) + ": output '" + g.values[o].name + "'");
      r.info[o] = r.node_out[ni][k];
      g.values[o].dtype = r.info[o].dtype;
    }
    // Fold: all inputs constant, or infer() already knows every output's contents.
    const std::vector<Tensor>& known_values = ctx.output_values();
    bool values_known = !known_values.empty();
    for (size_t k = 0; k < known_values.size(); ++k) values_known &= n.outputs[k] < 0 || !known_values[k].empty();
    bool fold = values_known;
    if (!fold && all_const && !n.inputs.empty() && stage == FoldStage::BeforePasses && r.defs[ni]->fold_after_passes) {
      ++r.deferred_folds;
      continue;
    }
    if (!fold && all_const && !n.inputs.empty())
      naming_node(n, [&] { fold = fold_budget.take(*r.defs[ni], n, in, r.node_out[ni]); });
    if (fold) {
      std::vector<Tensor> outs = known_values;
      if (!values_known) naming_node(n, [&] { run_reference(*r.defs[ni], n, values, r.node_out[ni], outs); });
      for (size_t k = 0; k < n.outputs.size(); ++k)
        if (n.outputs[k] >= 0) g.values[n.outputs[k]].constant = std::move(outs[k]);
      folded[ni] = true;
      folded_names.push_back(n.name);
    }
  }
  return r;
}

}  // namespace

GraphInference infer_and_fold(Graph& graph, const InputBinding& binding, const OpRegistry& registry,
                              std::vector<std::string>& folded_names, const MemoryBudget& budget, FoldStage stage) {
  std::vector<bool> folded;
  FoldBudget fold_budget(graph);
  GraphInference r = infer_once(graph, binding, registry, folded, folded_names, budget, fold_budget, stage);
  bool any = false;
  for (bool f : folded) any |= f;
  if (!any) return r;
  // Drop the folded nodes, then describe the graph that is left (no folding happens twice:
  // every foldable node went in the first sweep, which runs in topological order).
  std::vector<bool> drop(folded.begin(), folded.end());
  erase_nodes(graph, drop);
  return infer_once(graph, binding, registry, folded, folded_names, budget, fold_budget, stage);
}

}  // namespace layerscope
