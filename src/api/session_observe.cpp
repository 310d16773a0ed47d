// Session::run_observed: an ExecutionObserver (runtime/observer.h) that reads each step's
// outputs from the executor right after the step and hands them to the caller by ONNX name.
// Only built when a caller asks for it: run() attaches no observer and pays nothing.
#include <mutex>

#include "api/guarded.h"
#include "api/session_impl.h"
#include "ir/error.h"

namespace layerscope {

namespace {

class ValueForwarder : public ExecutionObserver {
 public:
  ValueForwarder(const Executor& executor, const ValueObserver& observer) : executor_(executor), observer_(observer) {}

  void on_run_begin(const ExecutionPlan& plan) override {
    for (int id : plan.graph.inputs) report(id, kNone, kNone);
  }
  void on_step_end(int step) override {
    const ExecutionPlan& plan = executor_.plan();
    const Node& n = plan.graph.nodes[plan.steps[step].node];
    for (int id : n.outputs)
      if (id >= 0) report(id, n.name, n.op_type);
  }

 private:
  void report(int id, const std::string& node, const std::string& op_type) {
    const Tensor& t = executor_.value(id);
    if (t.empty()) return;  // an omitted optional output
    observer_(ObservedValue{executor_.plan().graph.values[id].name, node, op_type, t});
  }

  static inline const std::string kNone;
  const Executor& executor_;
  const ValueObserver& observer_;
};

}  // namespace

Status Session::run_observed(const std::vector<NamedTensor>& inputs, std::vector<NamedTensor>* outputs,
                             const ValueObserver& observer) {
  return guarded_for_model(impl_->graph.model_path, [&] {
    LS_CHECK(!impl_->options.optimize,
             "run_observed needs a Session loaded with SessionOptions::optimize = false: the graph passes fuse "
             "nodes and re-lay-out activations, so not every value of '",
             impl_->graph.model_path, "' exists under its ONNX name");
    LS_CHECK(static_cast<bool>(observer), "run_observed: the observer is empty");
    std::lock_guard<std::mutex> lock(impl_->run_mutex);
    std::vector<Tensor> ordered = impl_->bind(inputs);
    ValueForwarder forwarder(*impl_->executor, observer);
    std::vector<Tensor> results = impl_->executor->run(ordered, &forwarder);
    outputs->clear();
    for (size_t i = 0; i < results.size(); ++i) outputs->push_back({impl_->outputs[i].name, std::move(results[i])});
  });
}

}  // namespace layerscope
