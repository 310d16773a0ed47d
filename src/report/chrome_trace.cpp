// trace.json: the report as a Chrome trace (Trace Event Format; loads in chrome://tracing and
// ui.perfetto.dev). It shows one synthetic "median run": layers laid end to end in execution
// order, each lasting its median time, so the picture matches the text report's Time(us). The
// layers of an If branch or a Loop body (body rows) are slices inside their control layer's.
//
// Worker tracks: the recorder knows each thread's share of a layer's work, not when the
// thread was busy. Assuming the busiest thread worked for the whole layer, thread t was busy
//   dur_t = median * share_t / max_share
// so a balanced layer fills every worker track and an imbalanced one leaves visible gaps.
//
// Times are rounded to whole nanoseconds and accumulated as integers: every ts/dur is then an
// exact decimal with at most 3 fractional digits (us), and a layer ends exactly where the next
// begins, which trace viewers need to keep slices on one track from overlapping.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "layerscope/report.h"
#include "util/json.h"
#include "util/text.h"

namespace layerscope {

namespace {

constexpr int kPid = 1;
constexpr int kLayerTid = 0;
int worker_tid(size_t worker) { return 1 + static_cast<int>(worker); }

int64_t to_ns(double us) { return std::isfinite(us) && us > 0 ? std::llround(us * 1000.0) : 0; }
double ns_to_us(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

void write_shapes(JsonWriter& w, const char* name, const std::vector<std::vector<int64_t>>& shapes) {
  w.key(name).begin_array();
  for (const auto& s : shapes) w.value(shape_token(s));
  w.end_array();
}

void write_metadata(JsonWriter& w, const char* what, int tid, const std::string& name, int sort_index) {
  w.begin_object();
  w.field("name", what).field("ph", "M").field("pid", kPid).field("tid", tid);
  w.key("args").begin_object().field("name", name).end_object();
  w.end_object();
  const char* sort = std::string_view(what) == "process_name" ? "process_sort_index" : "thread_sort_index";
  w.begin_object();
  w.field("name", sort).field("ph", "M").field("pid", kPid).field("tid", tid);
  w.key("args").begin_object().field("sort_index", sort_index).end_object();
  w.end_object();
}

void write_layer_event(JsonWriter& w, const LayerProfile& l, int64_t ts_ns, int64_t dur_ns) {
  w.begin_object();
  w.field("name", l.op_type).field("cat", "layer").field("ph", "X");
  w.field("ts", ns_to_us(ts_ns)).field("dur", ns_to_us(dur_ns)).field("pid", kPid).field("tid", kLayerTid);
  w.key("args").begin_object();
  w.field("id", l.id)
      .field("layer", fused_names_text(l.source_names))
      .field("op_type", l.op_type)
      .field("kernel", l.kernel);
  w.field("data_type", l.data_type);
  write_shapes(w, "input_shapes", l.input_shapes);
  write_shapes(w, "output_shapes", l.output_shapes);
  w.field("macs", l.macs).field("other_ops", l.other_ops);
  w.field("bytes_read", l.bytes_read).field("bytes_written", l.bytes_written);
  w.field("bound", l.bound.empty() ? std::string("unknown") : l.bound);
  w.key("source_names").begin_array();
  for (const std::string& s : l.source_names) w.value(s);
  w.end_array();
  w.field("median_us", l.time_us.median).field("min_us", l.time_us.min).field("max_us", l.time_us.max);
  w.field("p90_us", l.time_us.p90).field("mean_us", l.time_us.mean).field("runs", l.time_us.count);
  w.key("workload").begin_array();
  for (double share : l.workload) w.value(share);
  w.end_array();
  w.field("live_activation_bytes", l.live_activation_bytes);
  w.field("parent", l.parent).field("scope", l.scope).field("calls", l.calls);
  w.end_object();
  w.end_object();
}

void write_worker_event(JsonWriter& w, const LayerProfile& l, size_t worker, int64_t ts_ns, int64_t dur_ns) {
  w.begin_object();
  w.field("name", l.op_type).field("cat", "worker").field("ph", "X");
  w.field("ts", ns_to_us(ts_ns)).field("dur", ns_to_us(dur_ns)).field("pid", kPid).field("tid", worker_tid(worker));
  w.key("args").begin_object();
  w.field("id", l.id).field("layer", fused_names_text(l.source_names)).field("workload_share", l.workload[worker]);
  w.end_object();
  w.end_object();
}

// Where a layer lies on the layer track. Its body rows (a Loop's layers) are laid end to end
// from its start, each lasting its per-run total, and cut at its end (their medians may add up
// to a little more than its own), so viewers nest them under it.
struct Span {
  int64_t next_child = 0, end = 0;
};

}  // namespace

std::string perf_chrome_trace(const PerfReport& r) {
  // Workers in use: those with a non-zero share of any layer.
  std::vector<bool> used;
  for (const LayerProfile& l : r.layers) {
    if (used.size() < l.workload.size()) used.resize(l.workload.size(), false);
    for (size_t t = 0; t < l.workload.size(); ++t)
      if (l.workload[t] > 0) used[t] = true;
  }
  std::string model = std::filesystem::path(r.model_path).filename().string();
  if (model.empty()) model = r.model_path.empty() ? "model" : r.model_path;

  JsonWriter w(1);
  w.begin_object();
  w.key("traceEvents").begin_array();
  write_metadata(w, "process_name", kLayerTid, model, 0);
  write_metadata(w, "thread_name", kLayerTid, "layers (median run)", 0);
  for (size_t t = 0; t < used.size(); ++t)
    if (used[t]) write_metadata(w, "thread_name", worker_tid(t), "worker " + std::to_string(t), worker_tid(t));

  int64_t ts = 0;
  std::unordered_map<int, Span> spans;  // by layer id: where each layer's row lies, for its body rows
  for (const LayerProfile& l : r.layers) {
    int64_t start = ts, dur = to_ns(l.time_us.median);
    auto parent = l.parent != 0 ? spans.find(l.parent) : spans.end();
    if (parent != spans.end()) {  // a body row: inside its control layer's span, after its earlier body rows
      start = parent->second.next_child;
      dur = std::min(dur, parent->second.end - start);
      parent->second.next_child = start + dur;
    }
    spans[l.id] = Span{start, start + dur};
    write_layer_event(w, l, start, dur);
    double max_share = 0;
    for (double s : l.workload) max_share = std::max(max_share, std::isfinite(s) ? s : 0.0);
    for (size_t t = 0; t < l.workload.size() && max_share > 0; ++t) {
      const double share = l.workload[t];
      if (!(share > 0)) continue;
      const int64_t busy = std::min<int64_t>(dur, std::llround(static_cast<double>(dur) * share / max_share));
      write_worker_event(w, l, t, start, busy);
    }
    if (parent == spans.end()) ts += dur;
  }
  w.end_array();
  w.field("displayTimeUnit", "ms");

  w.key("otherData").begin_object();
  w.field("schema", "layerscope.trace").field("schema_version", kPerfSchemaVersion);
  w.field("model_path", r.model_path).field("threads", r.threads);
  w.field("warmup", r.warmup).field("runs", r.runs);
  w.field("latency_median_ms", r.latency_ms.median);
  w.field("profiled_latency_median_ms", r.profiled_latency_ms.median);
  w.field("overhead_pct", r.overhead_pct);
  w.field("layer_sum_us", r.layer_sum_us).field("layer_sum_ratio_pct", r.layer_sum_ratio_pct);
  w.field("note",
          "one synthetic run: layers end to end at their median times; worker spans = median x "
          "(thread's share of the layer's work / largest share)");
  w.end_object();

  w.end_object();
  return w.str() + "\n";
}

}  // namespace layerscope
