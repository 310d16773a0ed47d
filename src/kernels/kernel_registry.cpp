#include "kernels/kernel_registry.h"

#include <algorithm>

namespace layerscope {

void KernelRegistry::add_kernel(KernelDef def) {
  auto& defs = kernels_[{def.domain, def.op_type}];
  defs.push_back(std::move(def));
  std::stable_sort(defs.begin(), defs.end(),
                   [](const KernelDef& a, const KernelDef& b) { return a.priority > b.priority; });
}

std::vector<const KernelDef*> KernelRegistry::kernels_for(const std::string& domain, const std::string& op_type) const {
  std::vector<const KernelDef*> out;
  auto it = kernels_.find({domain, op_type});
  if (it != kernels_.end())
    for (const KernelDef& k : it->second) out.push_back(&k);
  return out;
}

const KernelDef* select_kernel(const KernelRegistry& kernels, const KernelSetup& s) {
  const bool plain = s.all_plain();
  for (const KernelDef* k : kernels.kernels_for(s.node.domain, s.node.op_type)) {
    if (!plain && !k->accepts_layouts) continue;
    if (k->supports && !k->supports(s)) continue;
    return k;
  }
  return nullptr;
}

void register_builtin_kernels(KernelRegistry& r, const OpRegistry& ops) {
  register_native_kernels(r, ops);
  register_onednn_kernels(r, ops);
}

}  // namespace layerscope
