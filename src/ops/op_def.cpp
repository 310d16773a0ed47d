#include "ops/op_def.h"

namespace layerscope {

std::string Graph::describe(const Node& n) {
  std::string d = "'" + n.op_type + "' node '" + n.name + "'";
  if (!n.domain.empty()) d += " (domain " + n.domain + ")";
  d += " (opset " + std::to_string(n.opset) + ")";
  return d;
}

std::vector<int64_t> InferContext::int_values(int i) const {
  const Tensor& t = value(i);
  std::vector<int64_t> v(t.numel());
  if (t.dtype() == DType::I64) {
    for (int64_t k = 0; k < t.numel(); ++k) v[k] = t.data_as<int64_t>()[k];
  } else if (t.dtype() == DType::I32) {
    for (int64_t k = 0; k < t.numel(); ++k) v[k] = t.data_as<int32_t>()[k];
  } else {
    error("input ", i, " must be int32 or int64, got ", dtype_name(t.dtype()));
  }
  return v;
}

void InferContext::expect_inputs(int min, int max) const {
  int n = 0;
  for (int i = 0; i < num_inputs(); ++i) n = has_input(i) ? i + 1 : n;
  if (n < min || num_inputs() > max) error("expected ", min, "..", max, " inputs, got ", num_inputs());
  for (int i = 0; i < min; ++i)
    if (!has_input(i)) error("required input ", i, " is missing");
}

void InferContext::expect_dtype_in(int i, std::initializer_list<DType> allowed) const {
  for (DType d : allowed)
    if (dtype(i) == d) return;
  std::string names;
  for (DType d : allowed) names += std::string(names.empty() ? "" : ", ") + dtype_name(d);
  error("input ", i, " has type ", dtype_name(dtype(i)), "; expected one of ", names);
}

Cost bytes_only_cost(const CostContext& c) {
  Cost cost;
  for (const TensorInfo& t : c.inputs)
    if (t.dtype != DType::Undefined) cost.bytes_read += t.bytes();
  for (const TensorInfo& t : c.outputs) cost.bytes_written += t.bytes();
  return cost;
}

}  // namespace layerscope
