// Pinning the OpenMP workers to chosen CPU cores (SessionOptions::cores, `--cores 0,1`): the
// reference tool's NPU core mask, for a CPU. Worker i (the caller is worker 0) runs on
// cores[i % cores.size()].
//
// libgomp keeps one worker pool per calling thread and reuses its threads across parallel
// regions, so pinning is done from inside a parallel region, each worker setting its own
// affinity (sched_setaffinity), and undone the same way when the run ends.
#pragma once
#include <sched.h>

#include <string>
#include <vector>

namespace layerscope {

// The CPUs this process may run on (the calling thread's affinity mask), ascending.
std::vector<int> allowed_cores();

// "0-3,6" style text of a sorted list of core ids.
std::string core_list_text(const std::vector<int>& cores);

// Throws Error unless every id is in allowed_cores() and none is listed twice; the message
// names the bad id and the allowed set.
void check_cores(const std::vector<int>& cores);

// For the duration of one run: pins the `threads` workers of the calling thread's OpenMP pool
// (the caller is worker 0) to `cores` (empty = AUTO: no pinning, no cost). The destructor gives
// every worker, and the caller, the caller's affinity from before the run back, so the host
// program's own OpenMP regions never inherit our pins (a library is a guest).
// Cost with cores, per run: two parallel regions and one affinity syscall per worker at each
// end, plus one on the caller to save its mask: a few microseconds.
class WorkerPinning {
 public:
  WorkerPinning(const std::vector<int>& cores, int threads);
  ~WorkerPinning();
  WorkerPinning(const WorkerPinning&) = delete;
  WorkerPinning& operator=(const WorkerPinning&) = delete;

 private:
  void release() noexcept;

  int threads_ = 1;
  bool pinned_ = false;
  cpu_set_t caller_mask_;
};

}  // namespace layerscope
