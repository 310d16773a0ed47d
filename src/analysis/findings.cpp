// find_findings: runs every rule (findings_kernels.cpp, findings_roofline.cpp, the measurement
// rule below) and orders what they found; format_findings_text prints them.
#include "layerscope/findings.h"

#include <algorithm>
#include <cmath>

#include "analysis/findings_rules.h"

namespace layerscope {

namespace findings {

namespace {

// The profiler's own cost: above 10% the per-layer times are visibly inflated against a plain
// run (the reference tool's users' first complaint).
constexpr double kOverheadPct = 10.0;
// The layers should account for most of a run: outside 80-120% of the end-to-end latency the
// per-layer times and the real latency tell different stories (time between layers, warm-up
// effects, or clock changes between runs).
constexpr double kLayerSumLowPct = 80.0;
constexpr double kLayerSumHighPct = 120.0;

int severity_rank(const std::string& s) { return s == "high" ? 0 : s == "medium" ? 1 : 2; }

// `line` indented by `indent` and wrapped at word boundaries to kTextWidth columns. Evidence
// lines (they start with spaces) are kept whole: each describes one layer.
constexpr size_t kTextWidth = 100;
std::string wrap(const std::string& line, const std::string& indent) {
  if (line.size() + indent.size() <= kTextWidth || line[0] == ' ') return indent + line + "\n";
  return word_wrapped(line, kTextWidth, indent, indent);
}

// How many layer ids the text block lists before eliding (all stay in Finding::layer_ids).
constexpr size_t kTextLayerIds = 24;

}  // namespace

void rule_measurement(const Context& ctx, std::vector<Finding>* out) {
  const PerfReport& r = ctx.report();
  if (r.latency_ms.count == 0 || r.latency_ms.median <= 0) return;  // imported: no end-to-end run
  const bool overhead = std::fabs(r.overhead_pct) > kOverheadPct;
  const bool coverage = r.layer_sum_ratio_pct < kLayerSumLowPct || r.layer_sum_ratio_pct > kLayerSumHighPct;
  if (!overhead && !coverage) return;
  Finding f;
  f.kind = "measurement";
  f.severity = "medium";
  f.title = fmt("Per-layer times sum to %.1f%% of the end-to-end latency; the profiler changed the latency by %+.1f%%",
                r.layer_sum_ratio_pct, r.overhead_pct);
  f.detail =
      fmt("End-to-end median %.3f ms without the profiler, %.3f ms with it, layer sum %.0f us. Read the layer "
          "shares as relative weights, not as absolute savings. %s",
          r.latency_ms.median, r.profiled_latency_ms.median, r.layer_sum_us,
          r.runs < 5 ? "Few timed runs: rerun with more --runs (and --warmup) for stable figures."
                     : "Time outside the layers (input binding, output copies) or unstable clocks explain the gap.");
  out->push_back(std::move(f));
}

}  // namespace findings

std::vector<Finding> find_findings(const PerfReport& report) {
  using namespace findings;
  std::vector<Finding> out;
  if (report.layers.empty()) return out;
  const Context ctx(report);
  rule_fallback_kernels(ctx, &out);
  rule_target_fallback(ctx, &out);
  rule_generic_kernels(ctx, &out);
  rule_data_movement(ctx, &out);
  rule_int8_fallback(ctx, &out);
  rule_quant_conversions(ctx, &out);
  rule_accuracy_loss(ctx, &out);
  rule_far_from_roof(ctx, &out);
  rule_low_mac_usage(ctx, &out);
  rule_workload_imbalance(ctx, &out);
  rule_bound(ctx, &out);
  rule_measurement(ctx, &out);
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (severity_rank(a.severity) != severity_rank(b.severity))
      return severity_rank(a.severity) < severity_rank(b.severity);
    return a.time_share_pct > b.time_share_pct;
  });
  return out;
}

std::string format_findings_text(const std::vector<Finding>& list) {
  using findings::wrap;
  std::string out = std::string(100, '-') + "\n";
  out += "Findings (most important first; shares are of the sum of the layers' times)\n";
  out += std::string(100, '-') + "\n";
  if (list.empty()) out += "No rule fired: no fallback kernels, little data movement, no dominant inefficient layer.\n";
  for (size_t i = 0; i < list.size(); ++i) {
    const Finding& f = list[i];
    out += fmt("%zu. [%s] ", i + 1, f.severity.c_str()) + f.title + "\n";
    // Detail lines are indented under the title; the evidence lines already start with spaces.
    size_t pos = 0;
    while (pos <= f.detail.size()) {
      size_t nl = f.detail.find('\n', pos);
      std::string line = f.detail.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty()) out += wrap(line, "   ");
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (!f.layer_ids.empty()) {
      out += "   Layer IDs:";
      for (size_t k = 0; k < f.layer_ids.size() && k < findings::kTextLayerIds; ++k) out += fmt(" %d", f.layer_ids[k]);
      if (f.layer_ids.size() > findings::kTextLayerIds) out += fmt(" ... (%zu in all)", f.layer_ids.size());
      out += "\n";
    }
  }
  out += std::string(100, '-') + "\n";
  return out;
}

}  // namespace layerscope
