// accuracy_text, accuracy_json, accuracy_csv: the report as a ranked text table, as JSON
// (schema "layerscope.accuracy", docs/quantize.md) and as one CSV row per layer.
#include <algorithm>
#include <cmath>

#include "accuracy/report_json.h"
#include "layerscope/accuracy.h"
#include "layerscope/printable.h"
#include "util/json.h"
#include "util/text.h"

namespace layerscope {

namespace {

// A metric in a table cell: "n/a*" when undefined (the reason is listed under the table),
// "inf" for an infinite SQNR.
std::string cell(const Metric& m, const char* format) {
  if (!m.defined) return "n/a*";
  if (std::isinf(m.value)) return m.value > 0 ? "inf" : "-inf";
  return fmt(format, m.value);
}

std::vector<const LayerAccuracy*> ranked(const AccuracyReport& r) {
  std::vector<const LayerAccuracy*> out;
  for (const LayerAccuracy& l : r.layers) out.push_back(&l);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
  return out;
}

std::string layer_label(const LayerAccuracy& l) { return "[" + l.op_type + "] " + printable(l.node); }

// Every note of a layer's metrics, "entire cosine: <why>", for the lines under the table.
std::vector<std::string> metric_notes(const LayerAccuracy& l) {
  std::vector<std::string> out;
  auto add = [&](const char* part, const TensorError& e) {
    const std::pair<const char*, const Metric*> ms[] = {
        {"cosine", &e.cosine}, {"relative L2", &e.rel_l2}, {"max abs", &e.max_abs}, {"SQNR", &e.sqnr_db}};
    for (const auto& [name, m] : ms)
      if (!m->note.empty()) out.push_back(std::string(part) + " " + name + ": " + m->note);
  };
  add("entire", l.entire);
  if (l.has_single) add("single", l.single);
  else if (!l.single_note.empty()) out.push_back("no single error: " + l.single_note);
  return out;
}

std::string output_line(const OutputAccuracy& o) {
  return fmt("  %s: cosine %s, relative L2 %s, max abs %s, SQNR %s dB\n", printable(o.name).c_str(),
             cell(o.error.cosine, "%.6f").c_str(), cell(o.error.rel_l2, "%.4g").c_str(),
             cell(o.error.max_abs, "%.4g").c_str(), cell(o.error.sqnr_db, "%.2f").c_str());
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_number(const Metric& m, bool worst) {
  if (!m.defined) return "";
  const double v = worst ? m.worst : m.value;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt("%.9g", v);
}

}  // namespace

std::string accuracy_text(const AccuracyReport& r) {
  std::string out = "Accuracy analysis: " + r.quant_model + " against " + r.float_model + "\n";
  out += fmt("%d sample(s); metrics are means over the samples (worst values in accuracy.json / .csv)\n\n", r.samples);
  out += "Final outputs (quantized against float):\n";
  for (const OutputAccuracy& o : r.outputs) out += output_line(o);
  out += fmt("\nTensors matched: %d; unmatched: %zu\n", r.matched_tensors, r.unmatched.size());
  for (const std::string& u : r.unmatched) out += "  unmatched: " + u + "\n";

  out +=
      "\nLayers ranked by the error each adds alone (single SQNR, lowest first), with the accumulated (entire) "
      "error alongside:\n";
  // The Time% column only with a perf report.
  const char* head =
      r.has_perf ? "%4s  %10s %11s  %10s %11s %11s %11s %7s  %s\n" : "%4s  %10s %11s  %10s %11s %11s %11s%s  %s\n";
  out += fmt(head, "Rank", "Single cos", "Single SQNR", "Entire cos", "Entire SQNR", "Entire relL2", "Entire max|e|",
             r.has_perf ? "Time%" : "", "Layer");
  bool any_note = false;
  for (const LayerAccuracy* l : ranked(r)) {
    const std::string time = r.has_perf ? (l->time_share_pct >= 0 ? fmt("%.1f", l->time_share_pct) : "-") : "";
    out += fmt(head, std::to_string(l->rank).c_str(), l->has_single ? cell(l->single.cosine, "%.6f").c_str() : "-",
               l->has_single ? (cell(l->single.sqnr_db, "%.2f") + " dB").c_str() : "-",
               cell(l->entire.cosine, "%.6f").c_str(), (cell(l->entire.sqnr_db, "%.2f") + " dB").c_str(),
               cell(l->entire.rel_l2, "%.4g").c_str(), cell(l->entire.max_abs, "%.4g").c_str(), time.c_str(),
               layer_label(*l).c_str());
    any_note = any_note || !metric_notes(*l).empty();
  }
  if (any_note) {
    out += "\nNotes (n/a* and the other cells that need a word):\n";
    for (const LayerAccuracy* l : ranked(r))
      for (const std::string& n : metric_notes(*l)) out += "  " + layer_label(*l) + ": " + n + "\n";
  }
  if (r.has_sensitivity) {
    out += fmt("\nSensitivity: each layer kept in float alone; output cosine (baseline %.6f):\n",
               r.baseline_output_cosine);
    for (const SensitivityEntry& s : r.sensitivity)
      out += fmt("  %.6f  (%+.6f)  [%s] %s\n", s.output_cosine, s.gain, s.op_type.c_str(), printable(s.node).c_str());
    if (r.keep_float.empty() && r.target_reached) {
      out += fmt("The quantized model already reaches output cosine %.6f >= %g: nothing needs to stay in float.\n",
                 r.baseline_output_cosine, r.target_cosine);
    } else {
      out += fmt("Keep-float list (greedy, most sensitive first): %zu layer(s), output cosine %.6f: %s %g\n",
                 r.keep_float.size(), r.keep_float_output_cosine, r.target_reached ? ">=" : "still below the target",
                 r.target_cosine);
      out += "  " + r.quantize_command + "\n";
    }
  }
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string accuracy_json(const AccuracyReport& r) {
  JsonWriter w;
  accuracy::write_report_json(w, r);
  return w.str() + "\n";
}

std::string accuracy_csv(const AccuracyReport& r) {
  std::string out =
      "rank,node,op_type,float_tensor,quant_tensor,matched_by,"
      "entire_cosine,entire_cosine_worst,entire_rel_l2,entire_rel_l2_worst,entire_max_abs,entire_max_abs_worst,"
      "entire_sqnr_db,entire_sqnr_db_worst,single_cosine,single_cosine_worst,single_rel_l2,single_rel_l2_worst,"
      "single_max_abs,single_max_abs_worst,single_sqnr_db,single_sqnr_db_worst,time_share_pct,notes\n";
  for (const LayerAccuracy* l : ranked(r)) {
    std::vector<std::string> f = {std::to_string(l->rank), l->node,         l->op_type,
                                  l->float_tensor,         l->quant_tensor, l->matched_by};
    for (const TensorError* e : {&l->entire, &l->single})
      for (const Metric* m : {&e->cosine, &e->rel_l2, &e->max_abs, &e->sqnr_db}) {
        const bool have = e == &l->entire || l->has_single;
        f.push_back(have ? csv_number(*m, false) : "");
        f.push_back(have ? csv_number(*m, true) : "");
      }
    f.push_back(l->time_share_pct >= 0 ? fmt("%.4f", l->time_share_pct) : "");
    std::string notes;
    for (const std::string& n : metric_notes(*l)) notes += (notes.empty() ? "" : "; ") + n;
    f.push_back(notes);
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + csv_field(f[i]);
    out += "\n";
  }
  return out;
}

}  // namespace layerscope
