// BodyRecorder: the profiling observer of one body (an If branch, a Loop, Scan or SequenceMap
// body) of one control layer. The executor asks its observer for one on every body run
// (ExecutionObserver::body_observer); each recorder keeps the recorders of the bodies its own
// layers run (BodyRecorders), so a Loop inside an If branch is recorded too.
//
// A body may get several plans (one per input signature: runtime/body_plans.h), so its layers
// are identified across plans by their node (op type, original names, output names), not by
// step number. Per profiled run of the model, each layer accumulates its wall time summed over
// its executions and how many there were. Per-thread work (WorkLoad) is not measured in bodies:
// the enclosing layer's WorkMeter is running while they run, and meters do not nest.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "profile/step_description.h"
#include "runtime/observer.h"

namespace layerscope {

class BodyRecorder;

// The bodies the layers of one recorder ran: a BodyRecorder per (layer, GRAPH attribute), made
// on first use.
class BodyRecorders {
 public:
  // `run`: the profiled run under way (the top-level recorder's count, read on every record; a
  // run at or past `runs` is not recorded).
  BodyRecorders(const int& run, int runs) : run_(run), runs_(runs) {}
  ~BodyRecorders();

  // The recorder of `body` as run by `step` of `plan`, whose row is layer `layer` of a recorder
  // whose own layers are in `scope` ("" at the top level).
  BodyRecorder* of(int layer, const ExecutionPlan& plan, int step, const Graph& body, const std::string& scope);
  // Those of layer `layer`, in the order they were first used (an If: the branch it took).
  std::vector<const BodyRecorder*> of_layer(int layer) const;

 private:
  struct Entry {
    int layer;
    std::string attribute;
    // Where it was last seen: each plan of an enclosing body holds its own copy of the body, and
    // a pointer identifies it only together with the plan (a later copy may reuse the address).
    const Graph* body;
    uint64_t plan;
    std::unique_ptr<BodyRecorder> recorder;
  };
  const int& run_;
  int runs_;
  std::vector<Entry> entries_;
};

class BodyRecorder final : public ExecutionObserver {
 public:
  // One layer of the body, the same node in every plan of it.
  struct Layer {
    LayerProfile names;                 // op type and names, from the first plan that ran it
    StepExecution latest;               // what its latest execution ran
    int64_t live_activation_bytes = 0;  // in the body plan's own arena, at its latest execution
    uint64_t latest_plan = 0;           // ExecutionPlan::serial of `latest`
    std::vector<long long> wall_ns;     // per profiled run: summed over its executions
    std::vector<int> calls;             // per profiled run: its executions
  };

  // `scope`: the path to this body through the enclosing nodes ("loop_0/body"), LayerProfile::scope.
  BodyRecorder(std::string scope, const int& run, int runs);

  void on_run_begin(const ExecutionPlan& plan) override;
  void on_step_begin(int step) override;
  void on_step_end(int step) override;
  ExecutionObserver* body_observer(int step, const Graph& body) override;

  const std::string& scope() const { return scope_; }
  // In the order they first ran.
  const std::vector<Layer>& layers() const { return layers_; }
  const BodyRecorders& bodies() const { return bodies_; }

 private:
  // A plan's steps as layers of this body.
  struct PlanLayers {
    std::vector<int> layer_of_step;
    std::vector<int64_t> live_bytes;  // per step
  };
  // Plans remembered at most; past it they are forgotten and looked up again when they run (a
  // Loop whose carried values grow gets a plan per iteration).
  static constexpr size_t kMaxPlans = 256;

  PlanLayers map_plan(const ExecutionPlan& plan);

  std::string scope_;
  const int& run_;
  int runs_;
  const ExecutionPlan* plan_ = nullptr;   // of the body run under way
  const PlanLayers* steps_ = nullptr;     // its steps' layers
  std::map<uint64_t, PlanLayers> plans_;  // by ExecutionPlan::serial
  std::map<std::string, int> layer_by_node_;
  std::vector<Layer> layers_;
  BodyRecorders bodies_;
  std::chrono::steady_clock::time_point begin_;
};

}  // namespace layerscope
