// Registering existing kernels under a fused op's name: the fused ops that keep an ONNX op's
// inputs and attributes (the fused-domain Gelu and LayerNorm, ops/fused/transformer.h) are
// served by that op's kernels unchanged.
#pragma once
#include <string>
#include <utility>

#include "kernels/kernel_registry.h"

namespace layerscope {

using OpKey = std::pair<std::string, std::string>;  // (domain, op_type)

// Every kernel registered so far for `from` is registered again for `to`.
inline void alias_kernels(KernelRegistry& r, const OpKey& from, const OpKey& to) {
  for (const KernelDef* k : r.kernels_for(from.first, from.second)) {
    KernelDef d = *k;
    d.domain = to.first;
    d.op_type = to.second;
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
