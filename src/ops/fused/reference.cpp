#include "ops/fused/reference.h"

#include <map>

namespace layerscope::fused_ref {

Node AbsorbedActivation::as_node(const Node& fused) const {
  Attributes own;
  for (const AttrSpec& s : attributes)
    if (fused.attrs.has(s.name)) own.set(s.name, fused.attrs.all().at(s.name));
  return as_onnx(fused, op_type.c_str(), opset, std::move(own));
}

void AbsorbedActivation::check(const InferContext& fused, const TensorInfo& y) const {
  if (!infer) return;
  Node n = as_node(fused.node());
  n.inputs = {0};  // one input and one output: the placeholders' ids are never looked up
  n.outputs = {0};
  InferContext c(n, {y}, {nullptr});
  infer(c);
}

void AbsorbedActivation::apply(const Node& fused, Tensor& y) const {
  const Tensor* in[] = {&y};
  Tensor* out[] = {&y};
  reference(as_node(fused), in, out);
}

std::vector<AbsorbedActivation> absorbable_activations(const OpRegistry& r) {
  // The newest definition of each ONNX op with the trait (all_ops() lists each op by opset).
  std::map<std::string, const OpDef*> newest;
  for (const OpDef* d : r.all_ops())
    if (d->domain.empty() && d->activation) newest[d->op_type] = d;
  std::vector<AbsorbedActivation> out;
  for (const auto& [op_type, d] : newest) {
    // The definition whose attributes the fused node carries (Clip: the opset 1-10 form).
    const int opset = d->activation->attributes_opset;
    const OpDef& form = opset ? onnx_op(r, op_type.c_str(), opset) : *d;
    LS_CHECK(form.activation.has_value(), "'", op_type, "' opset ", opset, " lacks the activation trait");
    AbsorbedActivation a;
    a.op_type = op_type;
    a.opset = form.since;
    a.attributes = attributes_at(form, form.until);  // those of its newest opset
    a.infer = form.infer;
    a.reference = form.reference;
    a.post_ops = form.activation->post_ops;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace layerscope::fused_ref
