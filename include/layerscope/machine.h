// Machine calibration: what this CPU is and the measured roofs (peak multiply-accumulate
// rate, memory bandwidth, clock) that every derived profile figure (% of peak, roofline
// bound, achieved GB/s vs. attainable) is computed against.
//
//   layerscope::MachineInfo m;
//   layerscope::Status st = layerscope::load_or_calibrate(&m, /*force=*/false);
//   if (!st) std::cerr << st.message() << "\n";   // m is still valid, see load_or_calibrate
//   std::cout << layerscope::format_machine(m);
//   double roof = layerscope::peak_gmacs(m, layerscope::DType::F32, /*threads=*/2);
//
// Everything marked "measured" comes from micro-benchmarks run by calibrate_machine(), each
// on threads pinned to one CPU apiece, keeping the best of several repetitions:
//  * clock: a chain of dependent register adds (1 cycle latency on every x86-64 core) timed
//    with std::chrono::steady_clock on the first usable CPU.
//  * peak compute: register-only loops of 12 independent AVX-512 (or AVX2) FMA / dot-product
//    accumulators, one thread per CPU, all CPUs at once for the all-core figure.
//  * bandwidth: streaming kernels over buffers of at least 4x the total last-level cache.
// Busy machines: for the clock, the compute peaks and one-core bandwidth, each thread's time
// is its wall time less any time it was descheduled (its thread CPU time when smaller), so
// other processes hardly lower them. All-core bandwidth (and all-CPU compute on SMT
// machines) needs the threads to really run together and uses plain wall time: it is low
// when calibrated on a busy machine. `load_average` records how busy the machine was;
// recalibrate (force) on a quiet machine for trustworthy roofs.
//
// Calibration takes a few seconds (under ~10 s), so results are cached on disk as JSON, keyed
// by CPU model + ISA flags + usable CPU count (see machine_cache_path()).
#pragma once
#include <cstdint>
#include <string>

#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope {

// Instruction-set extensions relevant to inference kernels (from CPUID, and only reported
// when the OS has also enabled the matching register state).
struct IsaFlags {
  bool sse4_2 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512_vnni = false;  // vpdpbusd: u8 x s8 -> s32 dot products
  bool avx512_bf16 = false;  // vdpbf16ps: bf16 pairs -> fp32 dot products
  bool avx512_fp16 = false;
  bool avx_vnni = false;  // 256-bit VEX-encoded vpdpbusd (Alder Lake and later)
  bool amx_tile = false;  // AMX: reported only, not calibrated
  bool amx_bf16 = false;
  bool amx_int8 = false;
  bool operator==(const IsaFlags&) const = default;
};

// Space-separated names of the set flags, e.g. "avx2 fma avx512f avx512_vnni".
std::string isa_flags_string(const IsaFlags& isa);

// Data cache sizes as seen by the first usable CPU (bytes; 0 = unknown).
struct CacheSizes {
  int64_t l1d_bytes = 0;        // per core
  int64_t l2_bytes = 0;         // per core (per instance)
  int64_t l3_bytes = 0;         // one L3 instance
  int l3_instances = 0;         // distinct L3 instances across the usable CPUs
  int64_t llc_total_bytes = 0;  // last-level cache summed over those instances
  bool operator==(const CacheSizes&) const = default;
};

// Peak multiply-accumulate rate of one data type. 0 = not measured (the CPU lacks the
// instruction). One MAC = one multiply + one add (= 2 FLOP for fp32).
struct PeakCompute {
  double gmacs_1core = 0;  // one thread on one CPU
  double gmacs_all = 0;    // one thread per usable CPU, all running together
  std::string kernel;      // instructions used, e.g. "avx512 vfmadd zmm"; empty = not measured
  bool operator==(const PeakCompute&) const = default;
};

// Sustained memory bandwidth in GB/s (1e9 bytes/s).
struct Bandwidth {
  double gbs_1core = 0;
  double gbs_all = 0;
  bool operator==(const Bandwidth&) const = default;
};

struct MachineInfo {
  // ---- identification ----
  std::string model_name;                   // CPUID brand string, e.g. "AMD EPYC 9R14 96-Core Processor"
  std::string vendor;                       // "AuthenticAMD", "GenuineIntel", ...
  int family = 0, model = 0, stepping = 0;  // CPUID display family/model
  int logical_cores = 0;                    // CPUs the calibrating thread may run on (its affinity mask);
                                            // the all-core figures use all of them
  int physical_cores = 0;                   // distinct cores among them (< logical_cores with SMT)
  IsaFlags isa;
  CacheSizes cache;

  // ---- clock ----
  double clock_ghz = 0;    // measured: dependent-add chain on the first usable CPU (turbo included)
  double cpuinfo_mhz = 0;  // /proc/cpuinfo "cpu MHz" averaged over CPUs (0 = unavailable);
                           // under a hypervisor this is usually the nominal clock

  // ---- measured compute peaks ----
  PeakCompute fp32;                // fmadd_ps
  PeakCompute bf16;                // dpbf16_ps: 2 MACs per fp32 lane per instruction
  PeakCompute int8;                // dpbusd_epi32: 4 MACs per int32 lane per instruction
  double fp32_macs_per_cycle = 0;  // fp32.gmacs_1core / clock_ghz (per core)

  // ---- measured bandwidth ----
  // read: sum reduction; bytes = bytes read.
  // write: regular stores of a constant; bytes = bytes stored (the CPU also reads each line
  //        for ownership, so this is typically below write_nt).
  // write_nt: non-temporal (streaming) stores of a constant.
  // copy: memcpy; bytes = bytes read + bytes written (STREAM convention).
  Bandwidth read, write, write_nt, copy;
  int64_t bandwidth_buffer_bytes = 0;  // size of each streamed buffer

  // ---- provenance ----
  bool quick = false;              // measured with CalibrationOptions::quick (noisier)
  double calibration_seconds = 0;  // wall time the calibration took
  double load_average = 0;         // /proc/loadavg 1-minute figure just before calibrating
  std::string calibrated_at;       // UTC, ISO 8601
  std::string key;                 // cache key (16 hex digits), see machine_cache_path()

  // Not stored in the cache file; set by load_or_calibrate().
  std::string cache_path;   // the cache file read or written ("" = none)
  bool from_cache = false;  // true when the figures were read from cache_path

  bool operator==(const MachineInfo&) const = default;
};

struct CalibrationOptions {
  // Short runs and smaller buffers (~10x faster, noisier): for tests and smoke runs.
  bool quick = false;
  // Seconds per timed repetition of each compute kernel; 0 = default (0.05, quick 0.01).
  double kernel_seconds = 0;
  // Timed repetitions per figure, the best one is kept; 0 = default (3 compute / 5 bandwidth,
  // quick: 2 / 2).
  int repetitions = 0;
  // Bytes of each bandwidth buffer; 0 = default: max(4 x total LLC, 64 MiB), capped at
  // 1 GiB and at 1/8 of physical memory (quick: max(2 x LLC, 16 MiB)).
  int64_t bandwidth_bytes = 0;
  // Skip the bandwidth measurements (figures stay 0).
  bool skip_bandwidth = false;
};

// Identifies the CPU (no measurements; fast). Fills identification, isa, cache and key.
MachineInfo identify_machine();

// Runs every micro-benchmark: about 2 s on an idle machine with the defaults, 0.5-1 s with
// quick (a busy machine stretches this, roughly by load average / cores). Never fails:
// figures that cannot be measured on this CPU stay 0.
MachineInfo calibrate_machine(const CalibrationOptions& options = {});

// Cache file for this machine: $LAYERSCOPE_CACHE_DIR/machine-<key>.json, else
// $XDG_CACHE_HOME/layerscope/..., else ~/.cache/layerscope/...; key = 64-bit FNV-1a hash of
// the model name, ISA flags, usable CPU count and the cache schema version.
std::string machine_cache_path();

// Reads the cached figures for this machine, or calibrates and writes the cache when there
// is no usable cache file (missing, unreadable, corrupt, another schema or key, a quick
// calibration when a full one is asked for, no bandwidth figures when they are asked for)
// or when `force` is set. A full cached calibration also serves a quick request. A cache
// hit does no measurement. Returns an error only when writing the cache file failed; *info
// then still holds the fresh calibration (with cache_path empty).
Status load_or_calibrate(MachineInfo* info, bool force, const CalibrationOptions& options = {});

// JSON form used by the cache (every field except cache_path/from_cache); the round trip
// machine_from_json(machine_to_json(m)) reproduces m exactly.
std::string machine_to_json(const MachineInfo& info);
// Fails (leaving *info untouched) on malformed JSON, a schema mismatch or a missing field.
Status machine_from_json(const std::string& json, MachineInfo* info);

// Human-readable block for `layerscope machine`.
std::string format_machine(const MachineInfo& info);

// Roofs for a run with `threads` threads (0 = all usable CPUs): linear in threads from the
// one-core figure, capped by the all-core figure. peak_gmacs() accepts F32, BF16, I8/U8 and
// returns 0 for a type without a measured peak. roof_bandwidth_gbs() is the larger of the
// read and copy figures (the best sustained mixed stream).
double peak_gmacs(const MachineInfo& info, DType dtype, int threads = 0);
double roof_bandwidth_gbs(const MachineInfo& info, int threads = 0);

}  // namespace layerscope
