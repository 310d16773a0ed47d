// Buffer sharing between values (the aliasing part of the memory plan): a kernel that offers
// it (Kernel::output_sharing) may have its output 0 placed in one input's buffer, as a view
// (Reshape & co.: no copy at all) or in place (elementwise ops overwriting an input that dies
// at that step). Values sharing one buffer form a group; memory_planner.cpp gives each group
// one block spanning all its members' lifetimes.
#pragma once
#include <vector>

#include "runtime/plan.h"

namespace layerscope {

// Bytes a slot's buffer holds (blocked layouts include their channel padding).
int64_t slot_held_bytes(const Slot& slot);

// Needs Slot::first_step/last_step. Decides, step by step in execution order, which outputs
// share an input's buffer, tells each offering kernel the answer (Kernel::set_output_shared)
// and returns, per value, its group: the value whose buffer it uses (itself if it owns one).
std::vector<int> share_buffers(ExecutionPlan& plan);

}  // namespace layerscope
