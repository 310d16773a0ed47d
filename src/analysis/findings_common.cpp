// What the findings rules share: the time base, severities, evidence lines.
#include <algorithm>
#include <set>

#include "analysis/findings_rules.h"

namespace layerscope::findings {

Context::Context(const PerfReport& report) : report_(report) {
  double sum = 0;
  for (const LayerProfile& l : report.layers) {
    if (l.parent == 0) sum += l.time_us.median;  // a body row's time is inside its control layer's
    if (l.parent != 0) parent_of_.emplace(l.id, l.parent);
    if (!l.kernel.empty()) has_kernel_names_ = true;
    if (l.total_cycles > 0) has_cycles_ = true;
    if (active_.size() < l.workload.size()) active_.resize(l.workload.size(), false);
    for (size_t t = 0; t < l.workload.size(); ++t)
      if (l.workload[t] > 0) active_[t] = true;
  }
  active_count_ = static_cast<size_t>(std::count(active_.begin(), active_.end(), true));
  layer_sum_us_ = report.layer_sum_us > 0 ? report.layer_sum_us : sum;
  // Our own reports state whether the roofs were measured; unmeasured roofs leave every cycle 0.
  has_cycles_ = has_cycles_ && (report.roofs.measured || !report.imported_from.empty());
}

double Context::share_pct(const LayerProfile& l) const {
  return layer_sum_us_ > 0 ? 100.0 * l.time_us.median / layer_sum_us_ : 0.0;
}

double Context::share_pct(const std::vector<const LayerProfile*>& layers) const {
  std::set<int> cited;
  for (const LayerProfile* l : layers) cited.insert(l->id);
  double t = 0;
  for (const LayerProfile* l : layers)
    if (!has_cited_ancestor(*l, cited)) t += l->time_us.median;
  return layer_sum_us_ > 0 ? 100.0 * t / layer_sum_us_ : 0.0;
}

bool Context::has_cited_ancestor(const LayerProfile& l, const std::set<int>& cited) const {
  // Bounded by the rows: a foreign report's parents could form a cycle.
  int id = l.id;
  for (size_t hops = 0; hops < parent_of_.size(); ++hops) {
    auto it = parent_of_.find(id);
    if (it == parent_of_.end()) return false;
    if (cited.count(it->second)) return true;
    id = it->second;
  }
  return false;
}

double Context::roof_time_us(const LayerProfile& l) const {
  const Roofs& r = report_.roofs;
  if (!r.measured || r.clock_ghz <= 0 || l.total_cycles <= 0) return 0;
  return l.total_cycles / (r.clock_ghz * 1e3);  // cycles / (cycles per microsecond)
}

std::string severity_for_share(double share_pct) {
  if (share_pct >= kHighSharePct) return "high";
  if (share_pct >= kMediumSharePct) return "medium";
  return "info";
}

std::string capped_severity(double share_pct) {
  std::string s = severity_for_share(share_pct);
  return s == "high" ? "medium" : s;
}

std::string count_layers(size_t n) { return fmt("%zu layer%s", n, n == 1 ? "" : "s"); }

double mean_mac_usage(const Context& ctx, const LayerProfile& l) {
  if (l.mac_usage_pct.empty()) return -1;
  double sum = 0, all = 0;
  size_t n = 0;
  for (size_t t = 0; t < l.mac_usage_pct.size(); ++t) {
    all += l.mac_usage_pct[t];
    if (ctx.worker_active(t)) sum += l.mac_usage_pct[t], ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : all / static_cast<double>(l.mac_usage_pct.size());
}

Finding make_finding(const Context& ctx, std::string kind, std::string severity, std::string title, std::string detail,
                     std::vector<const LayerProfile*> layers) {
  std::sort(layers.begin(), layers.end(), [](const LayerProfile* a, const LayerProfile* b) { return a->id < b->id; });
  Finding f;
  f.kind = std::move(kind);
  f.severity = std::move(severity);
  f.title = std::move(title);
  f.detail = std::move(detail);
  f.time_share_pct = ctx.share_pct(layers);
  for (const LayerProfile* l : layers) f.layer_ids.push_back(l->id);
  return f;
}

std::vector<const LayerProfile*> largest_first(std::vector<const LayerProfile*> layers) {
  std::stable_sort(layers.begin(), layers.end(),
                   [](const LayerProfile* a, const LayerProfile* b) { return a->time_us.median > b->time_us.median; });
  return layers;
}

std::string evidence_line(const Context& ctx, const LayerProfile& l) {
  std::string name = l.source_names.empty() ? "" : " " + scoped_name(l.scope, l.source_names.front());
  if (l.source_names.size() > 1) name += fmt(" (+%zu fused)", l.source_names.size() - 1);
  return fmt("  #%d %s%s: %.0f us (%.1f%%)", l.id, l.op_type.c_str(), name.c_str(), l.time_us.median, ctx.share_pct(l));
}

std::string evidence(const Context& ctx, std::vector<const LayerProfile*> layers) {
  return evidence(ctx, std::move(layers), [](const LayerProfile&) { return std::string(); });
}

}  // namespace layerscope::findings
