#include "kernels/kernel.h"
#include "ops/registry.h"

namespace layerscope {

const KernelDef* select_kernel(const Registry& registry, const KernelSetup& s) {
  const bool plain = s.all_plain();
  for (const KernelDef* k : registry.kernels_for(s.node.domain, s.node.op_type)) {
    if (!plain && !k->accepts_layouts) continue;
    if (k->supports && !k->supports(s)) continue;
    return k;
  }
  return nullptr;
}

}  // namespace layerscope
