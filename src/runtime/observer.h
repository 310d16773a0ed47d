// ExecutionObserver: how profiling (and anything else) watches a run without the executor
// knowing about it. The executor calls these around every step; with no observer attached
// nothing is called at all.
#pragma once

namespace layerscope {

struct ExecutionPlan;

class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void on_run_begin(const ExecutionPlan&) {}
  virtual void on_step_begin(int /*step*/) {}
  virtual void on_step_end(int /*step*/) {}
  virtual void on_run_end() {}
};

}  // namespace layerscope
