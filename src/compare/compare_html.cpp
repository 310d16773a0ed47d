// compare.html: the comparison as one self-contained page. Style and script (src/compare/assets/)
// are inline and nothing refers to the network, so the file can be mailed or archived and opened
// offline. Clicking a column header sorts its table (numbers by value, text alphabetically; again
// to reverse).
#include "compare/assets.h"
#include "compare/compare_internal.h"
#include "layerscope/compare.h"
#include "report/html_parts.h"

namespace layerscope {

namespace {

std::string esc(const std::string& s) { return html::escape(s); }

std::string num_cell(double v, const std::string& text) {
  return "<td class=\"n\" data-v=\"" + fmt("%.17g", v) + "\">" + text + "</td>";
}
std::string text_cell(const std::string& s) { return "<td>" + esc(s) + "</td>"; }

std::string time_cells(const TimeChange& t) {
  std::string out = num_cell(t.a.median_us, fmt("%.1f", t.a.median_us)) +
                    num_cell(t.b.median_us, fmt("%.1f", t.b.median_us)) +
                    num_cell(t.change_us, fmt("%+.1f", t.change_us));
  out +=
      t.a.median_us > 0 ? num_cell(t.change_pct, fmt("%+.1f%%", t.change_pct)) : "<td class=\"n\" data-v=\"\">n/a</td>";
  out += t.speedup > 0 ? num_cell(t.speedup, fmt("%.2fx", t.speedup)) : "<td class=\"n\" data-v=\"\">n/a</td>";
  std::string cls = t.verdict == "slower" ? "slower" : t.verdict == "faster" ? "faster" : "";
  out += "<td class=\"" + cls + "\">" + esc(t.verdict) + "</td>";
  return out;
}

const char* kTimeHeads =
    "<th class=\"num\">A (us)</th><th class=\"num\">B (us)</th><th class=\"num\">Change (us)</th>"
    "<th class=\"num\">Change (%)</th><th class=\"num\">Speed-up</th><th>Verdict</th>";

}  // namespace

std::string comparison_html(const Comparison& c) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>layerscope compare: " + esc(c.a.label) + " vs " + esc(c.b.label) + "</title>\n";
  out += std::string("<style>\n") + assets::kCompareCss + "</style>\n";
  out += "</head>\n<body>\n<h1>Comparison</h1>\n<p>A (baseline): <b>" + esc(c.a.label) + "</b> (" +
         esc(c.a.description) + ")<br>\nB (candidate): <b>" + esc(c.b.label) + "</b> (" + esc(c.b.description) +
         ")</p>\n";
  out +=
      fmt("<p>Layers: A %d, B %d; matched %d (%d by name, %d by name prefix, %d by op + shapes); %d added in B, %d "
          "removed from A.</p>\n",
          c.a.layers, c.b.layers, c.matched_by_name + c.matched_by_prefix + c.matched_by_shapes, c.matched_by_name,
          c.matched_by_prefix, c.matched_by_shapes, c.added, c.removed);

  out += "<table class=\"sortable\" id=\"totals\">\n<thead><tr><th></th>" + std::string(kTimeHeads) +
         "</tr></thead>\n<tbody>\n";
  out += "<tr>" + text_cell("Layer sum") + time_cells(c.layer_sum) + "</tr>\n";
  if (c.has_latency) out += "<tr>" + text_cell("End-to-end (profiler off)") + time_cells(c.latency) + "</tr>\n";
  out += "</tbody>\n</table>\n";
  if (!c.has_latency)
    out +=
        "<p class=\"legend\">End-to-end latency: not compared (a report has no end-to-end measurement, e.g. an "
        "imported one).</p>\n";
  out += "<ul class=\"legend\">\n";
  for (const std::string& line : compare::legend(c)) out += "<li>" + esc(line) + "</li>\n";
  out += "</ul>\n";

  out +=
      "<h2>Per op type</h2>\n<table class=\"sortable\" id=\"op-types\">\n<thead><tr><th>OpType</th>"
      "<th class=\"num\">Calls A</th><th class=\"num\">Calls B</th>" +
      std::string(kTimeHeads) + "</tr></thead>\n<tbody>\n";
  for (const OpTypeChange& o : c.op_types)
    out += "<tr>" + text_cell(o.op_type) + num_cell(o.calls_a, std::to_string(o.calls_a)) +
           num_cell(o.calls_b, std::to_string(o.calls_b)) + time_cells(o.time) + "</tr>\n";
  out += "</tbody>\n</table>\n";

  out +=
      "<h2>Per layer</h2>\n<table class=\"sortable\" id=\"layers\">\n<thead><tr><th class=\"num\">ID A</th>"
      "<th class=\"num\">ID B</th><th>OpType A</th><th>OpType B</th>" +
      std::string(kTimeHeads) +
      "<th>Match</th><th>DataType</th><th>Layer in A</th><th>Layer in B</th></tr></thead>\n<tbody>\n";
  for (const LayerChange& l : c.layers) {
    out += "<tr>";
    out += l.id_a ? num_cell(l.id_a, compare::ids_text(l.id_a, l.more_ids_a)) : "<td class=\"n\" data-v=\"\">-</td>";
    out += l.id_b ? num_cell(l.id_b, compare::ids_text(l.id_b, l.more_ids_b)) : "<td class=\"n\" data-v=\"\">-</td>";
    out += text_cell(l.op_type_a) + text_cell(l.op_type_b) + time_cells(l.time) + text_cell(l.match) +
           text_cell(compare::data_types_text(l)) + text_cell(l.name_a) + text_cell(l.name_b) + "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  out += std::string("<script>\n") + assets::kCompareJs + "</script>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace layerscope
