// Session internals, shared by the public API (api/session.cpp) and the profiler.
#pragma once
#include <map>
#include <memory>

#include "layerscope/session.h"
#include "runtime/executor.h"

namespace layerscope {

struct Session::Impl {
  Graph graph;  // as loaded; each plan works on its own copy
  SessionOptions options;
  int threads = 1;
  std::vector<ValueDesc> inputs, outputs;
  std::unique_ptr<Executor> executor;  // plan for the current input binding
  InputBinding binding;

  // Checks `given` against the declared inputs; returns them in graph input order and
  // (re)plans when their shapes differ from the current plan.
  std::vector<Tensor> bind(const std::vector<NamedTensor>& given);
  void plan_for(const InputBinding& binding);
};

// The binding implied by the declared input shapes, if every dim is static.
bool static_binding(const std::vector<ValueDesc>& inputs, InputBinding* binding);

}  // namespace layerscope
