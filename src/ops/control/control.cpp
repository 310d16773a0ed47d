// Control flow: If, Loop, Scan. Their bodies are GRAPH attributes the loader decoded into graphs
// (onnx/model_loader.cpp); the executor plans and runs them per input shape (runtime/body_plans.h)
// through each op's OpDef::run_values, so every body node runs on the kernels the planner picks.
#include "ops/control/control_ops.h"

namespace layerscope {

void register_control_ops(OpRegistry& r) {
  control::register_if(r);
  control::register_loop(r);
  control::register_scan(r);
}

}  // namespace layerscope
