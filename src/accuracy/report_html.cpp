// accuracy.html: the accuracy analysis as one self-contained page in report.html's style (its
// stylesheet, src/report/assets/report.css) with compare.html's column sorting
// (src/compare/assets/compare.js). Everything is rendered here as plain HTML: the page reads
// without JavaScript; the script only sorts.
#include <algorithm>
#include <cmath>

#include "accuracy/metric_cells.h"
#include "compare/assets.h"
#include "layerscope/accuracy.h"
#include "layerscope/printable.h"
#include "report/assets.h"
#include "report/html_parts.h"

#ifndef LAYERSCOPE_VERSION
#define LAYERSCOPE_VERSION "unknown"
#endif

namespace layerscope {

namespace {

using accuracy::metric_td;
using accuracy::metric_text;
using html::escape;

std::string empty_td() { return "<td class=\"num\" data-v=\"\">-</td>"; }

std::string error_cells(const TensorError& e) {
  return metric_td(e.cosine, "%.6f") + metric_td(e.sqnr_db, "%.2f", " dB") + metric_td(e.rel_l2, "%.4g") +
         metric_td(e.max_abs, "%.4g");
}

std::string card(const std::string& label, const std::string& value, const std::string& note) {
  return "<div class=\"metric\"><div class=\"metric-label\">" + escape(label) + "</div><div class=\"metric-value\">" +
         escape(value) + "</div><div class=\"metric-note\">" + escape(note) + "</div></div>\n";
}

}  // namespace

std::string accuracy_html(const AccuracyReport& r) {
  std::string model = r.quant_model.substr(r.quant_model.find_last_of('/') + 1);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"layerscope " LAYERSCOPE_VERSION "\">\n";
  out += "<title>" + escape(printable(model)) + " &ndash; layerscope accuracy analysis</title>\n";
  out += std::string("<style>\n") + assets::kReportCss + "</style>\n</head>\n<body>\n";
  out +=
      "<header class=\"page-head\"><div class=\"brand\">layerscope</div><h1>Accuracy analysis <span class=\"model\">" +
      escape(printable(model)) + "</span></h1>\n<nav><a href=\"#summary\">Summary</a><a href=\"#layers\">Layers</a>" +
      (r.has_sensitivity ? "<a href=\"#sensitivity\">Sensitivity</a>" : "") + "</nav></header>\n<main>\n";

  out += "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"metrics\">\n";
  for (const OutputAccuracy& o : r.outputs) {
    out += card("output " + printable(o.name) + " cosine", metric_text(o.error.cosine, "%.6f"),
                "worst sample " + (o.error.cosine.defined ? fmt("%.6f", o.error.cosine.worst) : "n/a") +
                    (o.error.cosine.note.empty() ? "" : "; " + o.error.cosine.note));
    out += card(
        "output " + printable(o.name) + " SQNR", metric_text(o.error.sqnr_db, "%.2f dB"),
        "relative L2 " + metric_text(o.error.rel_l2, "%.4g") + ", max abs " + metric_text(o.error.max_abs, "%.4g"));
  }
  out += card("samples", std::to_string(r.samples), "metrics are means over the samples");
  out += card("tensors matched", std::to_string(r.matched_tensors), std::to_string(r.unmatched.size()) + " unmatched");
  out += "</div>\n<table class=\"kv\"><tr><th>Float model</th><td><code>" + escape(printable(r.float_model)) +
         "</code></td></tr><tr><th>Quantized model</th><td><code>" + escape(printable(r.quant_model)) +
         "</code></td></tr>";
  if (r.has_perf) out += "<tr><th>Perf report</th><td><code>" + escape(printable(r.perf_path)) + "</code></td></tr>";
  out += "</table>\n";
  if (!r.unmatched.empty()) {
    out += "<h3>Unmatched tensors</h3><ul>\n";
    for (const std::string& u : r.unmatched) out += "<li><code>" + escape(u) + "</code></li>\n";
    out += "</ul>\n";
  }
  for (const std::string& n : r.notes) out += "<p class=\"muted\">" + escape(n) + "</p>\n";
  out += "</section>\n";

  out += "<section id=\"layers\">\n<h2>Layers, ranked by the error each adds alone</h2>\n";
  out +=
      "<p class=\"muted\"><b>Single</b>: the layer alone, fed the float model's tensors through its own "
      "quantization. <b>Entire</b>: its tensor in the quantized model, with the errors of every layer before it. "
      "SQNR = 10 log10(||f||&sup2; / ||q &minus; f||&sup2;); relative L2 = ||q &minus; f|| / ||f||. Cells marked * "
      "carry a note (hover). Click a header to sort.</p>\n";
  out += "<div class=\"table-wrap\"><table class=\"data sortable\" id=\"layer-table\">\n<thead><tr>";
  out += "<th class=\"num\">Rank</th><th>OpType</th><th>Layer</th>";
  for (const char* part : {"Single", "Entire"})
    out +=
        fmt("<th class=\"num\">%s cosine</th><th class=\"num\">%s SQNR</th><th class=\"num\">%s rel L2</th>"
            "<th class=\"num\">%s max |e|</th>",
            part, part, part, part);
  if (r.has_perf) out += "<th class=\"num\">Time %</th>";
  out += "<th>Float tensor</th></tr></thead>\n<tbody>\n";
  std::vector<const LayerAccuracy*> ranked;
  for (const LayerAccuracy& l : r.layers) ranked.push_back(&l);
  std::sort(ranked.begin(), ranked.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
  for (const LayerAccuracy* l : ranked) {
    out += "<tr><td class=\"num\" data-v=\"" + std::to_string(l->rank) + "\">" + std::to_string(l->rank) + "</td>";
    out += "<td>" + escape(l->op_type) + "</td><td class=\"name\" title=\"" + escape(printable(l->node)) + "\">" +
           escape(printable(l->node)) + "</td>";
    if (l->has_single) out += error_cells(l->single);
    else
      out += "<td class=\"num\" data-v=\"\" title=\"" + escape(l->single_note) + "\">n/a*</td>" + empty_td() +
             empty_td() + empty_td();
    out += error_cells(l->entire);
    if (r.has_perf)
      out += l->time_share_pct >= 0 ? "<td class=\"num\" data-v=\"" + fmt("%.17g", l->time_share_pct) + "\" title=\"" +
                                          escape(l->perf_layers) + "\">" + fmt("%.1f", l->time_share_pct) + "</td>"
                                    : empty_td();
    out += "<td class=\"name\">" + escape(printable(l->float_tensor)) + "</td></tr>\n";
  }
  out += "</tbody>\n</table></div>\n</section>\n";

  if (r.has_sensitivity) {
    out += "<section id=\"sensitivity\">\n<h2>Sensitivity</h2>\n";
    out +=
        "<p>Each layer kept in float alone (its input quantization removed, its float weights restored); the "
        "final outputs' cosine (mean over the samples of the lowest output's). Baseline: " +
        fmt("%.6f", r.baseline_output_cosine) + ".</p>\n";
    if (r.keep_float.empty() && r.target_reached)
      out += "<p>The quantized model already reaches the target " + fmt("%g", r.target_cosine) + ".</p>\n";
    else
      out += "<p>Greedy keep-float list, " + std::to_string(r.keep_float.size()) + " layer(s): output cosine " +
             fmt("%.6f", r.keep_float_output_cosine) + (r.target_reached ? " &ge; " : " (still below) ") +
             fmt("%g", r.target_cosine) + ":</p>\n<pre><code>" + escape(r.quantize_command) + "</code></pre>\n";
    out +=
        "<table class=\"data sortable\" id=\"sensitivity-table\">\n<thead><tr><th>OpType</th><th>Layer</th>"
        "<th class=\"num\">Output cosine</th><th class=\"num\">Gain</th></tr></thead>\n<tbody>\n";
    for (const SensitivityEntry& s : r.sensitivity)
      out += "<tr><td>" + escape(s.op_type) + "</td><td class=\"name\">" + escape(printable(s.node)) +
             "</td><td class=\"num\" data-v=\"" + fmt("%.17g", s.output_cosine) + "\">" + fmt("%.6f", s.output_cosine) +
             "</td><td class=\"num\" data-v=\"" + fmt("%.17g", s.gain) + "\">" + fmt("%+.6f", s.gain) + "</td></tr>\n";
    out += "</tbody>\n</table>\n</section>\n";
  }
  out += "</main>\n<footer>Generated by layerscope " LAYERSCOPE_VERSION
         ". Self-contained: no network access is needed to view this file. The data is embedded below as JSON "
         "(schema <code>layerscope.accuracy</code>).</footer>\n";
  out += "<script type=\"application/json\" id=\"accuracy-data\">" + html::script_safe_json(accuracy_json(r)) +
         "</script>\n";
  out += std::string("<script>\n") + assets::kCompareJs + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace layerscope
