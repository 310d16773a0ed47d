#include "registry/registry.h"

namespace layerscope {

const Registry& Registry::builtin() {
  static const Registry registry = [] {
    Registry r;
    register_builtin_ops(r);
    register_builtin_kernels(r, r);
    return r;
  }();
  return registry;
}

}  // namespace layerscope
