// Session internals, shared by the public API (api/session.cpp) and the profiler.
#pragma once
#include <map>
#include <memory>
#include <mutex>

#include "layerscope/session.h"
#include "runtime/executor.h"

namespace layerscope {

struct Session::Impl {
  Graph graph;  // as loaded; each plan works on its own copy
  // Set once a static-shape model is planned: it is never re-planned, so `graph` drops its
  // weights and only the plan (and the kernels' packed copies) hold them.
  bool graph_weights_released = false;
  SessionOptions options;
  int threads = 1;
  // Taken when loading starts (before the weights are read, which would count them twice):
  // SessionOptions::max_memory_bytes, or the machine's available memory then.
  MemoryBudget memory;
  std::vector<ValueDesc> inputs, outputs;
  std::unique_ptr<Executor> executor;  // plan for the current input binding
  InputBinding binding;
  // One inference at a time per session (the executor owns one arena): run(), the profiling
  // calls and plan_summary() hold it, so calls from several threads wait their turn.
  mutable std::mutex run_mutex;

  // Checks `given` against the declared inputs; returns them in the plan's input order (the
  // required inputs, then the overridden defaults) and (re)plans when their shapes, or the set
  // of overridden defaults, differ from the current plan.
  std::vector<Tensor> bind(const std::vector<NamedTensor>& given);
  // The same for values of any kind (Session::run_values); a sequence or optional is bound by
  // its type alone (sequence ops run at run time, whatever their tensors' shapes).
  std::vector<AnyValue> bind_values(const std::vector<NamedValue>& given);
  // `overridden`: default inputs (graph.default_inputs ids) the caller gives, planned as graph
  // inputs. `final_plan`: the binding can never change (static shapes, no defaults), so the plan
  // takes the weights.
  void plan_for(const InputBinding& binding, const std::vector<int>& overridden, bool final_plan = false);
  PlanOptions plan_options() const { return PlanOptions{threads, options.optimize, memory}; }
};

// A Session over a model held in memory (a serialized ModelProto; `name` stands for its path in
// messages). Runtime::build's quantized model is planned through it.
Status load_session_from_bytes(const std::string& bytes, const std::string& name, const SessionOptions& options,
                               std::unique_ptr<Session>* session);

// The binding implied by the declared input shapes, if every dim is static.
bool static_binding(const std::vector<ValueDesc>& inputs, InputBinding* binding);

}  // namespace layerscope
