// Peak multiply-accumulate micro-kernels. Each kernel keeps 12 independent accumulators in
// vector registers and updates every one once per loop iteration: with FMA latency ~4-6
// cycles and up to two FMA pipes, >= 8-12 chains in flight are needed to saturate the pipes,
// and 12 accumulators + 2 operands still fit in 16 (AVX2) or 32 (AVX-512) registers, so the
// loop has no loads or stores. Each kernel is compiled for its own target (attribute), so
// this file builds without -march flags; cpuid decides at run time which ones may run.
//
// MACs counted per instruction (per vector lane -> per instruction):
//   vfmadd*ps:    1 per fp32 lane           (zmm: 16, ymm: 8)
//   vdpbf16ps:    2 per fp32 lane (bf16 pair products summed into fp32)   (zmm: 32)
//   vpdpbusd:     4 per int32 lane (u8 x s8 quadruple products into s32)  (zmm: 64, ymm: 32)
// Optimised builds only: at -O0 the accumulators live in memory and the figures mean nothing.
#include <algorithm>

#include "profile/machine_internal.h"
#include "util/simd.h"

namespace layerscope::machine_detail {

namespace {

#define LS_REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
constexpr int kAccumulators = 12;

// Horizontal sums through memory (GCC 12's _mm512_reduce_add_* trip -Wuninitialized).
__attribute__((target("avx512f"))) double sum_lanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  double r = 0;
  for (float x : lanes) r += x;
  return r;
}
__attribute__((target("avx512f"))) double sum_lanes(__m512i v) {
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, v);
  double r = 0;
  for (int32_t x : lanes) r += x;
  return r;
}

// acc = acc * m + c with m < 1 converges to c / (1 - m) ~ 1: no overflow, no denormals.
__attribute__((target("avx512f"), noinline)) double fp32_avx512(uint64_t n) {
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-6f);
#define LS_DECL(i) __m512 a##i = _mm512_set1_ps(1.0f + (i)*0.01f);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm512_fmadd_ps(a##i, m, c);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m512 s = _mm512_setzero_ps();
#define LS_SUM(i) s = _mm512_add_ps(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  return sum_lanes(s);
}

__attribute__((target("avx2,fma"), noinline)) double fp32_avx2(uint64_t n) {
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-6f);
#define LS_DECL(i) __m256 a##i = _mm256_set1_ps(1.0f + (i)*0.01f);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm256_fmadd_ps(a##i, m, c);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m256 s = _mm256_setzero_ps();
#define LS_SUM(i) s = _mm256_add_ps(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  double r = 0;
  for (float v : lanes) r += v;
  return r;
}

// Baseline x86-64 (SSE2): separate multiply and add, counted as one MAC per lane pair.
__attribute__((noinline)) double fp32_sse(uint64_t n) {
  const __m128 m = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-6f);
#define LS_DECL(i) __m128 a##i = _mm_set1_ps(1.0f + (i)*0.01f);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm_add_ps(_mm_mul_ps(a##i, m), c);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m128 s = _mm_setzero_ps();
#define LS_SUM(i) s = _mm_add_ps(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, s);
  return static_cast<double>(lanes[0]) + lanes[1] + lanes[2] + lanes[3];
}

// Products of small bf16 values: the accumulators grow by ~1e-5 per step, staying normal
// and far from overflow for any run length used here.
__attribute__((target("avx512f,avx512bf16"), noinline)) double bf16_avx512(uint64_t n) {
  const __m512bh x = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.001f), _mm512_set1_ps(0.002f));
  const __m512bh y = _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.003f), _mm512_set1_ps(0.004f));
#define LS_DECL(i) __m512 a##i = _mm512_set1_ps((i)*0.01f);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm512_dpbf16_ps(a##i, x, y);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m512 s = _mm512_setzero_ps();
#define LS_SUM(i) s = _mm512_add_ps(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  return sum_lanes(s);
}

// Integer accumulators wrap harmlessly (vector integer arithmetic is modular).
__attribute__((target("avx512f,avx512vnni"), noinline)) double int8_avx512(uint64_t n) {
  const __m512i x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
#define LS_DECL(i) __m512i a##i = _mm512_set1_epi32(i);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm512_dpbusd_epi32(a##i, x, y);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m512i s = _mm512_setzero_si512();
#define LS_SUM(i) s = _mm512_add_epi32(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  return sum_lanes(s);
}

__attribute__((target("avx2,avxvnni"), noinline)) double int8_avxvnni(uint64_t n) {
  const __m256i x = _mm256_set1_epi8(3), y = _mm256_set1_epi8(-2);
#define LS_DECL(i) __m256i a##i = _mm256_set1_epi32(i);
  LS_REP12(LS_DECL)
#undef LS_DECL
  for (uint64_t k = 0; k < n; ++k) {
#define LS_STEP(i) a##i = _mm256_dpbusd_avx_epi32(a##i, x, y);
    LS_REP12(LS_STEP)
#undef LS_STEP
  }
  __m256i s = _mm256_setzero_si256();
#define LS_SUM(i) s = _mm256_add_epi32(s, a##i);
  LS_REP12(LS_SUM)
#undef LS_SUM
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  double r = 0;
  for (int32_t v : lanes) r += v;
  return r;
}

struct Kernel {
  const char* name;
  double (*fn)(uint64_t iterations);
  double macs_per_iteration;  // kAccumulators instructions x MACs per instruction
};

volatile double g_sink;

// `smt`: some usable CPUs are hyperthread siblings of others.
void measure(PeakCompute* out, const Kernel& k, const std::vector<int>& cpus, bool smt, double seconds, int reps) {
  // Runs the kernel on `on` and returns GMAC/s. Each thread's time is its wall time less any
  // time it was descheduled (its thread CPU time when smaller), so other processes on a busy
  // machine do not lower the figure: for register-only kernels the rate while running is the
  // hardware's. Exception: hyperthread siblings share one core's FMA pipes, so their rates
  // add up only if they really ran at the same time; with SMT the all-CPU run uses the plain
  // wall time of the common window.
  auto run = [&](const std::vector<int>& on, uint64_t iterations, double* wall_out) {
    std::vector<double> results(on.size()), cpu;
    double wall = run_pinned(
        on, [&](int i) { results[i] = k.fn(iterations); }, &cpu);
    double s = 0;
    for (double r : results) s += r;
    g_sink = s;  // keep the results observable
    if (wall_out) *wall_out = on.size() == 1 && cpu[0] > 0 ? std::min(wall, cpu[0]) : wall;
    const double macs = static_cast<double>(iterations) * k.macs_per_iteration;
    if (wall <= 0) return 0.0;
    if (smt && on.size() > 1) return on.size() * macs / wall / 1e9;
    double gmacs = 0;
    for (double c : cpu) gmacs += macs / (c > 0 ? std::min(wall, c) : wall) / 1e9;
    return gmacs;
  };
  // Size on one CPU: grow until >= 2 ms (this also wakes the wide vector units and settles
  // the clock), then scale to the target duration.
  const std::vector<int> one{cpus.front()};
  uint64_t iterations = 1 << 10;
  double t = 0;
  run(one, iterations, &t);
  while (t < 2e-3 && iterations < (uint64_t{1} << 40)) {
    iterations *= 4;
    run(one, iterations, &t);
  }
  iterations = std::max<uint64_t>(iterations, static_cast<uint64_t>(iterations * seconds / t));
  // Best of reps: what interference remains (interrupts, a hypervisor) only slows runs down.
  auto best_gmacs = [&](const std::vector<int>& on) {
    double best = 0;
    for (int r = 0; r < std::max(1, reps); ++r) best = std::max(best, run(on, iterations, nullptr));
    return best;
  };
  out->kernel = k.name;
  out->gmacs_1core = best_gmacs(one);
  out->gmacs_all = cpus.size() > 1 ? best_gmacs(cpus) : out->gmacs_1core;
}

}  // namespace

void measure_compute_peaks(MachineInfo* info, const std::vector<int>& cpus, double seconds, int reps) {
  const IsaFlags& isa = info->isa;
  constexpr double n = kAccumulators;
  const bool smt = info->physical_cores < info->logical_cores;
  if (isa.avx512f) measure(&info->fp32, {"avx512 vfmadd zmm", fp32_avx512, n * 16}, cpus, smt, seconds, reps);
  else if (isa.avx2 && isa.fma) measure(&info->fp32, {"avx2 vfmadd ymm", fp32_avx2, n * 8}, cpus, smt, seconds, reps);
  else measure(&info->fp32, {"sse mulps+addps xmm", fp32_sse, n * 4}, cpus, smt, seconds, reps);

  if (isa.avx512_bf16) measure(&info->bf16, {"avx512 vdpbf16ps zmm", bf16_avx512, n * 32}, cpus, smt, seconds, reps);

  if (isa.avx512_vnni) measure(&info->int8, {"avx512 vpdpbusd zmm", int8_avx512, n * 64}, cpus, smt, seconds, reps);
  else if (isa.avx_vnni)
    measure(&info->int8, {"avx-vnni vpdpbusd ymm", int8_avxvnni, n * 32}, cpus, smt, seconds, reps);
}

}  // namespace layerscope::machine_detail
