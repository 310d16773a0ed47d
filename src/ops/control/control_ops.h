// The control-flow family (If, Loop, Scan): one register function per op, called by
// register_control_ops (control.cpp).
#pragma once
#include "ops/control/control_common.h"
#include "ops/op_registry.h"

namespace layerscope::control {

void register_if(OpRegistry& r);
void register_loop(OpRegistry& r);
void register_scan(OpRegistry& r);

}  // namespace layerscope::control
