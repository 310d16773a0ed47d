// Executor: runs an ExecutionPlan. Owns the activation arena and the per-value tensor views
// into it, all created once; a run only binds the caller's inputs, executes the steps in
// order and copies the graph outputs out.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "runtime/dynamic_kernels.h"
#include "runtime/observer.h"
#include "runtime/plan.h"

namespace layerscope {

class BodyPlans;

class Executor {
 public:
  // `cores`: pin the OpenMP workers to these cores during every run (empty = no pinning; see
  // runtime/thread_pinning.h). Checked by the caller (check_cores).
  explicit Executor(ExecutionPlan plan, std::vector<int> cores = {});
  const ExecutionPlan& plan() const { return plan_; }

  // `inputs` follow plan().graph.inputs order and must match the bound dtypes and shapes.
  // Returns the graph outputs in plan().graph.outputs order.
  // An output that is a sequence or optional is an Error here (run_values gives it).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs, ExecutionObserver* observer = nullptr);
  // The same for inputs and outputs of any kind: tensors, sequences and optionals
  // (layerscope/value.h). If and Loop bodies run this way (runtime/body_plans.h).
  std::vector<AnyValue> run_values(const std::vector<AnyValue>& inputs, ExecutionObserver* observer = nullptr);

  // The tensor of graph value `id` during a run, for observers: a graph input from
  // on_run_begin, a step's outputs from that step's on_step_end (later steps may reuse their
  // arena bytes, or run in place over them). Data in the slot's layout (plan().slots[id].layout).
  // Empty for a value that is a sequence or optional.
  const Tensor& value(int id) const { return values_[id]; }

 private:
  // `observer`: the run's, asked for the observers of the bodies a control step runs.
  void run_dynamic_step(Step& step, ExecutionObserver* observer);
  // runtime/value_steps.cpp: the steps of ops over values of any kind (OpDef::run_values) and
  // where their sequences and optionals are kept.
  void run_value_step(Step& step, ExecutionObserver* observer);
  void bind_input(int id, const AnyValue& given);
  void store(int id, AnyValue v, const Node& producer);
  AnyValue current(int id) const;
  void check_readers_take(int id, const AnyValue& v, const std::string& what);

  ExecutionPlan plan_;
  std::vector<int> cores_;
  std::unique_ptr<char, void (*)(void*)> arena_;
  std::vector<Tensor> values_;  // per graph value: arena view, constant, input or dynamic tensor
  std::vector<std::vector<const Tensor*>> step_inputs_;
  std::vector<std::vector<Tensor*>> step_outputs_;
  Tensor dynamic_output(int value, const TensorInfo& info);

  std::vector<DynamicKernels> dynamic_kernels_;  // per step (used by dynamic steps only)
  // Per value computed by a dynamic step: the buffer its runs write into, grown to the largest
  // size seen and kept across runs (a fresh large tensor each run would page-fault all of it).
  std::vector<Tensor> dynamic_buffers_;
  // Per graph output: the buffers of earlier runs' copies, refilled once the caller has let go
  // of them (Tensor::sole_owner). A fresh large copy every run page-faults all of it: a
  // segmentation model's 22.7 MB output cost 5,500 faults, 10 ms of its 33 ms. Two per output,
  // so that a caller who keeps the previous results while the next run fills new ones
  // (`outs = run()` in a loop) finds one free.
  std::vector<std::array<Tensor, 2>> output_buffers_;
  Tensor output_copy(size_t k, const Tensor& src);
  std::shared_ptr<BodyPlans> bodies_;  // plans of If/Loop/Scan/SequenceMap bodies, made on first use
  // Per graph value holding a sequence or optional now: it (values_ holds an empty tensor then).
  std::vector<AnyValue> boxed_;
  std::vector<std::vector<int>> readers_;  // per value: the steps reading it (made on first use)
};

}  // namespace layerscope
