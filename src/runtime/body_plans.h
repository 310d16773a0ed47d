// BodyPlans: the plans of the bodies (If branches, Loop, Scan and SequenceMap bodies) one executor
// runs, one per body and input signature (types, dtypes and shapes), built with build_plan on first use and kept:
// a Loop's body usually sees the same shapes in every iteration, so it is planned once.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/observer.h"
#include "runtime/plan.h"

namespace layerscope {

class Executor;

class BodyPlans {
 public:
  // Plans are built like the enclosing one: same registry, threads, passes and memory budget.
  BodyPlans(const Registry& registry, const PlanOptions& options) : registry_(registry), options_(options) {}
  ~BodyPlans();

  // Runs `body` (a GRAPH attribute's graph, alive as long as the node holding it) on `inputs`,
  // given in body.inputs order; returns its outputs in body.outputs order. Inputs and outputs
  // may be sequences or optionals (bodies of If and Loop, SequenceMap). `observer` (may be null)
  // watches this run of the body's plan (Executor::run_values).
  std::vector<AnyValue> run(const Graph& body, const std::vector<AnyValue>& inputs,
                            ExecutionObserver* observer = nullptr);

 private:
  // Plans kept at most; past it they are all dropped (a loop whose carried values grow gets a
  // new plan per iteration, which must not pile up).
  static constexpr size_t kMaxPlans = 64;

  const Registry& registry_;
  PlanOptions options_;
  std::map<std::pair<const Graph*, std::string>, std::unique_ptr<Executor>> plans_;
};

}  // namespace layerscope
