// The libgomp interposers behind OmpWorkMeter (see omp_work.h for why and what they measure).
// With no meter active they add one thread_local load and an indirect call per parallel region.
#include "profile/omp_work.h"

#include <dlfcn.h>
#include <omp.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>

#include "layerscope/workload.h"

namespace layerscope {

namespace {

// libgomp's own definition of `name`, the next one after ours in the lookup order.
void* next_symbol(const char* name) {
  void* p = dlsym(RTLD_NEXT, name);
  if (!p) {
    // Nothing to forward to means every parallel region would be lost: stop loudly.
    std::fprintf(stderr, "layerscope: cannot find libgomp's %s (%s)\n", name, dlerror());
    std::abort();
  }
  return p;
}

inline long long now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no syscall
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// On the thread that called OmpWorkMeter::start(): the meter its regions report to. Cleared
// while one of its regions runs, so regions nested inside a body are part of that body.
thread_local OmpWorkMeter* tl_meter = nullptr;
// On a team thread inside a metered region body: its slot, for barrier waits.
thread_local OmpWorkMeter::Slot* tl_slot = nullptr;

struct MeteredRegion {
  void (*fn)(void*);
  void* data;
  OmpWorkMeter::Slot* slots;
  int slot_count;
};

// Runs on every team thread in place of the region's body.
void metered_body(void* arg) {
  const MeteredRegion& r = *static_cast<MeteredRegion*>(arg);
  const int t = omp_get_thread_num();
  OmpWorkMeter::Slot* slot = t < r.slot_count ? &r.slots[t] : nullptr;
  tl_slot = slot;
  const long long begin = now_ns();
  r.fn(r.data);
  if (slot) slot->body_ns += now_ns() - begin;
  tl_slot = nullptr;
}

}  // namespace

// Friend of OmpWorkMeter: lets the interposers reach its counters.
struct OmpWorkAccess {
  static OmpWorkMeter::Slot* slots(OmpWorkMeter& m) { return m.slots_.data(); }
  static void add_region(OmpWorkMeter& m, long long ns) { m.region_ns_ += ns; }
};

OmpWorkMeter::OmpWorkMeter(int threads) : slots_(threads > 0 ? threads : 1) {}

OmpWorkMeter::~OmpWorkMeter() {
  if (tl_meter == this) tl_meter = nullptr;
}

void OmpWorkMeter::start() {
  for (Slot& s : slots_) s = Slot{};
  region_ns_ = 0;
  tl_meter = this;
}

void OmpWorkMeter::stop() { tl_meter = nullptr; }

}  // namespace layerscope

namespace layerscope {
namespace {

// A parallel region opened through libgomp entry point `real`: metered when the calling thread
// has an active meter. Every region entry point takes (fn, data, num_threads, ...).
template <typename Real, typename... Rest>
void region(Real real, void (*fn)(void*), void* data, unsigned num_threads, Rest... rest) {
  OmpWorkMeter* meter = tl_meter;
  if (!meter) return real(fn, data, num_threads, rest...);
  tl_meter = nullptr;
  MeteredRegion r{fn, data, OmpWorkAccess::slots(*meter), meter->threads()};
  const long long begin = now_ns();
  real(&metered_body, &r, num_threads, rest...);
  OmpWorkAccess::add_region(*meter, now_ns() - begin);
  tl_meter = meter;
}

// A libgomp call that may wait for the rest of the team: its time is not work.
template <typename Real, typename... Args>
void wait(Real real, Args... args) {
  OmpWorkMeter::Slot* slot = tl_slot;
  if (!slot) return real(args...);
  const long long begin = now_ns();
  real(args...);
  slot->barrier_ns += now_ns() - begin;
}

}  // namespace
}  // namespace layerscope

// The interposers, with libgomp's stable ABI signatures (GOMP_1.0 / GOMP_4.0 / GOMP_5.0).
// Regions: GOMP_parallel (`omp parallel`, and `parallel for` with a static schedule) and the
// combined `parallel for` forms with other schedules, which GCC emits instead of GOMP_parallel.
// Waits: explicit barriers and the end of an `omp for` without nowait. This library and
// libdnnl.so call nothing else that opens a region or waits (`nm -u`); a kernel that starts
// using sections, single or tasks would have those waits counted as work.
#define LS_REAL(name) static const auto real = reinterpret_cast<decltype(&name)>(layerscope::next_symbol(#name))

#define LS_PARALLEL_LOOP(name)                                                                                     \
  void name(void (*fn)(void*), void* data, unsigned num_threads, long start, long end, long incr, long chunk_size, \
            unsigned flags) {                                                                                      \
    LS_REAL(name);                                                                                                 \
    layerscope::region(real, fn, data, num_threads, start, end, incr, chunk_size, flags);                          \
  }
#define LS_PARALLEL_LOOP_RUNTIME(name)                                                                              \
  void name(void (*fn)(void*), void* data, unsigned num_threads, long start, long end, long incr, unsigned flags) { \
    LS_REAL(name);                                                                                                  \
    layerscope::region(real, fn, data, num_threads, start, end, incr, flags);                                       \
  }

extern "C" {

void GOMP_parallel(void (*fn)(void*), void* data, unsigned num_threads, unsigned flags) {
  LS_REAL(GOMP_parallel);
  layerscope::region(real, fn, data, num_threads, flags);
}

LS_PARALLEL_LOOP(GOMP_parallel_loop_static)
LS_PARALLEL_LOOP(GOMP_parallel_loop_dynamic)
LS_PARALLEL_LOOP(GOMP_parallel_loop_guided)
LS_PARALLEL_LOOP(GOMP_parallel_loop_nonmonotonic_dynamic)
LS_PARALLEL_LOOP(GOMP_parallel_loop_nonmonotonic_guided)
LS_PARALLEL_LOOP_RUNTIME(GOMP_parallel_loop_runtime)
LS_PARALLEL_LOOP_RUNTIME(GOMP_parallel_loop_nonmonotonic_runtime)
LS_PARALLEL_LOOP_RUNTIME(GOMP_parallel_loop_maybe_nonmonotonic_runtime)

void GOMP_barrier() {
  LS_REAL(GOMP_barrier);
  layerscope::wait(real);
}

void GOMP_loop_end() {  // the end of a dynamic/guided/runtime `omp for` without nowait
  LS_REAL(GOMP_loop_end);
  layerscope::wait(real);
}

}  // extern "C"

namespace layerscope {

namespace {

// True when the default lookup of `name` (what libdnnl.so's calls bind to) finds the definition
// in the object holding this code. Comparing with `&name` is not enough: in a shared object
// (e.g. a Python extension) `&name` itself goes through that lookup, so when libgomp comes
// first (loaded RTLD_GLOBAL before us) both sides are libgomp's and every region would bypass
// the meter, reporting all work on worker 0.
bool found_here(const char* name) {
  Dl_info found{}, here{};
  void* p = dlsym(RTLD_DEFAULT, name);
  return p && dladdr(p, &found) && dladdr(reinterpret_cast<void*>(&next_symbol), &here) &&
         found.dli_fbase == here.dli_fbase;
}

}  // namespace

bool OmpWorkMeter::available() { return found_here("GOMP_parallel") && found_here("GOMP_barrier"); }

bool enable_workload_measurement() {
  if (!OmpWorkMeter::available()) return false;
  install_work_meter([](int threads) -> std::unique_ptr<WorkMeter> { return std::make_unique<OmpWorkMeter>(threads); });
  return true;
}

}  // namespace layerscope
