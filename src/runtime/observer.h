// ExecutionObserver: how profiling (and anything else) watches a run without the executor
// knowing about it. The executor calls these around every step; with no observer attached
// nothing is called at all.
#pragma once

namespace layerscope {

struct ExecutionPlan;
struct Graph;

class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void on_run_begin(const ExecutionPlan&) {}
  virtual void on_step_begin(int /*step*/) {}
  virtual void on_step_end(int /*step*/) {}
  virtual void on_run_end() {}
  // Step `step` (a control node: If, Loop, Scan, SequenceMap) is about to run `body`, one of its
  // GRAPH attributes, once: the observer of that body run (its own plan, its own step numbers),
  // or nullptr to let it run unobserved. Asked on every body run, so an observer that follows
  // bodies sees each Loop iteration; one that does not (the default) costs nothing more.
  virtual ExecutionObserver* body_observer(int /*step*/, const Graph& /*body*/) { return nullptr; }
};

}  // namespace layerscope
