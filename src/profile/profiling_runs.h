// The profiling runs behind evaluate_performance() (src/api/session_profile.cpp) and the report
// model they fill. Plain and profiled runs are interleaved (plain, profiled, plain, ...) so
// clock-frequency drift and background noise affect both equally; the overhead figure compares
// their medians.
#pragma once
#include <vector>

#include "layerscope/profile.h"
#include "runtime/executor.h"

namespace layerscope {

// `ordered`: the inputs in graph-input order, matching the plan. `cores`: the session's core
// list (SessionOptions::cores), recorded per worker; `optimized`: whether the graph passes ran.
void profile_runs(Executor& executor, const std::vector<Tensor>& ordered, const ProfileOptions& options,
                  const Roofs& roofs, const std::vector<int>& cores, bool optimized, PerfReport* report);

// The reference tool's eval_memory figures of a plan: weights as held, the activation arena,
// inputs and outputs.
MemoryReport memory_of(const ExecutionPlan& plan);

}  // namespace layerscope
