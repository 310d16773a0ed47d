#include "accuracy/report_json.h"

#include <cmath>
#include <limits>

namespace layerscope::accuracy {

namespace {

using Obj = JsonObjectReader;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// JSON has no infinity: an infinite SQNR is `"infinite": true` with null values.
void write_metric(JsonWriter& w, const char* key, const Metric& m) {
  w.key(key).begin_object();
  w.field("defined", m.defined);
  if (m.defined && std::isinf(m.value)) {
    w.key("value").null().key("worst").null().field("infinite", true);
  } else if (m.defined) {
    w.field("value", m.value).field("worst", m.worst);
  } else {
    w.key("value").null().key("worst").null();
  }
  w.field("samples", m.samples).field("note", m.note);
  w.end_object();
}

void write_error(JsonWriter& w, const char* key, const TensorError& e) {
  w.key(key).begin_object();
  write_metric(w, "cosine", e.cosine);
  write_metric(w, "rel_l2", e.rel_l2);
  write_metric(w, "max_abs", e.max_abs);
  write_metric(w, "sqnr_db", e.sqnr_db);
  w.end_object();
}

void write_layer(JsonWriter& w, const LayerAccuracy& l) {
  w.begin_object();
  w.field("rank", l.rank).field("node", l.node).field("op_type", l.op_type);
  w.field("float_tensor", l.float_tensor).field("quant_tensor", l.quant_tensor).field("matched_by", l.matched_by);
  write_error(w, "entire", l.entire);
  if (l.has_single) write_error(w, "single", l.single);
  else w.key("single").null();
  w.field("single_note", l.single_note);
  if (l.time_share_pct >= 0) {
    w.field("time_share_pct", l.time_share_pct).field("perf_layers", l.perf_layers);
    if (l.time_us >= 0) w.field("time_us", l.time_us);
  } else {
    w.key("time_share_pct").null();
  }
  w.end_object();
}

void write_sensitivity(JsonWriter& w, const AccuracyReport& r) {
  w.key("sensitivity").begin_object();
  w.field("baseline_output_cosine", r.baseline_output_cosine);
  w.key("layers").begin_array();
  for (const SensitivityEntry& s : r.sensitivity)
    w.begin_object()
        .field("node", s.node)
        .field("op_type", s.op_type)
        .field("output_cosine", s.output_cosine)
        .field("gain", s.gain)
        .end_object();
  w.end_array();
  w.field("target_cosine", r.target_cosine).field("target_reached", r.target_reached);
  w.key("keep_float").begin_array();
  for (const std::string& n : r.keep_float) w.value(n);
  w.end_array();
  w.field("keep_float_output_cosine", r.keep_float_output_cosine).field("quantize_command", r.quantize_command);
  w.end_object();
}

// A defined metric needs its numbers (or "infinite"); an undefined one has none (NaN here).
Metric read_metric(const Obj& o) {
  Metric m;
  m.defined = o.boolean("defined");
  m.samples = o.int32("samples", 0, 0);
  m.note = o.string("note");
  m.value = m.worst = kNan;
  if (!m.defined) return m;
  if (o.boolean("infinite")) {
    m.value = m.worst = std::numeric_limits<double>::infinity();
    return m;
  }
  for (const char* key : {"value", "worst"})
    if (!o.req(key).is_number()) o.wrong(key, "a number (the metric is defined)", o.req(key));
  m.value = o.number("value");
  m.worst = o.number("worst");
  return m;
}

TensorError read_error(const Obj& o) {
  return {read_metric(o.child("cosine")), read_metric(o.child("rel_l2")), read_metric(o.child("max_abs")),
          read_metric(o.child("sqnr_db"))};
}

LayerAccuracy read_layer(const Obj& o) {
  LayerAccuracy l;
  l.rank = o.int32("rank", 0, 1);
  l.node = o.string("node");
  l.op_type = o.string("op_type");
  l.float_tensor = o.string("float_tensor");
  l.quant_tensor = o.string("quant_tensor");
  l.matched_by = o.string("matched_by");
  l.entire = read_error(o.child("entire"));
  l.has_single = !o.req("single").is_null();
  if (l.has_single) l.single = read_error(o.child("single"));
  l.single_note = o.string("single_note");
  l.time_share_pct = o.number("time_share_pct", -1);
  l.time_us = o.number("time_us", -1);
  l.perf_layers = o.string("perf_layers");
  return l;
}

void read_sensitivity(const Obj& s, AccuracyReport* r) {
  r->has_sensitivity = true;
  r->baseline_output_cosine = s.number("baseline_output_cosine");
  const auto& layers = s.array("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    const Obj e = s.element(layers[i], "layers", i);
    r->sensitivity.push_back({e.string("node"), e.string("op_type"), e.number("output_cosine"), e.number("gain")});
  }
  r->target_cosine = s.number("target_cosine");
  r->target_reached = s.boolean("target_reached");
  r->keep_float = s.strings("keep_float");
  r->keep_float_output_cosine = s.number("keep_float_output_cosine");
  r->quantize_command = s.string("quantize_command");
}

}  // namespace

void write_report_json(JsonWriter& w, const AccuracyReport& r) {
  w.begin_object();
  w.field("schema", "layerscope.accuracy").field("version", kAccuracySchemaVersion);
  w.field("float_model", r.float_model).field("quant_model", r.quant_model).field("samples", r.samples);
  w.field("source", r.source);
  w.key("outputs").begin_array();
  for (const OutputAccuracy& o : r.outputs) {
    w.begin_object().field("name", o.name);
    write_error(w, "error", o.error);
    w.end_object();
  }
  w.end_array();
  w.field("matched_tensors", r.matched_tensors);
  w.key("unmatched").begin_array();
  for (const std::string& u : r.unmatched) w.value(u);
  w.end_array();
  w.key("layers").begin_array();
  for (const LayerAccuracy& l : r.layers) write_layer(w, l);
  w.end_array();
  w.field("perf", r.has_perf ? r.perf_path : std::string());
  if (r.has_sensitivity) write_sensitivity(w, r);
  else w.key("sensitivity").null();
  w.key("notes").begin_array();
  for (const std::string& n : r.notes) w.value(n);
  w.end_array();
  w.end_object();
}

AccuracyReport read_report_json(const Obj& o) {
  const std::string schema = o.string("schema");
  if (schema != "layerscope.accuracy")
    o.invalid("schema", "'layerscope.accuracy' (the accuracy.json `layerscope accuracy --out` writes)",
              "'" + schema + "'");
  const int64_t version = o.integer("version");
  if (version < 1 || version > kAccuracySchemaVersion)
    o.invalid("version", "1 to " + std::to_string(kAccuracySchemaVersion) + " (a newer layerscope wrote it)",
              std::to_string(version));
  AccuracyReport r;
  r.float_model = o.string("float_model");
  r.quant_model = o.string("quant_model");
  r.samples = o.int32("samples", 0, 0);
  r.source = o.string("source");
  const auto& outputs = o.array("outputs", /*required=*/true);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Obj e = o.element(outputs[i], "outputs", i);
    r.outputs.push_back({e.string("name"), read_error(e.child("error"))});
  }
  r.matched_tensors = o.int32("matched_tensors", 0, 0);
  r.unmatched = o.strings("unmatched");
  const auto& layers = o.array("layers", /*required=*/true);
  for (size_t i = 0; i < layers.size(); ++i) r.layers.push_back(read_layer(o.element(layers[i], "layers", i)));
  r.perf_path = o.string("perf");
  r.has_perf = !r.perf_path.empty();
  if (o.has("sensitivity") && !o.req("sensitivity").is_null()) read_sensitivity(o.child("sensitivity"), &r);
  r.notes = o.strings("notes");
  return r;
}

}  // namespace layerscope::accuracy
