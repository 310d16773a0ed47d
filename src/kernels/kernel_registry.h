// KernelRegistry: the kernels the runtime may choose for each op (kernels are data: several may
// serve one op, each with a supports() check and a priority). Each backend registers its
// kernels from one function, given the op definitions (a kernel may serve every op of a kind,
// e.g. each fused convolution); registry/registry.h holds both lists.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/kernel.h"

namespace layerscope {

class OpRegistry;

class KernelRegistry {
 public:
  void add_kernel(KernelDef def);
  // Kernels registered for (domain, op_type), highest priority first.
  std::vector<const KernelDef*> kernels_for(const std::string& domain, const std::string& op_type) const;

 private:
  std::map<std::pair<std::string, std::string>, std::vector<KernelDef>> kernels_;
};

// The kernel the planner uses for a node: the highest-priority registered kernel whose
// supports() accepts `s` (and, when `s` has non-Plain layouts, that accepts layouts), or
// nullptr (the op's reference kernel then runs). Also what the layout pass asks.
const KernelDef* select_kernel(const KernelRegistry& kernels, const KernelSetup& s);

// One function per backend (kernels/native/, kernels/onednn/).
void register_native_kernels(KernelRegistry& r, const OpRegistry& ops);
void register_onednn_kernels(KernelRegistry& r, const OpRegistry& ops);

// Every backend, in order.
void register_builtin_kernels(KernelRegistry& r, const OpRegistry& ops);

}  // namespace layerscope
