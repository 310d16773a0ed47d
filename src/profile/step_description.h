// What a report row says about a plan step: the names its node gives it (fixed by the plan), and
// what an execution of it ran (kernel, data type, shapes, cost), which for a dynamic step changes
// from run to run. Top-level rows are described from their plan after the runs; a body's layers
// (If branches, Loop bodies) from what their executions recorded, since a body's plan may have
// been replaced by then (runtime/body_plans.h keeps a bounded number).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "layerscope/profile.h"
#include "runtime/plan.h"

namespace layerscope {

// What one execution of a step ran. Recording into the same object again reuses its storage, so
// a step recorded on every run allocates little once its shapes settled.
struct StepExecution {
  std::vector<TensorInfo> inputs, outputs;
  Cost cost;
  std::string kernel;  // the Kernel column: "onednn:...", "<kernel>(dynamic)", "bodies(dynamic)", ...
};

void record_execution(const ExecutionPlan& plan, int step, StepExecution* out);

// op_type and the source, input and output names of step `step`'s node (escaped: printable()).
LayerProfile describe_names(const ExecutionPlan& plan, int step);

// Sets `layer`'s kernel, data_type, shapes and cost (MACs, other ops, bytes) from `execution`.
void describe_execution(const StepExecution& execution, LayerProfile* layer);

// Activation bytes of the plan's arena alive while step `step` runs (a buffer that several values
// share counts once).
int64_t live_activation_bytes(const ExecutionPlan& plan, int step);

// The row of a top-level step as its latest run left it: names, execution and live bytes (id,
// times, workload and roofline are the caller's).
LayerProfile describe_step(const ExecutionPlan& plan, int step);

// How a report names the node that runs a body, in LayerProfile::scope: its first original
// name, else (an unnamed node) its first output's name, else its op type.
std::string body_owner_name(const ExecutionPlan& plan, int step);

// The name of the GRAPH attribute of step `step`'s node that holds `body` ("then_branch",
// "body", ...), or "" when none does.
std::string body_attribute(const ExecutionPlan& plan, int step, const Graph& body);

}  // namespace layerscope
