// Registry: every op definition and every kernel the runtime knows, the one object the planner,
// the passes and the API consult. It sits above ops/ and kernels/ (it includes both, neither
// includes it): ops never see kernels, kernels implement ops.
#pragma once
#include "kernels/kernel_registry.h"
#include "ops/op_registry.h"

namespace layerscope {

class Registry : public OpRegistry, public KernelRegistry {
 public:
  // The process-wide registry: register_builtin_ops(), then register_builtin_kernels() over them.
  static const Registry& builtin();
};

}  // namespace layerscope
