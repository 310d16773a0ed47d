// perf.json: the PerfReport as JSON, field for field (docs/report-schema.md is the contract).
// Figures that are unknown rather than zero are written as null: the roofline cycles when the
// machine roofs were not measured, and the bound when it could not be decided.
#include <string>
#include <vector>

#include "accuracy/report_json.h"
#include "layerscope/accuracy.h"
#include "layerscope/findings.h"
#include "layerscope/report.h"
#include "util/json.h"

namespace layerscope {

namespace {

void write_stats(JsonWriter& w, const Stats& s) {
  w.begin_object();
  w.field("median", s.median).field("min", s.min).field("max", s.max).field("p90", s.p90);
  w.field("mean", s.mean).field("count", s.count);
  w.end_object();
}

void write_shapes(JsonWriter& w, const std::vector<std::vector<int64_t>>& shapes) {
  w.begin_array();
  for (const auto& shape : shapes) {
    w.begin_array();
    for (int64_t d : shape) w.value(d);
    w.end_array();
  }
  w.end_array();
}

template <typename T>
void write_list(JsonWriter& w, const std::vector<T>& items) {
  w.begin_array();
  for (const T& v : items) w.value(v);
  w.end_array();
}

void write_cycles(JsonWriter& w, const char* name, double cycles, bool known) {
  w.key(name);
  if (known) w.value(cycles);
  else w.null();
}

void write_layer(JsonWriter& w, const LayerProfile& l, bool roofs_measured) {
  w.begin_object();
  w.field("id", l.id).field("op_type", l.op_type).field("data_type", l.data_type).field("target", l.target);
  w.key("input_shapes");
  write_shapes(w, l.input_shapes);
  w.key("output_shapes");
  write_shapes(w, l.output_shapes);
  w.field("kernel", l.kernel);
  w.key("source_names");
  write_list(w, l.source_names);
  w.key("input_names");
  write_list(w, l.input_names);
  w.key("output_names");
  write_list(w, l.output_names);
  w.field("macs", l.macs).field("other_ops", l.other_ops);
  w.field("bytes_read", l.bytes_read).field("bytes_written", l.bytes_written);
  w.key("time_us");
  write_stats(w, l.time_us);
  w.key("workload");
  write_list(w, l.workload);
  write_cycles(w, "mem_cycles", l.mem_cycles, roofs_measured);
  write_cycles(w, "compute_cycles", l.compute_cycles, roofs_measured);
  write_cycles(w, "total_cycles", l.total_cycles, roofs_measured);
  w.key("mac_usage_pct");
  write_list(w, l.mac_usage_pct);
  w.key("bound");
  if (l.bound.empty()) w.null();
  else w.value(l.bound);
  w.field("live_activation_bytes", l.live_activation_bytes);
  w.field("parent", l.parent).field("scope", l.scope).field("calls", l.calls);
  w.end_object();
}

}  // namespace

std::string perf_report_json(const PerfReport& r) {
  JsonWriter w;
  w.begin_object();
  w.field("schema", "layerscope.perf").field("schema_version", kPerfSchemaVersion);
  w.field("model_path", r.model_path).field("imported_from", r.imported_from).field("threads", r.threads);
  w.key("cores");
  write_list(w, r.cores);
  w.field("optimized", r.optimized);
  w.field("warmup", r.warmup).field("runs", r.runs);

  w.key("roofs").begin_object();
  w.field("measured", r.roofs.measured).field("cpu_model", r.roofs.cpu_model);
  w.field("clock_ghz", r.roofs.clock_ghz);
  w.field("macs_per_cycle_per_core", r.roofs.macs_per_cycle_per_core);
  w.field("int8_macs_per_cycle_per_core", r.roofs.int8_macs_per_cycle_per_core);
  w.field("bandwidth_gbs_one_core", r.roofs.bandwidth_gbs_one_core);
  w.field("bandwidth_gbs_all_cores", r.roofs.bandwidth_gbs_all_cores);
  w.field("cores", r.roofs.cores);
  w.end_object();

  w.key("latency_ms");
  write_stats(w, r.latency_ms);
  w.key("profiled_latency_ms");
  write_stats(w, r.profiled_latency_ms);
  w.field("overhead_pct", r.overhead_pct);
  w.field("layer_sum_us", r.layer_sum_us);
  w.field("layer_sum_ratio_pct", r.layer_sum_ratio_pct);

  w.key("layers").begin_array();
  // Cycles are known from measured roofs, or from the board's counters in an imported report.
  const bool cycles_known = r.roofs.measured || !r.imported_from.empty();
  for (const LayerProfile& l : r.layers) write_layer(w, l, cycles_known);
  w.end_array();

  w.key("ranking").begin_array();
  for (const OpTypeRank& k : r.ranking) {
    w.begin_object();
    w.field("op_type", k.op_type).field("calls", k.calls).field("total_us", k.total_us);
    w.field("ratio_pct", k.ratio_pct);
    w.end_object();
  }
  w.end_array();

  const MemoryReport& m = r.memory;
  w.key("memory").begin_object();
  w.field("weight_bytes", m.weight_bytes).field("internal_bytes", m.internal_bytes);
  w.field("other_bytes", m.other_bytes).field("total_bytes", m.total_bytes);
  w.field("model_file_bytes", m.model_file_bytes).field("naive_activation_bytes", m.naive_activation_bytes);
  w.end_object();

  // `perf --accuracy`: the accuracy.json object, its layers' times joined with this report's.
  if (r.accuracy) {
    w.key("accuracy");
    accuracy::write_report_json(w, *r.accuracy);
  } else {
    w.key("accuracy").null();
  }

  // Derived from the fields above (find_findings); written for readers of the file alone.
  w.key("findings").begin_array();
  for (const Finding& f : find_findings(r)) {
    w.begin_object();
    w.field("kind", f.kind).field("severity", f.severity).field("title", f.title).field("detail", f.detail);
    w.field("time_share_pct", f.time_share_pct);
    w.key("layer_ids");
    write_list(w, f.layer_ids);
    w.end_object();
  }
  w.end_array();

  w.end_object();
  return w.str() + "\n";
}

}  // namespace layerscope
