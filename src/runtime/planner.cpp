// build_plan: graph + input shapes -> ExecutionPlan. Stages, in order:
//   1. topological order, shape inference, constant folding (runtime/plan_inference.cpp):
//      nodes whose inputs are all constant are evaluated now by their reference kernel (the
//      shape sub-graphs of exports) and removed
//   2. graph passes (src/passes/: removals, weight folds, fusions), then stage 1 again on the
//      rewritten graph
//   3. dead-node removal (only what the graph outputs need is kept)
//   4. kernel choice + prepare()
//   5. memory plan (runtime/memory_planner.cpp)
#include <algorithm>
#include <climits>

#include "ir/error.h"
#include "passes/layout_rules.h"
#include "passes/pass.h"
#include "runtime/memory_budget.h"
#include "runtime/memory_planner.h"
#include "runtime/plan_inference.h"
#include "runtime/plan.h"
#include "util/text.h"

namespace layerscope {

void check_ops_supported(const Graph& g, const OpRegistry& r) {
  for (const Node& n : g.nodes) {
    if (r.find_op(n.domain, n.op_type, n.opset)) {
      // Attributes too: a misspelt 'pads' must not run as an unpadded convolution.
      const std::string problem = r.attribute_problem(n);
      if (!problem.empty()) fail("'", g.model_path, "': ", Graph::describe(n), ": ", problem);
      continue;
    }
    std::string opsets = r.supported_opsets(n.domain, n.op_type);
    std::string domain = n.domain.empty() ? "ai.onnx" : n.domain;
    if (opsets.empty())
      fail_with(StatusCode::kUnsupported, "'", g.model_path, "': unsupported operator '", n.op_type, "' (domain ", domain, ", opset ", n.opset,
           ") in node '", n.name, "'");
    fail_with(StatusCode::kUnsupported, "'", g.model_path, "': operator '", n.op_type, "' (domain ", domain,
              ") at opset ", n.opset,
         " is not supported (supported: ", opsets, ") in node '", n.name, "'");
  }
}

// Buffer layout of each listed value (-1, an omitted optional: Plain).
static std::vector<Layout> layouts_of(const Graph& g, const std::vector<int>& values) {
  std::vector<Layout> l;
  for (int v : values) l.push_back(v < 0 ? Layout::Plain : g.values[v].layout);
  return l;
}

// The whole plan against the budget, before the executor allocates its arena.
static void check_plan_fits(const ExecutionPlan& plan, const MemoryBudget& budget) {
  const uint64_t total = plan.arena_bytes + plan.constant_bytes + plan.packed_weight_bytes;
  if (total > budget.bytes)
    fail_with(StatusCode::kResourceExhausted, "'", plan.graph.model_path, "': the execution plan needs ",
           bytes_text(static_cast<double>(total)), " (activations and scratch ",
           bytes_text(static_cast<double>(plan.arena_bytes)), ", weights and constants ",
           bytes_text(static_cast<double>(plan.constant_bytes)), ", packed weights ",
           bytes_text(static_cast<double>(plan.packed_weight_bytes)), "), more than the memory limit of ",
           budget.describe(), "; the arena was not allocated");
}

ExecutionPlan build_plan(Graph graph, const InputBinding& binding, const Registry& registry,
                         const PlanOptions& options) {
  check_ops_supported(graph, registry);
  ExecutionPlan plan;
  const int threads = options.threads;
  plan.threads = threads;
  const MemoryBudget budget = options.memory.bytes ? options.memory : memory_budget(0);
  plan.memory_budget = budget;
  Graph& g = graph;

  GraphInference inf = infer_and_fold(g, binding, registry, plan.folded_nodes, budget);
  if (options.optimize) {
    PassContext ctx{g, inf.info, registry};
    plan.applied_passes = run_passes(ctx, default_passes());
    if (!plan.applied_passes.empty()) inf = infer_and_fold(g, binding, registry, plan.folded_nodes, budget);
  }
  const std::vector<int>& order = inf.order;
  const std::vector<TensorInfo>& info = inf.info;
  const std::vector<const OpDef*>& defs = inf.defs;
  const std::vector<std::vector<TensorInfo>>& node_out = inf.node_out;
  const std::vector<bool>& node_dynamic = inf.node_dynamic;

  // Keep only the nodes the outputs need.
  std::vector<bool> needed_value(g.values.size(), false);
  for (int o : g.outputs) needed_value[o] = true;
  std::vector<bool> keep(g.nodes.size(), false);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& n = g.nodes[*it];
    bool needed = false;
    for (int o : n.outputs) needed |= (o >= 0 && needed_value[o]);
    if (!needed) continue;
    keep[*it] = true;
    for (int v : n.inputs) if (v >= 0) needed_value[v] = true;
  }

  plan.slots.resize(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    Slot& s = plan.slots[v];
    s.info = info[v];
    s.layout = g.values[v].layout;
    if (!needed_value[v]) continue;
    if (g.values[v].constant) s.kind = SlotKind::Constant;
  }
  for (int id : g.inputs) plan.slots[id].kind = SlotKind::GraphInput;

  // A constant that every consumer packed into its kernel (Kernel::reads_input_at_run) is not
  // needed at run time: it is freed as soon as its last consumer is prepared, so the original
  // and the packed copy of a weight are never both held for the whole model (peak memory).
  std::vector<int> pending_uses(g.values.size(), 0);
  std::vector<bool> read_at_run(g.values.size(), false);
  for (int o : g.outputs) read_at_run[o] = true;
  for (int ni : order)
    if (keep[ni])
      for (int v : g.nodes[ni].inputs)
        if (v >= 0 && g.values[v].constant) ++pending_uses[v];
  auto release_packed_constants = [&](const Step& step) {
    const Node& n = g.nodes[step.node];
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      int v = n.inputs[k];
      if (v < 0 || !g.values[v].constant) continue;
      if (!step.kernel || step.kernel->reads_input_at_run(static_cast<int>(k))) read_at_run[v] = true;
      if (--pending_uses[v] == 0 && !read_at_run[v] && plan.slots[v].kind == SlotKind::Constant) {
        plan.slots[v].kind = SlotKind::Unused;
        plan.released_constants.push_back(v);
        g.values[v].constant.reset();
      }
    }
  };

  for (int ni : order) {
    if (!keep[ni]) continue;
    const Node& n = g.nodes[ni];
    Step step;
    step.node = ni;
    step.op = defs[ni];
    step.dynamic = node_dynamic[ni];
    for (int o : n.outputs)
      if (o >= 0) plan.slots[o].kind = step.dynamic ? SlotKind::Dynamic : SlotKind::Arena;
    if (!step.dynamic) {
      for (int v : n.inputs) step.inputs.push_back(v < 0 ? TensorInfo{} : info[v]);
      step.outputs = node_out[ni];
      std::vector<const Tensor*> consts;
      for (int v : n.inputs) consts.push_back(v >= 0 && g.values[v].constant ? &*g.values[v].constant : nullptr);
      KernelSetup setup{n, step.inputs, consts, step.outputs, threads, layouts_of(g, n.inputs), layouts_of(g, n.outputs)};
      // A position-wise op computes the same on any padding-free layout: its kernels see Plain.
      if (!setup.all_plain() && layout_transparent(*step.op, n, step.inputs, setup.input_layouts, setup.output_layouts)) {
        setup.input_layouts.clear();
        setup.output_layouts.clear();
      }
      if (const KernelDef* k = select_kernel(registry, setup)) step.kernel = k->create();
      if (!step.kernel) {
        // Reference kernels read plain buffers; Reorder's reads its layouts from its attributes.
        LS_CHECK(setup.all_plain() || n.op_type == "Reorder", Graph::describe(n),
                 ": no kernel accepts the buffer layouts the layout pass chose");
        step.kernel = make_reference_kernel(*step.op);
      }
      step.kernel->prepare(setup);
      step.scratch_bytes = step.kernel->scratch_bytes();
      plan.packed_weight_bytes += step.kernel->packed_weight_bytes();
      CostContext cc{n, step.inputs, step.outputs};
      step.cost = step.op->cost ? step.op->cost(cc) : bytes_only_cost(cc);
    }
    release_packed_constants(step);
    plan.steps.push_back(std::move(step));
  }

  // Constants that survive (weights and folded values) count as held memory.
  for (size_t v = 0; v < g.values.size(); ++v)
    if (plan.slots[v].kind == SlotKind::Constant) plan.constant_bytes += g.values[v].constant->nbytes();
    else if (g.values[v].constant) g.values[v].constant.reset();  // unused, or packed by its kernels

  plan.graph = std::move(graph);
  plan_memory(plan);
  check_plan_fits(plan, budget);
  return plan;
}

}  // namespace layerscope
