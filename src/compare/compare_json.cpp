// compare.json: the Comparison field for field (docs/report-schema.md, "compare.json").
#include "compare/compare_internal.h"
#include "layerscope/compare.h"
#include "util/json.h"

namespace layerscope {

namespace {

constexpr int kCompareSchemaVersion = 1;

void write_range(JsonWriter& w, const char* key, const TimeRange& r) {
  w.key(key).begin_object();
  w.field("median_us", r.median_us).field("low_us", r.low_us).field("high_us", r.high_us).field("runs", r.runs);
  w.end_object();
}

void write_change(JsonWriter& w, const TimeChange& t) {
  write_range(w, "a", t.a);
  write_range(w, "b", t.b);
  w.field("change_us", t.change_us);
  w.key("change_pct");
  if (t.a.median_us > 0) w.value(t.change_pct);
  else w.null();  // no baseline time: a relative change is undefined
  w.key("speedup");
  if (t.speedup > 0) w.value(t.speedup);
  else w.null();  // a side without time (a layer only in one report)
  w.field("verdict", t.verdict);
}

void write_side(JsonWriter& w, const char* key, const ReportSide& s) {
  w.key(key).begin_object();
  w.field("label", s.label).field("description", s.description).field("runs", s.runs);
  w.field("has_spread", s.has_spread).field("layers", s.layers);
  w.end_object();
}

}  // namespace

std::string comparison_json(const Comparison& c) {
  JsonWriter w;
  w.begin_object();
  w.field("schema", "layerscope.compare").field("schema_version", kCompareSchemaVersion);
  write_side(w, "a", c.a);
  write_side(w, "b", c.b);
  w.key("legend").begin_array();
  for (const std::string& line : compare::legend(c)) w.value(line);
  w.end_array();
  w.key("matching").begin_object();
  w.field("by_name", c.matched_by_name).field("by_name_prefix", c.matched_by_prefix);
  w.field("by_op_and_shapes", c.matched_by_shapes).field("added", c.added).field("removed", c.removed);
  w.end_object();
  w.key("layer_sum").begin_object();
  write_change(w, c.layer_sum);
  w.end_object();
  w.key("latency");
  if (c.has_latency) {
    w.begin_object();
    write_change(w, c.latency);
    w.end_object();
  } else {
    w.null();
  }
  w.key("op_types").begin_array();
  for (const OpTypeChange& o : c.op_types) {
    w.begin_object();
    w.field("op_type", o.op_type).field("calls_a", o.calls_a).field("calls_b", o.calls_b);
    write_change(w, o.time);
    w.end_object();
  }
  w.end_array();
  w.key("layers").begin_array();
  for (const LayerChange& l : c.layers) {
    w.begin_object();
    w.key("id_a");
    if (l.id_a) w.value(l.id_a);
    else w.null();
    w.key("id_b");
    if (l.id_b) w.value(l.id_b);
    else w.null();
    w.key("more_ids_a").begin_array();
    for (int id : l.more_ids_a) w.value(id);
    w.end_array();
    w.key("more_ids_b").begin_array();
    for (int id : l.more_ids_b) w.value(id);
    w.end_array();
    w.field("op_type_a", l.op_type_a).field("op_type_b", l.op_type_b);
    w.field("data_type_a", l.data_type_a).field("data_type_b", l.data_type_b);
    w.field("name_a", l.name_a).field("name_b", l.name_b).field("match", l.match);
    write_change(w, l.time);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace layerscope
