// Graph passes: rewrites of the inferred graph between shape inference and kernel choice
// (runtime/planner.cpp). Each pass lives in its own file, is a plain function over a
// PassContext and returns how many rewrites it made; default_passes() is the ordered list.
//
// Passes only rewrite nodes whose shapes are known at plan time (info[v].dtype is defined),
// keep every original node name in Node::source_names, and leave graph outputs' names intact.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "registry/registry.h"

namespace layerscope {

struct PassContext {
  Graph& graph;
  std::vector<TensorInfo>& info;  // per value, from inference; Undefined dtype = known only at run time
  const Registry& registry;
  // The thread count the plan will run with: kernels asked for their preferences (the layout
  // pass) answer for it, as some choices are measured on this machine (kernels/onednn/measured_choice.h).
  int threads = 1;

  // A new intermediate value with a known type (kept in step with `info`).
  int add_value(const std::string& name, const TensorInfo& t);
  // A new constant value.
  int add_constant(const std::string& name, Tensor t);
  bool known(int v) const { return v >= 0 && info[v].dtype != DType::Undefined; }
};

struct GraphPass {
  const char* name;
  int (*run)(PassContext&);
};

// Every pass, in the order the planner applies them.
const std::vector<GraphPass>& default_passes();

// Applies `passes` in order; returns (pass name, rewrites) for each pass that changed something.
std::vector<std::pair<std::string, int>> run_passes(PassContext& ctx, const std::vector<GraphPass>& passes);

}  // namespace layerscope
