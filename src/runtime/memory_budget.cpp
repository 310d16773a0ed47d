#include "runtime/memory_budget.h"

#include <fstream>
#include <sstream>

#include "ir/error.h"
#include "ir/tensor_size.h"
#include "util/text.h"

namespace layerscope {

namespace {

uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return 0;
}

// cgroup v2 memory.max ("max" or a byte count) minus what the group already uses.
uint64_t cgroup_available() {
  std::ifstream max_in("/sys/fs/cgroup/memory.max"), cur_in("/sys/fs/cgroup/memory.current");
  std::string max_text;
  uint64_t current = 0;
  if (!(max_in >> max_text) || max_text == "max") return 0;
  uint64_t limit = 0;
  try {
    limit = std::stoull(max_text);
  } catch (...) {
    return 0;
  }
  if (cur_in >> current && current < limit) return limit - current;
  return limit;
}

}  // namespace

std::string MemoryBudget::describe() const {
  return bytes_text(static_cast<double>(bytes)) + (from_option ? " (--max-memory)" : " (available memory)");
}

uint64_t available_memory_bytes() {
  uint64_t mem = meminfo_available();
  uint64_t cg = cgroup_available();
  if (cg && (!mem || cg < mem)) mem = cg;
  return mem ? mem : uint64_t{1} << 30;
}

MemoryBudget memory_budget(uint64_t requested) {
  MemoryBudget b;
  b.from_option = requested != 0;
  b.bytes = requested ? requested : available_memory_bytes();
  return b;
}

bool tensor_fits(const TensorInfo& t, const MemoryBudget& budget) {
  const std::optional<int64_t> bytes = checked_nbytes(t.dtype, t.shape);
  return bytes && static_cast<uint64_t>(*bytes) <= budget.bytes;
}

void check_tensor_fits(const TensorInfo& t, const MemoryBudget& budget, const std::string& what) {
  if (tensor_fits(t, budget)) return;
  std::optional<int64_t> bytes = checked_nbytes(t.dtype, t.shape);
  if (!bytes) {
    for (int64_t d : t.shape)
      LS_CHECK(d >= 0, what, " would have shape ", shape_to_string(t.shape), ": a negative dimension");
    fail_with(StatusCode::kResourceExhausted, what, " would have shape ", shape_to_string(t.shape), " of ",
              dtype_name(t.dtype), ": more elements than a 64-bit size can count");
  }
  if (static_cast<uint64_t>(*bytes) > budget.bytes)
    fail_with(StatusCode::kResourceExhausted, what, " would have shape ", shape_to_string(t.shape), " of ",
              dtype_name(t.dtype), " = ", bytes_text(static_cast<double>(*bytes)), ", more than the memory limit of ",
              budget.describe(), "; nothing was allocated");
}

}  // namespace layerscope
