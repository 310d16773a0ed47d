#include "passes/layout_rules.h"

#include <set>
#include <string>

namespace layerscope {

namespace {

// ONNX ops computing each output element from the same-index elements of their inputs.
const std::set<std::string>& positionwise_ops() {
  static const std::set<std::string> ops = {
      // unary math and activations
      "Abs", "Neg", "Floor", "Ceil", "Round", "Reciprocal", "Sqrt", "Exp", "Log", "Sin", "Cos", "Tan", "Asin",
      "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Sign", "Relu", "LeakyRelu", "Elu", "Selu",
      "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Tanh", "ThresholdedRelu", "Mish",
      "Gelu", "Clip",
      // binary / variadic arithmetic (position-wise when no input broadcasts beyond a scalar)
      "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean"};
  return ops;
}

}  // namespace

bool is_positionwise(const Node& n, const std::vector<TensorInfo>& inputs) {
  const bool onnx = n.domain.empty() || (n.domain == kFusedDomain && n.op_type == "Gelu");
  if (!onnx || !positionwise_ops().count(n.op_type) || n.outputs.size() != 1 || inputs.empty()) return false;
  const Shape& shape = inputs[0].shape;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (k < n.inputs.size() && n.inputs[k] < 0) continue;
    if (inputs[k].shape != shape && shape_numel(inputs[k].shape) != 1) return false;
  }
  return true;
}

bool layout_transparent(const Node& n, const std::vector<TensorInfo>& inputs, const std::vector<Layout>& in_layouts,
                        const std::vector<Layout>& out_layouts) {
  if (!is_positionwise(n, inputs)) return false;
  // Same-shape operands share one element order; none may hold channel padding (a scalar
  // operand is always Plain).
  const Shape& shape = inputs[0].shape;
  for (const std::vector<Layout>* ls : {&in_layouts, &out_layouts})
    for (Layout l : *ls)
      if (!padding_free(shape, l)) return false;
  return true;
}

}  // namespace layerscope
