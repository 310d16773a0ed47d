// report.html's Accuracy section (`perf --accuracy`): the accuracy analysis of the profiled
// quantized model (accuracy.json) beside this profile's times, so one page shows per layer where
// the time went and where the accuracy went. The layers' times were joined by attach_accuracy
// (src/accuracy/perf_join.h, the matching `accuracy --perf` uses); this file only renders.
#include <algorithm>
#include <string>
#include <vector>

#include "accuracy/metric_cells.h"
#include "layerscope/accuracy.h"
#include "layerscope/printable.h"
#include "report/html_parts.h"

namespace layerscope::html {

namespace {

using accuracy::metric_td;

std::string outputs_table(const AccuracyReport& a) {
  std::string out =
      "<h3>Final outputs</h3>\n<div class=\"table-wrap\"><table class=\"data\" "
      "id=\"accuracy-outputs\">\n<thead><tr><th>Output</th>"
      "<th class=\"num\">Cosine</th><th class=\"num\">SQNR</th><th class=\"num\">Relative L2</th>"
      "<th class=\"num\">Max |e|</th></tr></thead>\n<tbody>\n";
  for (const OutputAccuracy& o : a.outputs)
    out += "<tr data-output=\"" + escape(printable(o.name)) + "\"><td class=\"name\">" + escape(printable(o.name)) +
           "</td>" + metric_td(o.error.cosine, "%.6f") + metric_td(o.error.sqnr_db, "%.2f", " dB") +
           metric_td(o.error.rel_l2, "%.4g") + metric_td(o.error.max_abs, "%.4g") + "</tr>\n";
  return out + "</tbody>\n</table></div>\n";
}

// Single and entire cosine and SQNR of one layer; "n/a*" with the reason when it has no single error.
std::string error_cells(const LayerAccuracy& l) {
  std::string out;
  if (l.has_single) {
    out += metric_td(l.single.cosine, "%.6f") + metric_td(l.single.sqnr_db, "%.2f", " dB");
  } else {
    const std::string why = escape(l.single_note.empty() ? "not measured (--no-single)" : l.single_note);
    out += "<td class=\"num\" data-v=\"\" title=\"" + why + "\">n/a*</td><td class=\"num\" data-v=\"\" title=\"" + why +
           "\">n/a*</td>";
  }
  return out + metric_td(l.entire.cosine, "%.6f") + metric_td(l.entire.sqnr_db, "%.2f", " dB");
}

std::string layer_row(const LayerAccuracy& l) {
  std::string out = "<tr data-node=\"" + escape(printable(l.node)) + "\">";
  out += num_td(std::to_string(l.rank), std::to_string(l.rank));
  out += "<td data-v=\"" + escape(l.op_type) + "\">" + op_chip(l.op_type) + "</td>";
  out += "<td class=\"name\" title=\"" + escape(printable(l.node)) + "\">" + escape(printable(l.node)) + "</td>";
  out += error_cells(l);
  const bool timed = l.time_share_pct >= 0;
  out += timed && l.time_us >= 0 ? num_td(micros(l.time_us), fmt("%.17g", l.time_us)) : num_td("-", "");
  out += timed ? num_td(fmt("%.2f", l.time_share_pct), fmt("%.17g", l.time_share_pct)) : num_td("-", "");
  const std::string rows = timed ? printable(l.perf_layers) : "no row of this profile names this node";
  out += "<td class=\"name\" title=\"" + escape(rows) + "\">" + escape(timed ? rows : "-") + "</td></tr>\n";
  return out;
}

std::string layers_table(const AccuracyReport& a) {
  std::vector<const LayerAccuracy*> ranked;
  for (const LayerAccuracy& l : a.layers) ranked.push_back(&l);
  std::stable_sort(ranked.begin(), ranked.end(), [](auto* x, auto* y) { return x->rank < y->rank; });
  const size_t timed = std::count_if(ranked.begin(), ranked.end(), [](auto* l) { return l->time_share_pct >= 0; });
  std::string out = "<h3>Layers, ranked by the error each adds alone</h3>\n";
  out +=
      "<p class=\"muted\"><b>Single</b>: the layer alone, fed the float model's tensors through its own "
      "quantization; <b>entire</b>: its tensor in the quantized model, with the errors of every layer before it "
      "(docs/quantize.md). Rank 1 loses the most (lowest single SQNR; entire where there is no single error). "
      "<b>Time</b> and <b>Share</b> are this profile's: the rows whose original node names contain the layer's node; "
      "a fused row's whole time goes to each node it names. Cells marked * carry a note (hover).";
  if (timed < ranked.size())
    out += " " + std::to_string(ranked.size() - timed) + " of " + std::to_string(ranked.size()) +
           " analysed layers have no row in this profile (-).";
  out += "</p>\n";
  out += filter_box("accuracy-table", "Filter layers: op type, node", "layers", ranked.size());
  out += "<div class=\"table-wrap\"><table id=\"accuracy-table\" class=\"data\" data-table=\"accuracy\">\n<thead><tr>";
  out += th("rank", "num", "Rank", "1 = loses the most");
  out += th("op", "text", "OpType", "the quantized model's node");
  out += th("node", "text", "Layer", "ONNX node name");
  out += th("single_cos", "num", "Single cosine", "the layer alone");
  out += th("single_sqnr", "num", "Single SQNR", "the layer alone, 10 log10(||f||^2 / ||q - f||^2)");
  out += th("entire_cos", "num", "Entire cosine", "accumulated up to this layer");
  out += th("entire_sqnr", "num", "Entire SQNR", "accumulated up to this layer");
  out += th("time", "num", "Time(&micro;s)", "median of this profile's rows naming the node");
  out += th("share", "num", "Share(%)", "of this profile's layer time");
  out += th("rows", "text", "Profile layer(s)", "the rows the time comes from");
  out += "</tr></thead>\n<tbody>\n";
  for (const LayerAccuracy* l : ranked) out += layer_row(*l);
  return out + "</tbody>\n</table></div>\n";
}

std::string sensitivity_part(const AccuracyReport& a) {
  std::string out = "<h3>Sensitivity: each layer kept in float alone</h3>\n";
  out += "<p>Output cosine with the quantized model as given: " + fmt("%.6f", a.baseline_output_cosine) + ". ";
  if (a.keep_float.empty() && a.target_reached) {
    out += "It already reaches the target " + fmt("%g", a.target_cosine) + ": nothing needs to stay in float.</p>\n";
  } else {
    out += "Keeping " + std::to_string(a.keep_float.size()) + " layer(s) in float gives " +
           fmt("%.6f", a.keep_float_output_cosine) + (a.target_reached ? " &ge; " : ", still below ") + "the target " +
           fmt("%g", a.target_cosine) + ":</p>\n<pre id=\"accuracy-keep-float\"><code>" + escape(a.quantize_command) +
           "</code></pre>\n";
  }
  out +=
      "<table class=\"data\" id=\"accuracy-sensitivity\">\n<thead><tr><th>OpType</th><th>Layer</th>"
      "<th class=\"num\">Output cosine</th><th class=\"num\">Gain</th></tr></thead>\n<tbody>\n";
  for (const SensitivityEntry& s : a.sensitivity)
    out += "<tr data-node=\"" + escape(printable(s.node)) + "\"><td>" + op_chip(s.op_type) +
           "</td><td class=\"name\">" + escape(printable(s.node)) + "</td>" +
           num_td(fmt("%.6f", s.output_cosine), fmt("%.17g", s.output_cosine)) +
           num_td(fmt("%+.6f", s.gain), fmt("%.17g", s.gain)) + "</tr>\n";
  return out + "</tbody>\n</table>\n";
}

}  // namespace

std::string accuracy_section(const PerfReport& r) {
  if (!r.accuracy) return "";
  const AccuracyReport& a = *r.accuracy;
  std::string out = "<section id=\"accuracy\">\n<h2>Accuracy</h2>\n";
  out += "<p class=\"muted\">The accuracy analysis of <code>" + escape(printable(a.quant_model)) +
         "</code> against <code>" + escape(printable(a.float_model)) + "</code> over " + std::to_string(a.samples) +
         " sample(s)" +
         (a.source.empty() ? std::string() : ", read from <code>" + escape(printable(a.source)) + "</code>") +
         "; metrics are means over the samples (accuracy.json keeps the worst).</p>\n";
  out += outputs_table(a);
  out += layers_table(a);
  if (a.has_sensitivity) out += sensitivity_part(a);
  if (!a.unmatched.empty())
    out += "<p class=\"muted\">" + std::to_string(a.unmatched.size()) +
           " tensor(s) of the quantized model had no float counterpart (accuracy.json lists them).</p>\n";
  for (const std::string& n : a.notes) out += "<p class=\"muted\">" + escape(n) + "</p>\n";
  return out + "</section>\n";
}

}  // namespace layerscope::html
