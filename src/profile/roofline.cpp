#include "profile/roofline.h"

#include <algorithm>

namespace layerscope {

double compute_peak_per_cycle(const Roofs& r, const LayerProfile& l) {
  return computes_in_int8(l.data_type) ? r.int8_macs_per_cycle_per_core : r.macs_per_cycle_per_core;
}

void apply_roofline(const Roofs& r, int threads, LayerProfile& l) {
  if (!r.measured || r.clock_ghz <= 0) return;
  const double peak = compute_peak_per_cycle(r, l);
  // A layer without MACs (data movement, Q/DQ, elementwise) is bounded by memory alone, whatever
  // its type; one with MACs needs its own type's peak.
  if (peak <= 0 && l.macs > 0) return;
  const int cores = std::max(1, std::min(threads, r.cores > 0 ? r.cores : threads));
  const double bw_gbs = cores > 1 ? r.bandwidth_gbs_all_cores : r.bandwidth_gbs_one_core;
  const double bytes = static_cast<double>(l.bytes_read + l.bytes_written);
  l.mem_cycles = bw_gbs > 0 ? bytes / bw_gbs * r.clock_ghz : 0;  // bytes / (GB/s) = ns; ns * GHz = cycles
  l.compute_cycles = l.macs > 0 ? l.macs / (peak * cores) : 0;
  l.total_cycles = std::max(l.mem_cycles, l.compute_cycles);
  if (l.total_cycles > 0) l.bound = l.mem_cycles >= l.compute_cycles ? "memory" : "compute";
  l.mac_usage_pct.clear();
  if (l.macs > 0 && l.time_us.median > 0) {
    const double peak_per_core = peak * r.clock_ghz * 1e9;  // MACs/s
    for (double share : l.workload)
      l.mac_usage_pct.push_back(100.0 * l.macs * share / (l.time_us.median * 1e-6) / peak_per_core);
  }
}

}  // namespace layerscope
