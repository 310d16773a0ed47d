// Stage 1 of build_plan: shapes and constant folding over the whole graph.
#pragma once
#include <string>
#include <vector>

#include "runtime/memory_budget.h"
#include "runtime/plan.h"

namespace layerscope {

struct GraphInference {
  std::vector<int> order;                         // node indices, topological
  std::vector<TensorInfo> info;                   // per value (Undefined dtype: run-time only)
  std::vector<const OpDef*> defs;                 // per node
  std::vector<std::vector<TensorInfo>> node_out;  // per node: inferred outputs (static nodes)
  std::vector<bool> node_dynamic;                 // per node: shapes need run-time values
  int deferred_folds = 0;                         // foldable nodes kept for the passes (FoldStage)
};

// When infer_and_fold runs: before the graph passes, ops with OpDef::fold_after_passes are not
// folded (the passes read them); after them, or without passes, everything foldable is.
enum class FoldStage { BeforePasses, Final };

// Binds the input shapes, infers every node's outputs in topological order and folds the
// nodes whose result is known at plan time (all inputs constant, or infer() states the
// output values, as Shape does): their outputs become constants and the nodes are removed
// from `graph`, their names appended to `folded_names`. The result describes the graph as
// left after folding. `stage` BeforePasses keeps the nodes of fold_after_passes ops. Every bound input and inferred
// output must fit `budget` (checked before anything is allocated, folded values included).
GraphInference infer_and_fold(Graph& graph, const InputBinding& binding, const OpRegistry& registry,
                              std::vector<std::string>& folded_names, const MemoryBudget& budget,
                              FoldStage stage = FoldStage::Final);

}  // namespace layerscope
