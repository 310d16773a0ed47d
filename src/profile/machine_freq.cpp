// Core clock: a chain of dependent register-register adds. Each add needs the previous
// result, and an integer add has 1 cycle latency on every x86-64 core, so the chain runs at
// exactly one add per cycle whatever the issue width: cycles = adds executed, and
// GHz = adds / seconds / 1e9. The loop counter update is independent and overlaps with the
// chain. (Register-register form on purpose: some cores fold add-immediate chains at rename.)
// This measures the clock the core actually runs at (turbo included), which /proc/cpuinfo
// under a hypervisor does not show.
#include <algorithm>

#include "profile/machine_internal.h"

namespace layerscope::machine_detail {

namespace {

constexpr int kAddsPerIteration = 128;

#if defined(__x86_64__)
__attribute__((noinline)) uint64_t add_chain(uint64_t iterations) {
  uint64_t x = 0;
  const uint64_t one = 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    __asm__ volatile(".rept 128\n\tadd %1, %0\n\t.endr" : "+r"(x) : "r"(one));
  }
  return x;
}
static_assert(kAddsPerIteration == 128, "keep in sync with .rept above");
#endif

volatile uint64_t g_sink;

}  // namespace

double measure_clock_ghz(int cpu, double seconds, int reps) {
#if defined(__x86_64__)
  const std::vector<int> one_cpu{cpu};
  // Seconds the chain actually ran: wall time, less any time the thread was descheduled
  // (on a busy machine other processes take the CPU away mid-run; those cycles are not ours).
  auto timed = [&](uint64_t iterations) {
    std::vector<double> cpu;
    double wall = run_pinned(
        one_cpu, [&](int) { g_sink = add_chain(iterations); }, &cpu);
    return cpu[0] > 0 ? std::min(wall, cpu[0]) : wall;
  };
  // Size the run: grow until it takes >= 2 ms, then scale to the target duration.
  uint64_t iterations = 1 << 10;
  double t = timed(iterations);
  while (t < 2e-3 && iterations < (uint64_t{1} << 40)) {
    iterations *= 4;
    t = timed(iterations);
  }
  iterations = std::max<uint64_t>(iterations, static_cast<uint64_t>(iterations * seconds / t));
  // Interruptions the CPU-time correction cannot see (interrupts, a hypervisor's steal) only
  // make a run slower, so the fastest run is the closest to the true clock.
  double best = 0;
  for (int r = 0; r < std::max(1, reps); ++r) {
    double s = timed(iterations);
    if (s > 0) best = std::max(best, static_cast<double>(iterations) * kAddsPerIteration / s / 1e9);
  }
  return best;
#else
  return 0.0;
#endif
}

}  // namespace layerscope::machine_detail
