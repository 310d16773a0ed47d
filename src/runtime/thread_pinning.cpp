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

WorkerPinning::WorkerPinning(const std::vector<int>& cores, int threads) : threads_(threads) {
  if (cores.empty()) return;  // AUTO: no pinning, no cost
  caller_mask_ = own_affinity();
  pinned_ = true;
  std::atomic<int> failed_core{-1};
  const int n = static_cast<int>(cores.size());
#pragma omp parallel num_threads(threads)
  {
    const int core = cores[omp_get_thread_num() % n];
    if (!set_own_affinity(single_core(core))) failed_core = core;
  }
  const int bad = failed_core.load();
  if (bad >= 0) {
    release();
    fail("could not pin a worker thread to core ", bad,
         " (sched_setaffinity failed); allowed cores: ", core_list_text(allowed_cores()));
  }
}

// Every worker of the team, the caller included, gets the caller's affinity from before the
// run back: the host program's own parallel regions reuse these threads.
void WorkerPinning::release() noexcept {
  if (!pinned_) return;
  pinned_ = false;
  const cpu_set_t mask = caller_mask_;
#pragma omp parallel num_threads(threads_)
  set_own_affinity(mask);
  set_own_affinity(mask);
}

WorkerPinning::~WorkerPinning() { release(); }

}  // namespace layerscope
