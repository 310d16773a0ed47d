// calibrate_machine(): runs the micro-benchmarks in order (clock, compute peaks, bandwidth)
// with durations from CalibrationOptions; format_machine() and the roof helpers.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "kernels/cpu_features.h"
#include "profile/machine_internal.h"
#include "util/text.h"

namespace layerscope {

namespace {

std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t default_bandwidth_bytes(const MachineInfo& m, bool quick) {
  constexpr int64_t MiB = int64_t{1} << 20;
  // >= 4x every cache the threads share so the streams come from DRAM (quick: 2x).
  int64_t bytes =
      quick ? std::max(2 * m.cache.llc_total_bytes, 16 * MiB) : std::max(4 * m.cache.llc_total_bytes, 64 * MiB);
  bytes = std::min(bytes, 1024 * MiB);  // two such buffers are allocated
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) bytes = std::min(bytes, static_cast<int64_t>(pages) * page / 8);
  return std::max(bytes, 4 * MiB);
}

std::string human_bytes(int64_t b) {
  char buf[32];
  if (b >= (int64_t{1} << 30) && b % (int64_t{1} << 30) == 0)
    std::snprintf(buf, sizeof buf, "%lld GiB", static_cast<long long>(b >> 30));
  else if (b >= (int64_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.4g MiB", b / 1048576.0);
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.4g KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(b));
  return buf;
}

const PeakCompute* peak_for(const MachineInfo& m, DType t) {
  switch (t) {
    case DType::F32: return &m.fp32;
    case DType::BF16: return &m.bf16;
    case DType::I8:
    case DType::U8: return &m.int8;
    default: return nullptr;
  }
}

// Linear in threads from the single-thread figure, capped by the measured all-core figure.
double scale(double one, double all, int threads, int logical) {
  if (threads <= 0 || threads >= logical) return all > 0 ? all : one * std::max(1, logical);
  double linear = one * threads;
  return all > 0 ? std::min(linear, all) : linear;
}

}  // namespace

MachineInfo calibrate_machine(const CalibrationOptions& options) {
  using namespace machine_detail;
  const auto start = std::chrono::steady_clock::now();
  MachineInfo m = identify_machine();
  m.load_average = read_load_average();
  const std::vector<int> cpus = usable_cpus();

  const double seconds = options.kernel_seconds > 0 ? options.kernel_seconds : options.quick ? 0.01 : 0.05;
  const int reps = options.repetitions > 0 ? options.repetitions : options.quick ? 2 : 3;
  const int bw_reps = options.repetitions > 0 ? options.repetitions : options.quick ? 2 : 5;

  m.clock_ghz = measure_clock_ghz(cpus.front(), std::max(seconds / 2, 0.005), reps);
  if (m.clock_ghz <= 0) m.clock_ghz = m.cpuinfo_mhz / 1000.0;  // non-x86: trust the kernel

  measure_compute_peaks(&m, cpus, seconds, reps);
  if (m.clock_ghz > 0) m.fp32_macs_per_cycle = m.fp32.gmacs_1core / m.clock_ghz;

  if (!options.skip_bandwidth) {
    int64_t bytes = options.bandwidth_bytes > 0 ? options.bandwidth_bytes : default_bandwidth_bytes(m, options.quick);
    measure_bandwidth(&m, cpus, bytes, bw_reps);
  }

  m.quick = options.quick;
  m.calibrated_at = utc_now_iso8601();
  m.calibration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return m;
}

double peak_gmacs(const MachineInfo& info, DType dtype, int threads) {
  const PeakCompute* p = peak_for(info, dtype);
  if (!p || p->gmacs_1core <= 0) return 0;
  return scale(p->gmacs_1core, p->gmacs_all, threads, info.logical_cores);
}

double roof_bandwidth_gbs(const MachineInfo& info, int threads) {
  return std::max(scale(info.read.gbs_1core, info.read.gbs_all, threads, info.logical_cores),
                  scale(info.copy.gbs_1core, info.copy.gbs_all, threads, info.logical_cores));
}

std::string format_machine(const MachineInfo& m) {
  std::string out;
  auto line = [&](const std::string& text) {  // fmt(): whole, however long (a cache path can be)
    out += text;
    out += '\n';
  };
  line(fmt("CPU         %s (%s, family %d model %d stepping %d)", m.model_name.c_str(), m.vendor.c_str(), m.family,
           m.model, m.stepping));
  line(fmt("Cores       %d logical, %d physical (all-core figures use all %d)", m.logical_cores, m.physical_cores,
           m.logical_cores));
  std::string isa = isa_flags_string(m.isa);
  line(fmt("ISA         %s", isa.empty() ? "(none detected)" : isa.c_str()));
  std::string caches = "L1d " + human_bytes(m.cache.l1d_bytes) + ", L2 " + human_bytes(m.cache.l2_bytes);
  if (m.cache.l3_bytes > 0)
    caches += ", L3 " + human_bytes(m.cache.l3_bytes) + " x " + std::to_string(m.cache.l3_instances);
  caches += " (last level total " + human_bytes(m.cache.llc_total_bytes) + ")";
  line(fmt("Caches      %s", caches.c_str()));

  std::string clock_note;
  if (m.cpuinfo_mhz > 0) {
    clock_note = fmt("; /proc/cpuinfo %.0f MHz", m.cpuinfo_mhz);
    double dev = m.clock_ghz * 1000.0 / m.cpuinfo_mhz - 1.0;
    if (std::fabs(dev) > 0.10) clock_note += fmt(" (measured %+.0f%%: turbo, power saving or busy CPU)", dev * 100);
  }
  line(fmt("Clock       %.3f GHz measured (dependent-add chain)%s", m.clock_ghz, clock_note.c_str()));

  line(fmt("Peak MACs   %14s %14s", "1 core", (std::to_string(m.logical_cores) + " cores").c_str()));
  auto peak = [&](const char* name, const PeakCompute& p) {
    if (p.kernel.empty()) {
      line(fmt("  %-9s %14s %14s  not supported by this CPU", name, "-", "-"));
      return;
    }
    double per_cycle = m.clock_ghz > 0 ? p.gmacs_1core / m.clock_ghz : 0;
    line(fmt("  %-9s %8.1f GMAC/s %8.1f GMAC/s  %.1f MAC/cycle/core  [%s]", name, p.gmacs_1core, p.gmacs_all, per_cycle,
             p.kernel.c_str()));
  };
  peak("fp32", m.fp32);
  peak("bf16", m.bf16);
  peak("int8", m.int8);
  if (m.int8.gmacs_1core > 0 && int8_dot_product_hidden())
    line("  int8      hidden from this process's kernels and roofs: LAYERSCOPE_NO_INT8_DOT is set");
  if (m.isa.amx_tile) line(fmt("  amx       present, not calibrated"));

  if (m.read.gbs_1core > 0) {
    line(fmt("Bandwidth   %14s %14s  (buffers of %s)", "1 core", (std::to_string(m.logical_cores) + " cores").c_str(),
             human_bytes(m.bandwidth_buffer_bytes).c_str()));
    auto bw = [&](const char* name, const Bandwidth& b, const char* note) {
      line(fmt("  %-9s %9.1f GB/s %9.1f GB/s  %s", name, b.gbs_1core, b.gbs_all, note));
    };
    bw("read", m.read, "sum reduction");
    bw("write", m.write, "regular stores (bytes stored)");
    bw("write_nt", m.write_nt, "non-temporal stores");
    bw("copy", m.copy, "memcpy (bytes read + written)");
  } else {
    line(fmt("Bandwidth   not measured"));
  }

  std::string busy;
  if (m.load_average >= 0.5 * std::max(1, m.logical_cores)) busy = " -- the machine was busy, figures are likely low";
  line(fmt("Calibrated  %s in %.1f s%s, load average %.2f at start%s", m.calibrated_at.c_str(), m.calibration_seconds,
           m.quick ? " (quick mode)" : "", m.load_average, busy.c_str()));
  if (m.cache_path.empty()) line(fmt("Cache file  (none)"));
  else line(fmt("Cache file  %s%s", m.cache_path.c_str(), m.from_cache ? " (loaded)" : " (written)"));
  return out;
}

}  // namespace layerscope
