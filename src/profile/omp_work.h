// OmpWorkMeter: how long each OpenMP thread really worked during a layer (the WorkLoad column).
//
// Why not the threads' CPU time (what the profiler first used): libgomp's idle workers spin
// (GOMP_SPINCOUNT: up to 300,000 pause iterations, milliseconds on this CPU) before they sleep,
// and spinning is CPU time. A layer that ran entirely on the calling thread (a reference
// kernel, a small elementwise op below the parallel threshold) still showed its idle worker
// about 50% busy, and every split drifted towards "balanced".
//
// What we measure instead: libgomp has no OMPT tool interface, so this file interposes the two
// libgomp entry points that compiled code - ours and oneDNN's libdnnl.so alike - calls:
//  * GOMP_parallel: every `#pragma omp parallel` (`parallel for` with a static schedule too).
//    While a meter is active on the calling thread, each team thread runs the region's body
//    through a wrapper that adds the wall time it spent in the body to its slot.
//  * GOMP_barrier and GOMP_loop_end: explicit barriers and the end of an `omp for` without
//    nowait (static and dynamic schedules). Time waiting there is subtracted: it is spinning,
//    not work.
// A thread's busy time in a layer is then its body time less its barrier waits; the calling
// thread (worker 0) also gets the layer's time outside any parallel region (serial code).
// Waiting before a region starts, at its closing barrier and between layers is not counted.
// Caveats: time a busy thread was preempted by another process counts as busy (wall clock, so
// that it costs two vDSO clock reads, ~20 ns each, per thread per region instead of CPU-clock
// syscalls); tasks run inside a barrier would count as waiting (neither we nor oneDNN use
// tasks).
// This file is the whole of the layerscope_workload library (profile/work_meter.h says why it
// is separate). It is linked statically into the executable, which exports the interposers
// because libdnnl.so refers to them, so the dynamic linker binds oneDNN's calls here too. They forward to libgomp's own
// through dlsym(RTLD_NEXT). available() checks that the interposition is really in effect; if not (e.g. this library
// loaded with dlopen(RTLD_LOCAL)), the profiler reports WorkLoad as unknown instead of a split
// that would miss oneDNN's threads.
#pragma once
#include <vector>

#include "profile/work_meter.h"

namespace layerscope {

class OmpWorkMeter final : public WorkMeter {
 public:
  // Slots for team threads 0..threads-1 (threads beyond are not counted).
  explicit OmpWorkMeter(int threads);
  ~OmpWorkMeter() override;
  OmpWorkMeter(const OmpWorkMeter&) = delete;
  OmpWorkMeter& operator=(const OmpWorkMeter&) = delete;

  // True when every GOMP_parallel call in the process (libdnnl.so's included) comes here.
  static bool available();

  // Zeroes the counters and starts accounting the parallel regions the calling thread opens.
  void start() override;
  // Stops accounting (on the thread that called start()).
  void stop() override;

  int threads() const { return static_cast<int>(slots_.size()); }
  // Since start(): nanoseconds team thread `t` spent in region bodies, less barrier waits.
  long long worked_ns(int t) const override { return slots_[t].body_ns - slots_[t].barrier_ns; }
  // Since start(): wall nanoseconds the calling thread spent inside parallel regions.
  long long region_ns() const override { return region_ns_; }

  // Per-thread counters, one cache line each so team threads never share a line.
  struct alignas(64) Slot {
    long long body_ns = 0;
    long long barrier_ns = 0;
  };

 private:
  friend struct OmpWorkAccess;
  std::vector<Slot> slots_;
  long long region_ns_ = 0;
};

}  // namespace layerscope
