// Pinned parallel runs for the calibration kernels. Fresh std::threads per run rather than
// the OpenMP pool: the runtime's own binding policy (OMP_PROC_BIND, oneDNN) must not decide
// where a calibration thread lands, and each thread must be alone on its CPU.
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "profile/machine_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include "util/simd.h"
#define LS_CPU_RELAX() _mm_pause()
#else
#define LS_CPU_RELAX() std::this_thread::yield()
#endif

namespace layerscope::machine_detail {

bool pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // pid 0 = the calling thread only (Linux affinity is per thread).
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

namespace {
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

double run_pinned(const std::vector<int>& cpus, const std::function<void(int)>& body,
                  std::vector<double>* cpu_seconds) {
  using Clock = std::chrono::steady_clock;
  const int n = static_cast<int>(cpus.size());
  std::atomic<int> arrived{0};
  std::atomic<bool> go{false};
  Clock::time_point start;
  std::vector<Clock::time_point> finish(n);
  std::vector<double> busy(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      pin_current_thread(cpus[i]);
      // The last thread to arrive starts the clock, so thread creation and migration to
      // the target CPU are not timed. The launching thread only blocks in join() and does
      // not compete for a CPU.
      if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
        start = Clock::now();
        go.store(true, std::memory_order_release);
      } else {
        while (!go.load(std::memory_order_acquire)) LS_CPU_RELAX();
      }
      const double cpu0 = thread_cpu_seconds();
      body(i);
      finish[i] = Clock::now();
      busy[i] = thread_cpu_seconds() - cpu0;
    });
  }
  for (auto& t : threads) t.join();
  if (cpu_seconds) *cpu_seconds = std::move(busy);
  Clock::time_point end = *std::max_element(finish.begin(), finish.end());
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace layerscope::machine_detail
