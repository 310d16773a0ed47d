// build_plan: graph + input shapes -> ExecutionPlan, in named steps (build_plan below reads as
// the list of them):
//   1. infer_and_fold: topological order, shape inference, constant folding
//      (runtime/plan_inference.cpp): nodes whose inputs are all constant are evaluated now by
//      their reference kernel (the shape sub-graphs of exports) and removed; an If whose
//      condition folded is replaced by its branch's nodes, the constants that bodies read move
//      into them (runtime/control_flow_plan.cpp), and this step runs again
//   2. apply_passes: graph passes (src/passes/: removals, weight folds, fusions, layouts), then
//      step 1 again on the rewritten graph (folding what step 1 kept for the passes:
//      OpDef::fold_after_passes, the weights' DequantizeLinear)
//   3. needed_by_outputs: dead-node removal (only what the graph outputs need is kept)
//   4. make_steps: kernel choice + prepare(), constants packed by every reader freed
//   5. plan_memory: the arena (runtime/memory_planner.cpp), checked against the memory budget
#include <algorithm>
#include <atomic>
#include <climits>

#include "ir/error.h"
#include "ops/out_of_scope.h"
#include "passes/float16_as_float32.h"
#include "passes/layout_rules.h"
#include "passes/pass.h"
#include "runtime/control_flow_plan.h"
#include "runtime/memory_budget.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"
#include "runtime/plan_inference.h"
#include "util/text.h"

namespace layerscope {

void check_ops_supported(const Graph& g, const OpRegistry& r) {
  for (const Node& n : g.nodes) {
    if (r.find_op(n.domain, n.op_type, n.opset)) {
      // Attributes too: a misspelt 'pads' must not run as an unpadded convolution.
      const std::string problem = r.attribute_problem(n);
      if (!problem.empty()) fail("'", g.model_path, "': ", Graph::describe(n), ": ", problem);
      // And the bodies of If, Loop, Scan: their ops must be known before anything runs.
      for (const auto& [name, value] : n.attrs.all())
        if (const GraphAttr* body = std::get_if<GraphAttr>(&value); body && body->graph)
          check_ops_supported(*body->graph, r);
      continue;
    }
    std::string opsets = r.supported_opsets(n.domain, n.op_type);
    std::string domain = n.domain.empty() ? "ai.onnx" : n.domain;
    const std::string out_of_scope = out_of_scope_reason(n.domain, n.op_type);
    if (opsets.empty() && !out_of_scope.empty())
      fail_with(StatusCode::kUnsupported, "'", g.model_path, "': node '", n.name, "': ", out_of_scope);
    if (opsets.empty())
      fail_with(StatusCode::kUnsupported, "'", g.model_path, "': unsupported operator '", n.op_type, "' (domain ",
                domain, ", opset ", n.opset, ") in node '", n.name, "'");
    fail_with(StatusCode::kUnsupported, "'", g.model_path, "': operator '", n.op_type, "' (domain ", domain,
              ") at opset ", n.opset, " is not supported (supported: ", opsets, ") in node '", n.name, "'");
  }
}

namespace {

// Buffer layout of each listed value (-1, an omitted optional: Plain).
std::vector<Layout> layouts_of(const Graph& g, const std::vector<int>& values) {
  std::vector<Layout> l;
  for (int v : values) l.push_back(v < 0 ? Layout::Plain : g.values[v].layout);
  return l;
}

// The whole plan against the budget, before the executor allocates its arena.
void check_plan_fits(const ExecutionPlan& plan, const MemoryBudget& budget) {
  const uint64_t total = plan.arena_bytes + plan.constant_bytes + plan.packed_weight_bytes;
  if (total > budget.bytes)
    fail_with(StatusCode::kResourceExhausted, "'", plan.graph.model_path, "': the execution plan needs ",
              bytes_text(static_cast<double>(total)), " (activations and scratch ",
              bytes_text(static_cast<double>(plan.arena_bytes)), ", weights and constants ",
              bytes_text(static_cast<double>(plan.constant_bytes)), ", packed weights ",
              bytes_text(static_cast<double>(plan.packed_weight_bytes)), "), more than the memory limit of ",
              budget.describe(), "; the arena was not allocated");
}

// Step 2: the graph passes over the inferred graph; inference again when they changed it.
GraphInference apply_passes(Graph& g, const InputBinding& binding, const Registry& registry, GraphInference inf,
                            ExecutionPlan& plan) {
  PassContext ctx{g, inf.info, registry, plan.threads};
  plan.applied_passes = run_passes(ctx, default_passes());
  if (plan.applied_passes.empty() && inf.deferred_folds == 0) return inf;
  return infer_and_fold(g, binding, registry, plan.folded_nodes, plan.memory_budget);
}

// Step 3: what the graph outputs need, walking `order` backwards from them.
struct Needed {
  std::vector<bool> nodes;   // per node
  std::vector<bool> values;  // per value
};
Needed needed_by_outputs(const Graph& g, const std::vector<int>& order) {
  Needed need{std::vector<bool>(g.nodes.size(), false), std::vector<bool>(g.values.size(), false)};
  for (int o : g.outputs) need.values[o] = true;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& n = g.nodes[*it];
    bool needed = false;
    for (int o : n.outputs) needed |= (o >= 0 && need.values[o]);
    if (!needed) continue;
    need.nodes[*it] = true;
    for (int v : n.inputs)
      if (v >= 0) need.values[v] = true;
  }
  return need;
}

// One slot per value: its planned type and layout; constants and graph inputs marked (the
// steps mark what they compute).
std::vector<Slot> initial_slots(const Graph& g, const std::vector<TensorInfo>& info, const std::vector<bool>& needed) {
  std::vector<Slot> slots(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    slots[v].info = info[v];
    slots[v].layout = g.values[v].layout;
    if (needed[v] && g.values[v].constant) slots[v].kind = SlotKind::Constant;
  }
  for (int id : g.inputs) slots[id].kind = SlotKind::GraphInput;
  return slots;
}

// A constant that every consumer packed into its kernel (Kernel::reads_input_at_run) is not
// needed at run time: it is freed as soon as its last consumer is prepared, so the original
// and the packed copy of a weight are never both held for the whole model (peak memory).
class PackedConstants {
 public:
  PackedConstants(const Graph& g, const std::vector<int>& order, const std::vector<bool>& kept)
      : pending_uses_(g.values.size(), 0), read_at_run_(g.values.size(), false) {
    for (int o : g.outputs) read_at_run_[o] = true;
    for (int ni : order)
      if (kept[ni])
        for (int v : g.nodes[ni].inputs)
          if (v >= 0 && g.values[v].constant) ++pending_uses_[v];
  }
  // After `step` is prepared: frees the constants it was the last reader of, if no reader
  // reads them at run time.
  void release_after(const Step& step, Graph& g, ExecutionPlan& plan) {
    const Node& n = g.nodes[step.node];
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int v = n.inputs[k];
      if (v < 0 || !g.values[v].constant) continue;
      if (!step.kernel || step.kernel->reads_input_at_run(static_cast<int>(k))) read_at_run_[v] = true;
      if (--pending_uses_[v] == 0 && !read_at_run_[v] && plan.slots[v].kind == SlotKind::Constant) {
        plan.slots[v].kind = SlotKind::Unused;
        plan.released_constants.push_back(v);
        g.values[v].constant.reset();
      }
    }
  }

 private:
  std::vector<int> pending_uses_;
  std::vector<bool> read_at_run_;
};

// The kernel for a static node: the best registered one that accepts it, else the reference.
std::unique_ptr<Kernel> choose_kernel(const Registry& registry, const OpDef& op, KernelSetup& setup) {
  const Node& n = setup.node;
  // A position-wise op computes the same on any padding-free layout: its kernels see Plain.
  if (!setup.all_plain() && layout_transparent(op, n, setup.inputs, setup.input_layouts, setup.output_layouts)) {
    setup.input_layouts.clear();
    setup.output_layouts.clear();
  }
  if (const KernelDef* k = select_kernel(registry, setup)) return k->create();
  // Reference kernels read plain buffers; Reorder's reads its layouts from its attributes.
  LS_CHECK(setup.all_plain() || n.op_type == "Reorder", Graph::describe(n),
           ": no kernel accepts the buffer layouts the layout pass chose");
  return make_reference_kernel(op);
}

// Step 4: one step per needed node in execution order; static ones get a prepared kernel and
// their cost, dynamic ones (shapes known only at run time) run the reference per run.
void make_steps(ExecutionPlan& plan, Graph& g, const GraphInference& inf, const std::vector<bool>& kept,
                const Registry& registry) {
  PackedConstants packed(g, inf.order, kept);
  for (int ni : inf.order) {
    if (!kept[ni]) continue;
    const Node& n = g.nodes[ni];
    Step step;
    step.node = ni;
    step.op = inf.defs[ni];
    step.dynamic = inf.node_dynamic[ni];
    for (int o : n.outputs)
      if (o >= 0) plan.slots[o].kind = step.dynamic ? SlotKind::Dynamic : SlotKind::Arena;
    if (!step.dynamic) {
      for (int v : n.inputs) step.inputs.push_back(v < 0 ? TensorInfo{} : inf.info[v]);
      step.outputs = inf.node_out[ni];
      std::vector<const Tensor*> consts;
      for (int v : n.inputs) consts.push_back(v >= 0 && g.values[v].constant ? &*g.values[v].constant : nullptr);
      KernelSetup setup{
          n, step.inputs, consts, step.outputs, plan.threads, layouts_of(g, n.inputs), layouts_of(g, n.outputs)};
      step.kernel = choose_kernel(registry, *step.op, setup);
      step.kernel->prepare(setup);
      step.scratch_bytes = step.kernel->scratch_bytes();
      plan.packed_weight_bytes += step.kernel->packed_weight_bytes();
      CostContext cc{n, step.inputs, step.outputs};
      step.cost = op_cost(*step.op, cc);
    }
    packed.release_after(step, g, plan);
    plan.steps.push_back(std::move(step));
  }
}

// Constants that survive (weights and folded values) count as held memory; the others go.
void count_held_constants(ExecutionPlan& plan, Graph& g) {
  for (size_t v = 0; v < g.values.size(); ++v)
    if (plan.slots[v].kind == SlotKind::Constant) plan.constant_bytes += g.values[v].constant->nbytes();
    else if (g.values[v].constant) g.values[v].constant.reset();  // unused, or packed by its kernels
}

}  // namespace

ExecutionPlan build_plan(Graph graph, const InputBinding& binding, const Registry& registry,
                         const PlanOptions& options) {
  check_ops_supported(graph, registry);
  compute_float16_in_float32(graph);  // float16 models compute in float32 (passes/float16_as_float32.h)
  ExecutionPlan plan;
  static std::atomic<uint64_t> plans_built{0};
  plan.serial = ++plans_built;
  plan.threads = options.threads;
  plan.optimize = options.optimize;
  plan.registry = &registry;
  plan.memory_budget = options.memory.bytes ? options.memory : memory_budget(0);

  const FoldStage stage = options.optimize ? FoldStage::BeforePasses : FoldStage::Final;
  GraphInference inf = infer_and_fold(graph, binding, registry, plan.folded_nodes, plan.memory_budget, stage);
  // Control flow: plan the branch of an If whose cond folded; give bodies their constants.
  while (inline_constant_ifs(graph) + bind_constant_captures(graph) > 0)
    inf = infer_and_fold(graph, binding, registry, plan.folded_nodes, plan.memory_budget, stage);
  if (options.optimize) inf = apply_passes(graph, binding, registry, std::move(inf), plan);
  const Needed needed = needed_by_outputs(graph, inf.order);
  plan.slots = initial_slots(graph, inf.info, needed.values);
  make_steps(plan, graph, inf, needed.nodes, registry);
  count_held_constants(plan, graph);

  plan.graph = std::move(graph);
  plan_memory(plan);
  check_plan_fits(plan, plan.memory_budget);
  return plan;
}

}  // namespace layerscope
