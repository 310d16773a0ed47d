#include "passes/layout_rules.h"

namespace layerscope {

bool is_positionwise(const OpDef& def, const Node& n, const std::vector<TensorInfo>& inputs) {
  if (!def.position_wise || n.outputs.size() != 1 || inputs.empty()) return false;
  const Shape& shape = inputs[0].shape;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (k < n.inputs.size() && n.inputs[k] < 0) continue;
    if (inputs[k].shape != shape && shape_numel(inputs[k].shape) != 1) return false;
  }
  return true;
}

bool layout_transparent(const OpDef& def, const Node& n, const std::vector<TensorInfo>& inputs,
                        const std::vector<Layout>& in_layouts, const std::vector<Layout>& out_layouts) {
  if (!is_positionwise(def, n, inputs)) return false;
  // Same-shape operands share one element order; none may hold channel padding (a scalar
  // operand is always Plain).
  const Shape& shape = inputs[0].shape;
  for (const std::vector<Layout>* ls : {&in_layouts, &out_layouts})
    for (Layout l : *ls)
      if (!padding_free(shape, l)) return false;
  return true;
}

}  // namespace layerscope
