#include "report/json_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>

#include "accuracy/report_json.h"
#include "ir/error.h"
#include "layerscope/accuracy.h"
#include "layerscope/printable.h"
#include "layerscope/report.h"
#include "report/json_object.h"
#include "util/json.h"
#include "util/text.h"

namespace layerscope {

namespace {

using Obj = JsonObjectReader;

Stats read_stats(const Obj& o) {
  Stats s;
  s.median = o.number("median");
  s.min = o.number("min");
  s.max = o.number("max");
  s.p90 = o.number("p90");
  s.mean = o.number("mean");
  s.count = o.int32("count");
  return s;
}

LayerProfile read_layer(const Obj& o) {
  LayerProfile l;
  l.id = o.int32("id");
  l.op_type = o.string("op_type");
  l.data_type = o.string("data_type");
  l.target = o.has("target") ? o.string("target") : "CPU";
  l.input_shapes = o.shapes("input_shapes");
  l.output_shapes = o.shapes("output_shapes");
  l.kernel = o.string("kernel");
  l.source_names = o.strings("source_names");
  // Absent in reports written before layers named their values (and in imported ones).
  if (o.has("input_names")) l.input_names = o.strings("input_names");
  if (o.has("output_names")) l.output_names = o.strings("output_names");
  l.macs = o.number("macs");
  l.other_ops = o.number("other_ops");
  l.bytes_read = o.integer("bytes_read");
  l.bytes_written = o.integer("bytes_written");
  l.time_us = read_stats(o.child("time_us"));
  l.workload = o.numbers("workload");
  l.mem_cycles = o.number("mem_cycles");
  l.compute_cycles = o.number("compute_cycles");
  l.total_cycles = o.number("total_cycles");
  l.mac_usage_pct = o.numbers("mac_usage_pct");
  l.bound = o.string("bound", /*allow_null=*/true);
  l.live_activation_bytes = o.integer("live_activation_bytes");
  // Absent in reports written before body layers were rows: every layer is a top-level one.
  if (o.has("parent")) l.parent = o.int32("parent");
  if (o.has("scope")) l.scope = o.string("scope");
  if (o.has("calls")) l.calls = o.number("calls");
  return l;
}

// A body row follows the row of the control layer that ran it (depth first), so its parent is
// an earlier row; every reader (sums, ranking, indentation) relies on that.
void check_nesting(const std::vector<LayerProfile>& layers, const Obj& o) {
  const LayerProfile& l = layers.back();
  if (l.parent != 0 &&
      std::none_of(layers.begin(), layers.end() - 1, [&](const LayerProfile& p) { return p.id == l.parent; }))
    o.invalid("parent", "0 or the id of an earlier layer", std::to_string(l.parent));
  if (!(l.calls >= 0) || !std::isfinite(l.calls))
    o.invalid("calls", "a finite number of executions, at least 0", fmt("%g", l.calls));
}

}  // namespace

bool looks_like_json(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

PerfReport parse_perf_json(std::string_view text, const std::string& source) {
  JsonValue doc;
  std::string err;
  if (!parse_json(text, &doc, &err)) fail(source, ": not valid JSON (", err, ")");
  const Obj o(doc, "", source);
  const std::string schema = o.string("schema");
  if (schema != "layerscope.perf")
    fail(source, ": not a layerscope performance report (schema '", schema, "', expected 'layerscope.perf')");
  const int64_t version = o.integer("schema_version");
  if (version < 1 || version > kPerfSchemaVersion)
    fail(source, ": schema_version ", version, " is not one this layerscope reads (1 to ", kPerfSchemaVersion,
         "); a newer layerscope wrote it");

  PerfReport r;
  r.model_path = o.string("model_path");
  r.imported_from = o.string("imported_from");
  // At most what a Session accepts (session.h); the reports print one column entry per thread.
  r.threads = o.int32("threads", 0, 0, kMaxThreads);
  if (o.has("cores"))
    for (int64_t c : o.integers(*o.opt("cores"), o.at("cores"))) {
      if (c < 0 || c > INT32_MAX) fail(source, ": cores: expected core numbers from 0 to ", INT32_MAX, ", got ", c);
      r.cores.push_back(static_cast<int>(c));
    }
  if (o.has("optimized")) r.optimized = o.boolean("optimized");  // absent before it existed: true
  r.warmup = o.int32("warmup");
  r.runs = o.int32("runs");
  if (o.has("roofs")) {
    const Obj f = o.child("roofs");
    r.roofs.measured = f.boolean("measured");
    r.roofs.cpu_model = f.string("cpu_model");
    r.roofs.clock_ghz = f.number("clock_ghz");
    r.roofs.macs_per_cycle_per_core = f.number("macs_per_cycle_per_core");
    // Absent in reports written before int8 layers had their own roof: not measured.
    if (f.has("int8_macs_per_cycle_per_core"))
      r.roofs.int8_macs_per_cycle_per_core = f.number("int8_macs_per_cycle_per_core");
    r.roofs.bandwidth_gbs_one_core = f.number("bandwidth_gbs_one_core");
    r.roofs.bandwidth_gbs_all_cores = f.number("bandwidth_gbs_all_cores");
    r.roofs.cores = f.int32("cores", 0, 0, kMaxThreads);
  }
  if (o.has("latency_ms")) r.latency_ms = read_stats(o.child("latency_ms"));
  if (o.has("profiled_latency_ms")) r.profiled_latency_ms = read_stats(o.child("profiled_latency_ms"));
  r.overhead_pct = o.number("overhead_pct");
  r.layer_sum_us = o.number("layer_sum_us");
  r.layer_sum_ratio_pct = o.number("layer_sum_ratio_pct");

  const auto& layers = o.array("layers", /*required=*/true);
  for (size_t i = 0; i < layers.size(); ++i) {
    const Obj l = o.element(layers[i], "layers", i);
    l.req("id");
    l.req("op_type");
    l.req("time_us");
    r.layers.push_back(read_layer(l));
    check_nesting(r.layers, l);
  }
  const auto& ranking = o.array("ranking");
  for (size_t i = 0; i < ranking.size(); ++i) {
    const Obj k = o.element(ranking[i], "ranking", i);
    r.ranking.push_back({k.string("op_type"), k.int32("calls"), k.number("total_us"), k.number("ratio_pct")});
  }
  if (o.has("memory")) {
    const Obj m = o.child("memory");
    r.memory.weight_bytes = m.integer("weight_bytes");
    r.memory.internal_bytes = m.integer("internal_bytes");
    r.memory.other_bytes = m.integer("other_bytes");
    r.memory.total_bytes = m.integer("total_bytes");
    r.memory.model_file_bytes = m.integer("model_file_bytes");
    r.memory.naive_activation_bytes = m.integer("naive_activation_bytes");
  }
  // Absent before `perf --accuracy` existed, null without it.
  if (o.has("accuracy") && !o.req("accuracy").is_null())
    r.accuracy = std::make_shared<const AccuracyReport>(accuracy::read_report_json(o.child("accuracy")));
  return r;
}

}  // namespace layerscope
