#include "runtime/body_plans.h"

#include "ir/error.h"
#include "runtime/executor.h"

namespace layerscope {

BodyPlans::~BodyPlans() = default;

std::vector<Tensor> BodyPlans::run(const Graph& body, const std::vector<Tensor>& inputs) {
  LS_CHECK(inputs.size() == body.inputs.size(), "body graph '", body.name, "' takes ", body.inputs.size(),
           " inputs, given ", inputs.size());
  std::string signature;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = body.values[body.inputs[i]];
    LS_CHECK(!inputs[i].empty(), "body graph '", body.name, "': input '", v.name, "' has no value");
    LS_CHECK(v.dtype == DType::Undefined || v.dtype == inputs[i].dtype(), "body graph '", body.name, "': input '",
             v.name, "' is declared ", dtype_name(v.dtype), " but is given ", dtype_name(inputs[i].dtype()));
    signature += std::to_string(static_cast<int>(inputs[i].dtype())) + shape_to_string(inputs[i].shape());
  }
  auto key = std::make_pair(&body, std::move(signature));
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    if (plans_.size() >= kMaxPlans) plans_.clear();
    InputBinding binding;
    for (size_t i = 0; i < inputs.size(); ++i)
      binding[body.values[body.inputs[i]].name] = TensorInfo{inputs[i].dtype(), inputs[i].shape()};
    auto executor = std::make_unique<Executor>(build_plan(body, binding, registry_, options_));
    it = plans_.emplace(std::move(key), std::move(executor)).first;
  }
  return it->second->run(inputs);
}

}  // namespace layerscope
