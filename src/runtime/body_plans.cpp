#include "runtime/body_plans.h"

#include "ir/error.h"
#include "runtime/executor.h"

namespace layerscope {

BodyPlans::~BodyPlans() = default;

namespace {

// How a given body input is bound: a tensor's dtype and shape, a sequence's or optional's type.
TensorInfo binding_of(const AnyValue& v) {
  if (v.is_tensor()) return TensorInfo{v.tensor.dtype(), v.tensor.shape()};
  return TensorInfo{v.dtype, {}, v.type};
}

}  // namespace

std::vector<AnyValue> BodyPlans::run(const Graph& body, const std::vector<AnyValue>& given,
                                     ExecutionObserver* observer) {
  LS_CHECK(given.size() == body.inputs.size(), "body graph '", body.name, "' takes ", body.inputs.size(),
           " inputs, given ", given.size());
  // A tensor or sequence is a value of an optional type too: a body input declared optional
  // gets it wrapped (a Loop body whose optional carried value it returns as a plain sequence).
  std::vector<AnyValue> inputs = given;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (body.values[body.inputs[i]].type.kind == ValueKind::Optional && inputs[i].type.kind != ValueKind::Optional)
      inputs[i] = AnyValue::optional_of(std::move(inputs[i]));
  std::string signature;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = body.values[body.inputs[i]];
    const TensorInfo given = binding_of(inputs[i]);
    LS_CHECK(!inputs[i].unset(), "body graph '", body.name, "': input '", v.name, "' has no value");
    LS_CHECK(v.dtype == DType::Undefined || given.dtype == DType::Undefined || v.dtype == given.dtype, "body graph '",
             body.name, "': input '", v.name, "' is declared ", dtype_name(v.dtype), " but is given ",
             inputs[i].describe());
    signature += value_type_name(given.type, given.dtype) + shape_to_string(given.shape);
  }
  auto key = std::make_pair(&body, std::move(signature));
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    if (plans_.size() >= kMaxPlans) plans_.clear();
    InputBinding binding;
    for (size_t i = 0; i < inputs.size(); ++i) binding[body.values[body.inputs[i]].name] = binding_of(inputs[i]);
    auto executor = std::make_unique<Executor>(build_plan(body, binding, registry_, options_));
    it = plans_.emplace(std::move(key), std::move(executor)).first;
  }
  return it->second->run_values(inputs, observer);
}

}  // namespace layerscope
