#include "ops/registry.h"

namespace layerscope {

void register_nn_linear_ops(Registry& r) {}

}  // namespace layerscope
