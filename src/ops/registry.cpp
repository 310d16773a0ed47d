#include "ops/registry.h"

#include <algorithm>

namespace layerscope {

void Registry::add_op(OpDef def) {
  LS_CHECK(def.infer && def.reference, "op ", def.op_type, " registered without infer or reference");
  auto& defs = ops_[{def.domain, def.op_type}];
  for (const OpDef& d : defs)
    LS_CHECK(def.until < d.since || def.since > d.until, "op ", def.op_type, " registered twice for opset ",
             def.since);
  defs.push_back(std::move(def));
  std::sort(defs.begin(), defs.end(), [](const OpDef& a, const OpDef& b) { return a.since < b.since; });
}

void Registry::add_kernel(KernelDef def) {
  auto& defs = kernels_[{def.domain, def.op_type}];
  defs.push_back(std::move(def));
  std::stable_sort(defs.begin(), defs.end(),
                   [](const KernelDef& a, const KernelDef& b) { return a.priority > b.priority; });
}

const OpDef* Registry::find_op(const std::string& domain, const std::string& op_type, int opset) const {
  auto it = ops_.find({domain, op_type});
  if (it == ops_.end()) return nullptr;
  for (const OpDef& d : it->second)
    if (opset >= d.since && opset <= d.until) return &d;
  return nullptr;
}

std::string Registry::attribute_problem(const Node& n) const {
  auto it = ops_.find({n.domain, n.op_type});
  const OpDef* def = find_op(n.domain, n.op_type, n.opset);
  return def ? layerscope::attribute_problem(*def, n, it->second) : std::string();
}

std::string Registry::supported_opsets(const std::string& domain, const std::string& op_type) const {
  auto it = ops_.find({domain, op_type});
  if (it == ops_.end()) return "";
  std::string s;
  for (const OpDef& d : it->second) {
    if (!s.empty()) s += ", ";
    s += std::to_string(d.since) + "-" + (d.until == INT_MAX ? std::string("") : std::to_string(d.until));
  }
  return "opsets " + s;
}

std::vector<const KernelDef*> Registry::kernels_for(const std::string& domain, const std::string& op_type) const {
  std::vector<const KernelDef*> out;
  auto it = kernels_.find({domain, op_type});
  if (it != kernels_.end())
    for (const KernelDef& k : it->second) out.push_back(&k);
  return out;
}

std::vector<std::pair<std::string, std::string>> Registry::op_names() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, defs] : ops_) out.push_back(key);
  return out;
}

std::vector<const OpDef*> Registry::all_ops() const {
  std::vector<const OpDef*> out;
  for (const auto& [key, defs] : ops_)
    for (const OpDef& d : defs) out.push_back(&d);
  return out;
}

const Registry& Registry::builtin() {
  static const Registry registry = [] {
    Registry r;
    register_elementwise_ops(r);
    register_shape_ops(r);
    register_tensor_ops(r);
    register_nn_ops(r);
    register_reduce_ops(r);
    register_fused_conv_ops(r);
    register_fused_transformer_ops(r);
    register_native_kernels(r);
    register_onednn_kernels(r);
    return r;
  }();
  return registry;
}

namespace {
class ReferenceKernel final : public Kernel {
 public:
  explicit ReferenceKernel(const OpDef& def) : def_(def) {}
  std::string name() const override { return "ref"; }
  void prepare(const KernelSetup& s) override { node_ = &s.node; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    def_.reference(*node_, in, out);
  }

 private:
  const OpDef& def_;
  const Node* node_ = nullptr;
};
}  // namespace

std::unique_ptr<Kernel> make_reference_kernel(const OpDef& def) { return std::make_unique<ReferenceKernel>(def); }

}  // namespace layerscope
