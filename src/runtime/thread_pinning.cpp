#include "runtime/thread_pinning.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>

#include "ir/error.h"

namespace layerscope {

namespace {

// On a worker thread: the core our pinning last bound it to (-1 = not pinned by us), so a run
// only makes the syscall when the pin changes.
thread_local int tl_pinned_core = -1;
// On a calling thread: how many workers of its pool may carry a pin (largest pinned team), so
// an AUTO run knows whether and how widely to release them.
thread_local int tl_pinned_team = 0;

cpu_set_t single_core(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return set;
}

bool set_own_affinity(const cpu_set_t& set) { return sched_setaffinity(0, sizeof set, &set) == 0; }

cpu_set_t own_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  LS_CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity failed: ", std::strerror(errno));
  return set;
}

}  // namespace

std::vector<int> allowed_cores() {
  cpu_set_t set = own_affinity();
  std::vector<int> cores;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cores.push_back(c);
  return cores;
}

std::string core_list_text(const std::vector<int>& cores) {
  std::string s;
  for (size_t i = 0; i < cores.size();) {
    size_t j = i;
    while (j + 1 < cores.size() && cores[j + 1] == cores[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(cores[i]);
    if (j > i) {
      s += '-';
      s += std::to_string(cores[j]);
    }
    i = j + 1;
  }
  return s;
}

void check_cores(const std::vector<int>& cores) {
  const std::vector<int> allowed = allowed_cores();
  std::set<int> seen;
  for (int c : cores) {
    LS_CHECK(std::binary_search(allowed.begin(), allowed.end(), c), "core ", c,
             " is not available to this process; allowed cores: ", core_list_text(allowed));
    LS_CHECK(seen.insert(c).second, "core ", c, " is listed twice; give each core once");
  }
}

WorkerPinning::WorkerPinning(const std::vector<int>& cores, int threads) {
  if (cores.empty() && tl_pinned_team == 0) return;  // AUTO, nothing to undo: no cost at all
  caller_mask_ = own_affinity();
  std::atomic<int> failed_core{-2};
  if (cores.empty()) {
    // Release the workers an earlier pinned run left bound: back to the caller's affinity.
#pragma omp parallel num_threads(tl_pinned_team)
    if (tl_pinned_core >= 0 && omp_get_thread_num() != 0) {
      if (!set_own_affinity(caller_mask_)) failed_core = -1;
      tl_pinned_core = -1;
    }
    tl_pinned_team = 0;
  } else {
    restore_caller_ = true;
    const int n = static_cast<int>(cores.size());
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      const int core = cores[t % n];
      if (t == 0) {
        if (!set_own_affinity(single_core(core))) failed_core = core;  // undone by the destructor
      } else if (tl_pinned_core != core) {
        if (set_own_affinity(single_core(core))) tl_pinned_core = core;
        else failed_core = core;
      }
    }
    tl_pinned_team = std::max(tl_pinned_team, threads);
  }
  const int bad = failed_core.load();
  if (bad != -2) {
    if (restore_caller_) set_own_affinity(caller_mask_);
    if (bad == -1) fail("could not release the worker threads' CPU affinity (sched_setaffinity failed)");
    fail("could not pin a worker thread to core ", bad, " (sched_setaffinity failed); allowed cores: ",
         core_list_text(allowed_cores()));
  }
}

WorkerPinning::~WorkerPinning() {
  if (restore_caller_) set_own_affinity(caller_mask_);
}

}  // namespace layerscope
