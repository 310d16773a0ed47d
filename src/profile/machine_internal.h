// Internals shared by the machine calibration files (machine_*.cpp). Not installed.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "layerscope/machine.h"

namespace layerscope::machine_detail {

// Version of the cache file layout; part of the cache key, bump it when the schema or the
// meaning of a figure changes so stale files are recalibrated.
inline constexpr int kCacheSchema = 1;

// The ISA flags by name, in display and file order.
struct IsaFlagName {
  const char* name;
  bool IsaFlags::*member;
};
inline constexpr IsaFlagName kIsaFlagNames[] = {
    {"sse4_2", &IsaFlags::sse4_2},
    {"avx", &IsaFlags::avx},
    {"avx2", &IsaFlags::avx2},
    {"fma", &IsaFlags::fma},
    {"f16c", &IsaFlags::f16c},
    {"avx512f", &IsaFlags::avx512f},
    {"avx512bw", &IsaFlags::avx512bw},
    {"avx512dq", &IsaFlags::avx512dq},
    {"avx512vl", &IsaFlags::avx512vl},
    {"avx512_vnni", &IsaFlags::avx512_vnni},
    {"avx512_bf16", &IsaFlags::avx512_bf16},
    {"avx512_fp16", &IsaFlags::avx512_fp16},
    {"avx_vnni", &IsaFlags::avx_vnni},
    {"amx_tile", &IsaFlags::amx_tile},
    {"amx_bf16", &IsaFlags::amx_bf16},
    {"amx_int8", &IsaFlags::amx_int8},
};

// ---- machine_cpu.cpp: identification ----
// CPUs in the calling thread's affinity mask, ascending (never empty).
std::vector<int> usable_cpus();
// Average of /proc/cpuinfo "cpu MHz" lines; 0 when unavailable.
double read_cpuinfo_mhz();
// First field of /proc/loadavg; -1 when unavailable.
double read_load_average();
// FNV-1a 64-bit hash of the identity fields, as 16 hex digits.
std::string machine_key(const MachineInfo& info);

// ---- machine_threads.cpp: pinned parallel runs ----
// Restricts the calling thread to `cpu`; false when the OS refuses (the run goes on unpinned).
bool pin_current_thread(int cpu);
// Runs body(i) on one new thread per entry of `cpus`, thread i pinned to cpus[i]. The bodies
// start together (spin barrier after pinning); returns the wall seconds from that common
// start until the last body finished. When `cpu_seconds` is given it receives each body's
// thread CPU time: the part of the run the thread actually held its CPU, i.e. the wall time
// minus any time other processes took the CPU away.
double run_pinned(const std::vector<int>& cpus, const std::function<void(int)>& body,
                  std::vector<double>* cpu_seconds = nullptr);

// ---- machine_freq.cpp ----
// Core clock in GHz on `cpu`: best of `reps` runs of ~`seconds` each; 0 if not measurable.
double measure_clock_ghz(int cpu, double seconds, int reps);

// ---- machine_fma.cpp ----
// Fills info->fp32 / bf16 / int8 using the instructions info->isa says are usable.
void measure_compute_peaks(MachineInfo* info, const std::vector<int>& cpus, double seconds, int reps);

// ---- machine_bandwidth.cpp ----
// Fills info->read / write / write_nt / copy and bandwidth_buffer_bytes with buffers of
// `bytes` each.
void measure_bandwidth(MachineInfo* info, const std::vector<int>& cpus, int64_t bytes, int reps);

}  // namespace layerscope::machine_detail
