// ExecutionPlan: a graph bound to concrete input shapes, ready to run. Built once by
// build_plan() (runtime/planner.cpp): topological order, shapes, constant folding, kernel
// choice and prepare(), and a memory plan placing every intermediate tensor in one arena.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernel.h"
#include "registry/registry.h"
#include "runtime/memory_budget.h"

namespace layerscope {

struct Step {
  int node = -1;  // index into plan.graph.nodes
  const OpDef* op = nullptr;
  std::unique_ptr<Kernel> kernel;  // null for dynamic steps
  // Shapes known only at run time (data-dependent): re-inferred and heap-allocated per run, the
  // kernel chosen per shape signature by the executor (runtime/dynamic_kernels.h).
  bool dynamic = false;
  // Planned shapes and cost; for a dynamic step, those of its latest run, and
  // `dynamic_kernel` the kernel that run used (owned by the executor), for the profile.
  std::vector<TensorInfo> inputs, outputs;
  Cost cost;
  const Kernel* dynamic_kernel = nullptr;
  size_t scratch_offset = 0;
  size_t scratch_bytes = 0;
  // Values whose last use is this step (dynamic tensors are freed after it).
  std::vector<int> release_after;
};

enum class SlotKind { Unused, GraphInput, Constant, Arena, Dynamic };

struct Slot {
  SlotKind kind = SlotKind::Unused;
  TensorInfo info;                // planned dtype/shape (not for Dynamic)
  Layout layout = Layout::Plain;  // buffer layout (Value::layout); blocked buffers include channel padding
  size_t offset = 0;              // Arena: byte offset
  int buffer = -1;                // Arena: the value owning the buffer this one uses (itself, or the input
                                  // it is a view of / was computed in place over: runtime/memory_sharing.h)
  int first_step = -1;            // producing step (-1: before the first step)
  int last_step = -1;             // last consuming step (INT_MAX for graph outputs)
};

struct ExecutionPlan {
  Graph graph;                        // after folding and dead-node removal
  std::vector<Step> steps;            // in execution order
  std::vector<Slot> slots;            // one per graph value
  size_t arena_bytes = 0;             // activations + scratch, as planned
  size_t naive_activation_bytes = 0;  // sum of all intermediate tensors (what no reuse would cost)
  size_t constant_bytes = 0;          // constants as held (after folding)
  size_t packed_weight_bytes = 0;     // extra copies held by kernels (prepacked weights)
  int threads = 1;
  // Unique to this plan in the process (build_plan counts them): what tells an observer that a
  // run is of another plan, where the address of a freed plan's replacement may be the same.
  uint64_t serial = 0;
  bool optimize = true;                   // the graph passes ran (PlanOptions::optimize)
  const Registry* registry = nullptr;     // what it was built with; bodies (If, Loop, Scan) are planned with it too
  MemoryBudget memory_budget;             // what the plan was checked against; dynamic steps are checked at run time
  std::vector<std::string> folded_nodes;  // names of nodes evaluated at plan time
  std::vector<std::pair<std::string, int>> applied_passes;  // graph pass -> rewrites it made
  // Constants only packed kernels read (their originals were dropped from `graph`); a session
  // that keeps its own copy of the graph may drop its copy too.
  std::vector<int> released_constants;
};

// Input shapes/dtypes to bind, by graph input name.
using InputBinding = std::map<std::string, TensorInfo>;

struct PlanOptions {
  int threads = 1;
  // false skips the graph passes (src/passes/): the plan then runs the model's nodes one by one,
  // as exported (for A/B checks of what the passes change).
  bool optimize = true;
  // Upper bound on the plan's memory (every tensor, then arena + weights); bytes 0 = the
  // machine's available memory now (runtime/memory_budget.h). A plan over it is refused before
  // anything is allocated.
  MemoryBudget memory;
};

ExecutionPlan build_plan(Graph graph, const InputBinding& inputs, const Registry& registry, const PlanOptions& options);
inline ExecutionPlan build_plan(Graph graph, const InputBinding& inputs, const Registry& registry, int threads,
                                bool optimize = true) {
  return build_plan(std::move(graph), inputs, registry, PlanOptions{threads, optimize, {}});
}

// Checks that every node's op is registered for its opset (the first thing a user needs to
// know about a model) and carries only attributes its OpDef declares, with the declared types;
// throws Error naming the file, node, op, domain and opset (and attribute) otherwise.
void check_ops_supported(const Graph& graph, const OpRegistry& registry);

}  // namespace layerscope
