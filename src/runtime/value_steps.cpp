// The executor's values beyond tensors, and the steps that take or make them. Sequences and
// optionals (layerscope/value.h) never live in the arena: the executor keeps each one in
// `boxed_` beside `values_` (where the same value id then holds an empty tensor), and only
// steps of ops with OpDef::run_values (If, Loop, Scan, the Sequence and Optional ops, Identity)
// see them: a sequence reaching any other op is an Error naming both nodes, never a crash.
#include <algorithm>

#include "ir/error.h"
#include "runtime/body_plans.h"
#include "runtime/executor.h"

namespace layerscope {

namespace {

// What infer() sees of a value: a tensor's dtype and shape, or a sequence's or optional's type.
TensorInfo info_of(const AnyValue& v) {
  if (v.is_tensor()) return TensorInfo{v.tensor.dtype(), v.tensor.shape()};
  return TensorInfo{v.dtype, {}, v.type};
}

}  // namespace

AnyValue Executor::current(int id) const { return boxed_[id].is_tensor() ? AnyValue(values_[id]) : boxed_[id]; }

void Executor::check_readers_take(int id, const AnyValue& v, const std::string& what) {
  if (readers_.empty()) {
    readers_.resize(plan_.graph.values.size());
    for (size_t s = 0; s < plan_.steps.size(); ++s)
      for (int in : plan_.graph.nodes[plan_.steps[s].node].inputs)
        if (in >= 0) readers_[in].push_back(static_cast<int>(s));
  }
  for (int s : readers_[id]) {
    const Step& step = plan_.steps[s];
    if (step.op->run_values && step.dynamic) continue;
    fail(what, " '", plan_.graph.values[id].name, "' is ", v.describe(), ", but ",
         Graph::describe(plan_.graph.nodes[step.node]), " reads it and takes tensors only");
  }
}

void Executor::bind_input(int id, const AnyValue& given) {
  const Slot& s = plan_.slots[id];
  const std::string& name = plan_.graph.values[id].name;
  if (s.info.type.is_tensor()) {
    LS_CHECK(given.is_tensor() && given.tensor.dtype() == s.info.dtype && given.tensor.shape() == s.info.shape,
             "input '", name, "' is ", given.describe(), "; the plan expects ", dtype_name(s.info.dtype), " ",
             shape_to_string(s.info.shape));
    values_[id] = given.tensor;
    return;
  }
  LS_CHECK(given.type == s.info.type && given.dtype == s.info.dtype, "input '", name, "' is ", given.describe(),
           "; the plan expects ", value_type_name(s.info.type, s.info.dtype));
  check_readers_take(id, given, "input");
  boxed_[id] = given;
}

void Executor::store(int id, AnyValue v, const Node& producer) {
  if (v.is_tensor()) {
    values_[id] = std::move(v.tensor);
    boxed_[id] = AnyValue();
    return;
  }
  check_readers_take(id, v, Graph::describe(producer) + ": output");
  values_[id] = Tensor();
  boxed_[id] = std::move(v);
}

// infer() checks the node against its inputs as they are now (and gives output types); then
// the op's value kernel computes the outputs, running the node's bodies (planned by bodies_)
// when it has any, each body run watched by the observer `observer` gives for it (profiling
// follows the bodies' layers that way), or by none.
void Executor::run_value_step(Step& step, ExecutionObserver* observer) {
  const Node& n = plan_.graph.nodes[step.node];
  std::vector<AnyValue> in(n.inputs.size());
  std::vector<const AnyValue*> in_ptrs(n.inputs.size(), nullptr);
  std::vector<TensorInfo> infos(n.inputs.size());
  std::vector<const Tensor*> tensors(n.inputs.size(), nullptr);  // the tensor inputs, for infer()
  for (size_t k = 0; k < n.inputs.size(); ++k) {
    if (n.inputs[k] < 0) continue;
    in[k] = current(n.inputs[k]);
    in_ptrs[k] = &in[k];
    infos[k] = info_of(in[k]);
    if (in[k].is_tensor()) tensors[k] = &values_[n.inputs[k]];
  }
  InferContext ctx = infer_context(*step.op, n, infos, tensors);
  infer_node(*step.op, ctx);
  if (!bodies_) {
    LS_CHECK(plan_.registry, Graph::describe(n), ": the plan has no registry to plan the node's bodies with");
    bodies_ =
        std::make_shared<BodyPlans>(*plan_.registry, PlanOptions{plan_.threads, plan_.optimize, plan_.memory_budget});
  }
  std::vector<AnyValue> out(n.outputs.size());
  std::vector<AnyValue*> out_ptrs;
  for (AnyValue& v : out) out_ptrs.push_back(&v);
  // Captured by reference, as one pointer: std::function (BodyRunner) keeps a capture of up to two
  // pointers in place, so following bodies costs an unprofiled run no allocation.
  struct {
    BodyPlans& plans;
    ExecutionObserver* observer;
    int step;
  } bodies{*bodies_, observer, static_cast<int>(&step - plan_.steps.data())};
  step.op->run_values(n, in_ptrs, out_ptrs, [&bodies](const Graph& body, const std::vector<AnyValue>& inputs) {
    ExecutionObserver* watcher = bodies.observer ? bodies.observer->body_observer(bodies.step, body) : nullptr;
    return bodies.plans.run(body, inputs, watcher);
  });
  // What this run read and wrote, for the profile (the step's shapes and DataType, as a dynamic
  // step's latest run reports them): without it a control layer's row said UNDEFINED.
  std::vector<TensorInfo> out_infos(n.outputs.size());
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    if (n.outputs[k] < 0) continue;
    LS_CHECK(!out[k].unset(), Graph::describe(n), ": output ", k, " was not computed");
    out_infos[k] = info_of(out[k]);
    store(n.outputs[k], std::move(out[k]), n);
  }
  step.inputs = std::move(infos);
  step.outputs = std::move(out_infos);
}

}  // namespace layerscope
