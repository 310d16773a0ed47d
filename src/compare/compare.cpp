// compare_reports: pairs the layers (match.cpp), then puts every time side by side with its
// range over runs and the noise verdict (the rule is stated in include/layerscope/compare.h).
#include "layerscope/compare.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "compare/match.h"
#include "profile/layer_nesting.h"
#include "util/text.h"

namespace layerscope {

namespace {

TimeRange range_of(const Stats& s) { return TimeRange{s.median, s.min, s.p90, s.count}; }

TimeRange sum_of(const std::vector<const LayerProfile*>& layers, int runs) {
  TimeRange r;
  r.runs = runs;
  for (const LayerProfile* l : layers) {
    r.median_us += l->time_us.median;
    r.low_us += l->time_us.min;
    r.high_us += l->time_us.p90;
  }
  return r;
}

TimeChange change(const TimeRange& a, const TimeRange& b) {
  TimeChange c;
  c.a = a;
  c.b = b;
  c.change_us = b.median_us - a.median_us;
  c.change_pct = a.median_us > 0 ? 100.0 * c.change_us / a.median_us : 0.0;
  c.speedup = a.median_us > 0 && b.median_us > 0 ? a.median_us / b.median_us : 0.0;
  if (a.runs < 2 || b.runs < 2) c.verdict = "no spread";
  else if (b.low_us > a.high_us) c.verdict = "slower";
  else if (b.high_us < a.low_us) c.verdict = "faster";
  else c.verdict = "within noise";
  return c;
}

// The runs a report's layer statistics are over: a single-run report has no spread.
int runs_of(const PerfReport& r) {
  int runs = r.runs;
  for (const LayerProfile& l : r.layers) runs = std::min(runs, l.time_us.count);
  return runs;
}

ReportSide side(const PerfReport& r, const std::string& label) {
  ReportSide s;
  s.label = label;
  s.runs = runs_of(r);
  s.has_spread = s.runs >= 2;
  s.layers = static_cast<int>(r.layers.size());
  if (!r.imported_from.empty()) {
    s.description = r.imported_from;
  } else {
    s.description = fmt("layerscope, %d timed run%s, %d thread%s", r.runs, r.runs == 1 ? "" : "s", r.threads,
                        r.threads == 1 ? "" : "s");
    if (!r.model_path.empty()) s.description += ", " + r.model_path;
  }
  return s;
}

// One op type's executions per run and time in one report.
struct OpTypeTotal {
  double calls = 0;
  TimeRange time;
};

// Per op type, as the ranking counts them (profile/layer_nesting.h): a body layer adds its
// executions, a control layer its own time, less its body rows'.
std::map<std::string, OpTypeTotal> op_type_totals(const PerfReport& r, int runs) {
  std::map<std::string, OpTypeTotal> out;
  const std::vector<Stats> own = own_times(r.layers);
  for (size_t i = 0; i < r.layers.size(); ++i) {
    OpTypeTotal& t = out[r.layers[i].op_type];
    t.calls += r.layers[i].calls;
    t.time.median_us += own[i].median;
    t.time.low_us += own[i].min;
    t.time.high_us += own[i].p90;
  }
  for (auto& [type, t] : out) t.time.runs = runs;
  return out;
}

bool by_magnitude(const TimeChange& x, const TimeChange& y) { return std::fabs(x.change_us) > std::fabs(y.change_us); }

}  // namespace

Comparison compare_reports(const PerfReport& a, const PerfReport& b, const std::string& label_a,
                           const std::string& label_b) {
  Comparison c;
  c.a = side(a, label_a);
  c.b = side(b, label_b);

  // A body row's time (a Loop's layers) is inside its control layer's: the sum is the top level's.
  std::vector<const LayerProfile*> top_a, top_b;
  for (const LayerProfile& l : a.layers)
    if (l.parent == 0) top_a.push_back(&l);
  for (const LayerProfile& l : b.layers)
    if (l.parent == 0) top_b.push_back(&l);
  c.layer_sum = change(sum_of(top_a, c.a.runs), sum_of(top_b, c.b.runs));
  c.has_latency = a.latency_ms.count > 0 && b.latency_ms.count > 0;
  if (c.has_latency) {
    auto us = [](const Stats& s) { return TimeRange{s.median * 1e3, s.min * 1e3, s.p90 * 1e3, s.count}; };
    c.latency = change(us(a.latency_ms), us(b.latency_ms));
  }

  for (const compare::LayerPair& p : compare::match_layers(a.layers, b.layers)) {
    LayerChange lc;
    const LayerProfile* la = p.a >= 0 ? &a.layers[p.a] : nullptr;
    const LayerProfile* lb = p.b >= 0 ? &b.layers[p.b] : nullptr;
    TimeRange ra{0, 0, 0, c.a.runs}, rb{0, 0, 0, c.b.runs};  // an absent layer takes no time
    if (la) {
      lc.id_a = la->id;
      lc.op_type_a = la->op_type;
      lc.data_type_a = la->data_type;
      lc.name_a = la->source_names.empty() ? "" : scoped_name(la->scope, la->source_names.front());
      std::vector<const LayerProfile*> row = {la};
      for (int k : p.more_a) {
        row.push_back(&a.layers[k]);
        lc.more_ids_a.push_back(a.layers[k].id);
        lc.op_type_a += "+" + a.layers[k].op_type;
      }
      ra = row.size() == 1 ? range_of(la->time_us) : sum_of(row, c.a.runs);
    }
    if (lb) {
      lc.id_b = lb->id;
      lc.op_type_b = lb->op_type;
      lc.data_type_b = lb->data_type;
      lc.name_b = lb->source_names.empty() ? "" : scoped_name(lb->scope, lb->source_names.front());
      std::vector<const LayerProfile*> row = {lb};
      for (int k : p.more_b) {
        row.push_back(&b.layers[k]);
        lc.more_ids_b.push_back(b.layers[k].id);
        lc.op_type_b += "+" + b.layers[k].op_type;
      }
      rb = row.size() == 1 ? range_of(lb->time_us) : sum_of(row, c.b.runs);
    }
    lc.match = p.how;
    lc.time = change(ra, rb);
    if (!la) lc.time.verdict = "added";
    if (!lb) lc.time.verdict = "removed";
    if (p.how == "name") c.matched_by_name++;
    else if (p.how == "name prefix") c.matched_by_prefix++;
    else if (p.how == "op + shapes") c.matched_by_shapes++;
    else if (la) c.removed++;
    else c.added++;
    c.layers.push_back(std::move(lc));
  }
  std::stable_sort(c.layers.begin(), c.layers.end(),
                   [](const LayerChange& x, const LayerChange& y) { return by_magnitude(x.time, y.time); });

  const std::map<std::string, OpTypeTotal> types_a = op_type_totals(a, c.a.runs), types_b = op_type_totals(b, c.b.runs);
  std::map<std::string, std::pair<OpTypeTotal, OpTypeTotal>> by_type;
  for (const auto& [type, t] : types_a) by_type[type].first = t;
  for (const auto& [type, t] : types_b) by_type[type].second = t;
  for (auto& [type, sides] : by_type) {
    auto& [ta, tb] = sides;
    ta.time.runs = c.a.runs;  // an op type absent from a report takes no time in it
    tb.time.runs = c.b.runs;
    OpTypeChange oc;
    oc.op_type = type;
    oc.calls_a = static_cast<int>(std::lround(ta.calls));
    oc.calls_b = static_cast<int>(std::lround(tb.calls));
    oc.time = change(ta.time, tb.time);
    if (!types_a.count(type)) oc.time.verdict = "added";
    if (!types_b.count(type)) oc.time.verdict = "removed";
    c.op_types.push_back(std::move(oc));
  }
  std::stable_sort(c.op_types.begin(), c.op_types.end(),
                   [](const OpTypeChange& x, const OpTypeChange& y) { return by_magnitude(x.time, y.time); });
  return c;
}

}  // namespace layerscope
