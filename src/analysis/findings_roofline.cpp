// Rules about how well the layers use the machine: which roof bounds them and how far below
// it they run, dominant layers that leave the arithmetic units idle, and layers whose work
// does not spread across the threads/cores.
#include <algorithm>

#include "analysis/findings_rules.h"

namespace layerscope::findings {

namespace {

// A time-relevant layer reaching under a quarter of its roofline time loses at least 3/4 of
// its time to something the roofline does not model (kernel overheads, cache misses, poor
// vectorisation): that is where a kernel can still gain several times.
constexpr double kFarFromRoofPct = 25.0;

// A layer with 5% or more of the time is among the handful that decide the latency (a network
// has 50-500 layers, so 5% is many times an average layer's share).
constexpr double kDominantSharePct = 5.0;

// oneDNN's brgemm kernels reach 80-97% MacUsage here on matmuls and convolutions; under 30%
// most of the arithmetic units idle, which is a kernel or shape problem, not noise.
constexpr double kLowMacUsagePct = 30.0;

// The busiest worker doing 1.5x its fair share (1/workers) means the others wait a third of the
// layer or more: the layer gains little from more threads/cores.
constexpr double kImbalanceFactor = 1.5;

// Roofline time / measured time, in percent; -1 when unknown.
double roof_pct(const Context& ctx, const LayerProfile& l) {
  double roof = ctx.roof_time_us(l);
  if (roof <= 0 || l.time_us.median <= 0) return -1;
  return 100.0 * roof / l.time_us.median;
}

std::string roof_note(const Context& ctx, const LayerProfile& l) {
  double p = roof_pct(ctx, l);
  return p < 0 ? std::string() : fmt(", %.1f%% of its roof", p);
}

void bound_finding(const Context& ctx, const std::string& bound, std::vector<Finding>* out) {
  std::vector<const LayerProfile*> layers;
  double roof_us = 0, time_us = 0;
  for (const LayerProfile& l : ctx.report().layers) {
    if (l.bound != bound) continue;
    layers.push_back(&l);
    roof_us += ctx.roof_time_us(l);
    time_us += l.time_us.median;
  }
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string distance = roof_us > 0 && time_us > 0
                             ? fmt("; together they run at %.1f%% of their roofline time", 100.0 * roof_us / time_us)
                             : std::string("; distance to the roof unknown (no clock for the cycles)");
  std::string title = fmt("%s-bound: %s, %.1f%% of the time%s", bound == "memory" ? "Memory" : "Compute",
                          count_layers(layers.size()).c_str(), share, distance.c_str());
  std::string detail =
      bound == "memory"
          ? "Their memory traffic needs more cycles than their arithmetic (Mem/DDR cycles above Compute/NPU "
            "cycles): they gain from moving fewer bytes (fusing with a neighbour, a smaller data type, a better "
            "layout), not from faster arithmetic."
          : "Their arithmetic needs more cycles than their memory traffic (Compute/NPU cycles above Mem/DDR "
            "cycles): they gain from fewer MACs (a smaller or pruned layer) or faster arithmetic (quantized or "
            "bf16 kernels).";
  detail += evidence(ctx, layers, [&](const LayerProfile& l) { return roof_note(ctx, l); });
  out->push_back(make_finding(ctx, bound + "_bound", "info", title, detail, layers));
}

}  // namespace

void rule_bound(const Context& ctx, std::vector<Finding>* out) {
  if (!ctx.has_cycles()) return;
  bound_finding(ctx, "memory", out);
  bound_finding(ctx, "compute", out);
}

void rule_far_from_roof(const Context& ctx, std::vector<Finding>* out) {
  std::vector<const LayerProfile*> layers;
  for (const LayerProfile& l : ctx.report().layers) {
    double p = roof_pct(ctx, l);
    if (p >= 0 && p < kFarFromRoofPct && ctx.share_pct(l) >= kTimeRelevantSharePct) layers.push_back(&l);
  }
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title = fmt("%s run below %.0f%% of their roofline time: %.1f%% of the time",
                          count_layers(layers.size()).c_str(), kFarFromRoofPct, share);
  std::string detail =
      "The roofline time is what the layer's bytes at the measured bandwidth, or its MACs at the measured "
      "peak, need at least. These layers take over four times that: the kernel, not the machine, limits "
      "them (overheads, cache misses, poor vectorisation, a generic implementation)." +
      evidence(ctx, layers, [&](const LayerProfile& l) { return roof_note(ctx, l) + " (" + l.kernel + ")"; });
  out->push_back(make_finding(ctx, "far_from_roof", severity_for_share(share), title, detail, layers));
}

void rule_low_mac_usage(const Context& ctx, std::vector<Finding>* out) {
  std::vector<const LayerProfile*> layers;
  for (const LayerProfile& l : ctx.report().layers) {
    double u = mean_mac_usage(ctx, l);
    if (u >= 0 && u < kLowMacUsagePct && ctx.share_pct(l) >= kDominantSharePct) layers.push_back(&l);
  }
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title =
      fmt("%s with %.0f%% or more of the time each use under %.0f%% of the arithmetic units "
          "(MacUsage): %.1f%% of the time",
          count_layers(layers.size()).c_str(), kDominantSharePct, kLowMacUsagePct, share);
  std::string detail =
      "MacUsage is the achieved multiply-accumulate rate over the peak of the cores in use. A memory-bound "
      "layer cannot exceed its compute/total cycle ratio (given below); a compute-bound one that stays low "
      "has a kernel or shape problem (small or odd dimensions, a generic implementation)." +
      evidence(ctx, layers, [&](const LayerProfile& l) {
        std::string s = fmt(", MacUsage %.1f%%", mean_mac_usage(ctx, l));
        if (l.bound == "memory" && l.total_cycles > 0)
          s += fmt(" (memory-bound: at most %.1f%% reachable)", 100.0 * l.compute_cycles / l.total_cycles);
        return s;
      });
  out->push_back(make_finding(ctx, "low_mac_usage", severity_for_share(share), title, detail, layers));
}

void rule_workload_imbalance(const Context& ctx, std::vector<Finding>* out) {
  const size_t workers = ctx.active_workers();
  if (workers < 2) return;  // one worker in use: nothing to spread
  std::vector<const LayerProfile*> layers;
  for (const LayerProfile& l : ctx.report().layers) {
    if (ctx.share_pct(l) < kTimeRelevantSharePct) continue;
    double sum = 0, busiest = 0;
    for (double w : l.workload) {
      sum += w;
      busiest = std::max(busiest, w);
    }
    if (sum <= 0) continue;  // no work measured per worker (e.g. the reference's I/O rows)
    if (busiest / sum > kImbalanceFactor / static_cast<double>(workers)) layers.push_back(&l);
  }
  if (layers.empty()) return;
  const double share = ctx.share_pct(layers);
  std::string title = fmt("%s do not spread across the %zu threads/cores: %.1f%% of the time",
                          count_layers(layers.size()).c_str(), workers, share);
  std::string detail =
      fmt("A balanced layer gives each of the %zu workers about %.0f%% of its work; in these the busiest worker "
          "does %.0f%% or more, so the others wait and more threads/cores do not make them faster. Causes: a "
          "single-threaded kernel (reference fallback, small tensors), or too little parallel work along the "
          "split dimension.",
          workers, 100.0 / static_cast<double>(workers), 100.0 * kImbalanceFactor / static_cast<double>(workers));
  detail += evidence(ctx, layers, [](const LayerProfile& l) {
    double sum = 0, busiest = 0;
    for (double w : l.workload) {
      sum += w;
      busiest = std::max(busiest, w);
    }
    return fmt(", busiest worker %.0f%% of the work", 100.0 * busiest / sum);
  });
  out->push_back(make_finding(ctx, "workload_imbalance", severity_for_share(share), title, detail, layers));
}

}  // namespace layerscope::findings
