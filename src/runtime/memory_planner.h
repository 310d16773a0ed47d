// Places every intermediate tensor (and each step's scratch) of a plan in one arena.
#pragma once
#include "runtime/plan.h"

namespace layerscope {

// Fills Slot::first_step/last_step/offset/buffer, Step::scratch_offset/release_after and
// plan.arena_bytes. Tensors whose lifetimes overlap never share bytes, except an output its
// kernel allowed to live in an input's buffer (a view, or in place: runtime/memory_sharing.h).
void plan_memory(ExecutionPlan& plan);

}  // namespace layerscope
