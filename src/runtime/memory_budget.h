// The memory a plan may use (SessionOptions::max_memory_bytes, `--max-memory`): every tensor
// size is checked against it while shapes are inferred, before anything is allocated, and the
// whole plan (activation arena + weights + packed weights) once it is laid out. A model that
// declares enormous tensors is refused with a message naming the node and the sizes, instead of
// the process being killed by the kernel's OOM killer halfway through an allocation.
#pragma once
#include <cstdint>
#include <string>

#include "ops/op_def.h"

namespace layerscope {

struct MemoryBudget {
  uint64_t bytes = 0;
  bool from_option = false;      // set by the caller; else the machine's available memory
  std::string describe() const;  // "12.00 GiB (--max-memory)" / "... (available memory)"
};

// MemAvailable from /proc/meminfo, lowered to the cgroup's memory.max when that is smaller
// (containers); a conservative 1 GiB if neither can be read.
uint64_t available_memory_bytes();

// `requested` bytes, or the machine's available memory when 0.
MemoryBudget memory_budget(uint64_t requested);

// Whether a tensor of `t`'s type and shape can be counted and fits `budget` (the test
// check_tensor_fits makes, without building its message: for per-run callers).
bool tensor_fits(const TensorInfo& t, const MemoryBudget& budget);
// Throws Error("<what> would have shape (...) ...") when `t` overflows or exceeds the budget.
void check_tensor_fits(const TensorInfo& t, const MemoryBudget& budget, const std::string& what);

}  // namespace layerscope
