#include "ops/op_registry.h"

#include <algorithm>

namespace layerscope {

void OpRegistry::add_op(OpDef def) {
  LS_CHECK(def.infer && def.reference, "op ", def.op_type, " registered without infer or reference");
  auto& defs = ops_[{def.domain, def.op_type}];
  for (const OpDef& d : defs)
    LS_CHECK(def.until < d.since || def.since > d.until, "op ", def.op_type, " registered twice for opset ", def.since);
  defs.push_back(std::move(def));
  std::sort(defs.begin(), defs.end(), [](const OpDef& a, const OpDef& b) { return a.since < b.since; });
}

const OpDef* OpRegistry::find_op(const std::string& domain, const std::string& op_type, int opset) const {
  auto it = ops_.find({domain, op_type});
  if (it == ops_.end()) return nullptr;
  for (const OpDef& d : it->second)
    if (opset >= d.since && opset <= d.until) return &d;
  return nullptr;
}

std::string OpRegistry::attribute_problem(const Node& n) const {
  auto it = ops_.find({n.domain, n.op_type});
  const OpDef* def = find_op(n.domain, n.op_type, n.opset);
  return def ? layerscope::attribute_problem(*def, n, it->second) : std::string();
}

std::string OpRegistry::supported_opsets(const std::string& domain, const std::string& op_type) const {
  auto it = ops_.find({domain, op_type});
  if (it == ops_.end()) return "";
  std::string s;
  for (const OpDef& d : it->second) {
    if (!s.empty()) s += ", ";
    s += std::to_string(d.since) + "-" + (d.until == INT_MAX ? std::string("") : std::to_string(d.until));
  }
  return "opsets " + s;
}

std::vector<std::pair<std::string, std::string>> OpRegistry::op_names() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, defs] : ops_) out.push_back(key);
  return out;
}

std::vector<const OpDef*> OpRegistry::all_ops() const {
  std::vector<const OpDef*> out;
  for (const auto& [key, defs] : ops_)
    for (const OpDef& d : defs) out.push_back(&d);
  return out;
}

void register_builtin_ops(OpRegistry& r) {
  register_elementwise_ops(r);
  register_shape_ops(r);
  register_tensor_ops(r);
  register_nn_ops(r);
  register_reduce_ops(r);
  register_control_ops(r);
  register_sequence_ops(r);
  register_quant_ops(r);
  register_signal_ops(r);
  register_random_ops(r);
  register_image_ops(r);
  register_fused_conv_ops(r);
  register_fused_transformer_ops(r);
}

}  // namespace layerscope
