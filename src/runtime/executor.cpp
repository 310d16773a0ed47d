#include "runtime/executor.h"

#include <omp.h>

#include <cstdlib>
#include <cstring>

#include "ir/error.h"
#include "runtime/memory_budget.h"
#include "runtime/thread_pinning.h"

namespace layerscope {

Executor::Executor(ExecutionPlan plan, std::vector<int> cores)
    : plan_(std::move(plan)), cores_(std::move(cores)), arena_(nullptr, std::free) {
  size_t bytes = (plan_.arena_bytes + 64 + 63) / 64 * 64;
  arena_.reset(static_cast<char*>(std::aligned_alloc(64, bytes)));
  LS_CHECK(arena_ != nullptr, "out of memory allocating the ", bytes, "-byte activation arena");
  Graph& g = plan_.graph;
  values_.resize(g.values.size());
  boxed_.resize(g.values.size());
  // Views carry the logical shape in every layout; a blocked slot's buffer is larger (its
  // channel padding, planned by memory_planner.cpp) and only layout-aware kernels read it.
  for (size_t v = 0; v < g.values.size(); ++v) {
    const Slot& s = plan_.slots[v];
    if (s.kind == SlotKind::Constant) values_[v] = *g.values[v].constant;
    else if (s.kind == SlotKind::Arena) values_[v] = Tensor::view(s.info.dtype, s.info.shape, arena_.get() + s.offset);
  }
  for (Step& step : plan_.steps) {
    const Node& n = g.nodes[step.node];
    std::vector<const Tensor*> in;
    for (int v : n.inputs) in.push_back(v < 0 ? nullptr : &values_[v]);
    std::vector<Tensor*> out;
    for (int v : n.outputs) out.push_back(v < 0 ? nullptr : &values_[v]);
    step_inputs_.push_back(std::move(in));
    step_outputs_.push_back(std::move(out));
  }
  dynamic_kernels_.resize(plan_.steps.size());
  dynamic_buffers_.resize(g.values.size());
}

Tensor Executor::dynamic_output(int value, const TensorInfo& info) {
  Tensor& buffer = dynamic_buffers_[value];
  if (buffer.nbytes() < static_cast<size_t>(info.bytes())) buffer = Tensor(DType::U8, {info.bytes()});
  return Tensor::view(info.dtype, info.shape, buffer.data());
}

// A step whose shapes only this run tells: infer them from the inputs' values, allocate the
// outputs, and run the kernel chosen and prepared for these shapes (DynamicKernels).
void Executor::run_dynamic_step(Step& step, ExecutionObserver* observer) {
  if (step.op->run_values) return run_value_step(step, observer);
  const Node& n = plan_.graph.nodes[step.node];
  const size_t idx = &step - plan_.steps.data();
  std::vector<TensorInfo> in;
  for (const Tensor* t : step_inputs_[idx]) in.push_back(t ? TensorInfo{t->dtype(), t->shape()} : TensorInfo{});
  InferContext ctx = infer_context(*step.op, n, in, step_inputs_[idx]);  // every value is known now
  infer_node(*step.op, ctx);
  const std::vector<Tensor*>& out_ptrs = step_outputs_[idx];  // null for omitted outputs, as in static steps
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    const TensorInfo& info = ctx.outputs()[k];
    if (!tensor_fits(info, plan_.memory_budget))  // the message is built only for a tensor that does not
      check_tensor_fits(info, plan_.memory_budget,
                        "'" + plan_.graph.model_path + "': " + Graph::describe(n) + ": output " + std::to_string(k) +
                            " (computed at run time)");
  }
  const std::vector<Tensor>& stated = ctx.output_values();
  bool all_stated = !stated.empty();
  for (size_t k = 0; k < n.outputs.size() && all_stated; ++k) all_stated = !out_ptrs[k] || !stated[k].empty();
  if (all_stated) {
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (out_ptrs[k]) *out_ptrs[k] = stated[k];
    step.inputs = in;
    step.outputs = ctx.outputs();
    CostContext cc{n, step.inputs, step.outputs};
    step.cost = op_cost(*step.op, cc);
    step.dynamic_kernel = &DynamicKernels::computed_by_infer();
    return;
  }
  std::vector<const Tensor*> constants, run_values(n.inputs.size(), nullptr);
  for (int v : n.inputs) constants.push_back(v >= 0 && plan_.graph.values[v].constant ? &values_[v] : nullptr);
  for (int i : step.op->value_inputs)
    if (i < static_cast<int>(n.inputs.size()) && step_inputs_[idx][i] &&
        step_inputs_[idx][i]->numel() <= DynamicKernels::kRunValueLimit)
      run_values[i] = step_inputs_[idx][i];
  LS_CHECK(plan_.registry, Graph::describe(n), ": the plan has no registry to choose a kernel with");
  for (size_t k = 0; k < n.outputs.size(); ++k)
    if (out_ptrs[k]) *out_ptrs[k] = dynamic_output(n.outputs[k], ctx.outputs()[k]);
  DynamicKernels::Entry& k =
      dynamic_kernels_[idx].get(*plan_.registry, *step.op, n, in, ctx.outputs(), constants, run_values, plan_.threads);
  k.kernel->execute(step_inputs_[idx], out_ptrs, k.scratch.get());
  step.inputs = k.inputs;
  step.outputs = k.outputs;
  step.cost = k.cost;
  step.dynamic_kernel = k.kernel.get();
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& inputs, ExecutionObserver* observer) {
  std::vector<AnyValue> results = run_values(std::vector<AnyValue>(inputs.begin(), inputs.end()), observer);
  std::vector<Tensor> outputs;
  for (size_t k = 0; k < results.size(); ++k) {
    LS_CHECK(results[k].is_tensor(), "output '", plan_.graph.values[plan_.graph.outputs[k]].name, "' is ",
             results[k].describe(), ", not a tensor: read it with Session::run_values");
    outputs.push_back(std::move(results[k].tensor));
  }
  return outputs;
}

Tensor Executor::output_copy(size_t k, const Tensor& src) {
  if (src.empty()) return Tensor();
  std::array<Tensor, 2>& slots = output_buffers_[k];
  for (Tensor& t : slots)
    if (t.sole_owner() && t.dtype() == src.dtype() && t.shape() == src.shape()) {
      if (src.nbytes()) std::memcpy(t.data(), src.data(), src.nbytes());
      return t;
    }
  // No free buffer of this shape: the new copy takes an empty slot, else one only we hold (of
  // another shape), else the first (the caller keeps what it holds: it is theirs now).
  Tensor fresh = src.clone();
  Tensor* slot = &slots[0];
  for (Tensor& t : slots)
    if (t.empty()) slot = &t;
  if (!slot->empty())
    for (Tensor& t : slots)
      if (t.sole_owner()) slot = &t;
  *slot = fresh;
  return fresh;
}

std::vector<AnyValue> Executor::run_values(const std::vector<AnyValue>& inputs, ExecutionObserver* observer) {
  Graph& g = plan_.graph;
  LS_CHECK(inputs.size() == g.inputs.size(), "expected ", g.inputs.size(), " inputs, got ", inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) bind_input(g.inputs[i], inputs[i]);
  omp_set_num_threads(plan_.threads);
  WorkerPinning pinning(cores_, plan_.threads);  // until the end of the run
  if (observer) observer->on_run_begin(plan_);
  for (size_t i = 0; i < plan_.steps.size(); ++i) {
    Step& step = plan_.steps[i];
    if (observer) observer->on_step_begin(static_cast<int>(i));
    if (step.dynamic) {
      run_dynamic_step(step, observer);
    } else {
      step.kernel->execute(step_inputs_[i], step_outputs_[i], arena_.get() + step.scratch_offset);
    }
    if (observer) observer->on_step_end(static_cast<int>(i));
    for (int v : step.release_after) values_[v] = Tensor(), boxed_[v] = AnyValue();
  }
  if (observer) observer->on_run_end();
  std::vector<AnyValue> outputs;
  outputs.reserve(g.outputs.size());
  output_buffers_.resize(g.outputs.size());
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    AnyValue v = current(g.outputs[k]);
    outputs.push_back(v.is_tensor() ? AnyValue(output_copy(k, v.tensor)) : v.clone());
  }
  for (int id : g.inputs) values_[id] = Tensor(), boxed_[id] = AnyValue();  // not the caller's buffers
  return outputs;
}

}  // namespace layerscope
