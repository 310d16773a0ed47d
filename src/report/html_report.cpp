// report.html: one self-contained page. The skeleton (head, sections, chart containers), the
// data blob the page script reads, and the inline assets. Nothing refers to the network: the
// file must open the same on an air-gapped machine years from now.
#include <algorithm>
#include <string>

#include "layerscope/report.h"
#include "report/assets.h"
#include "report/html_parts.h"
#include "util/json.h"

#ifndef LAYERSCOPE_VERSION
#define LAYERSCOPE_VERSION "unknown"
#endif

namespace layerscope {

namespace html {

namespace {

std::string findings_json(const std::vector<Finding>& findings) {
  JsonWriter w;
  w.begin_array();
  for (const Finding& f : findings) {
    w.begin_object();
    w.field("kind", f.kind).field("severity", f.severity).field("title", f.title).field("detail", f.detail);
    w.field("time_share_pct", f.time_share_pct);
    w.key("layer_ids").begin_array();
    for (int id : f.layer_ids) w.value(id);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string chart(const char* id, const std::string& title, const std::string& caption) {
  return std::string("<figure class=\"chart\"><figcaption><h3>") + title + "</h3><p>" + caption +
         "</p></figcaption>\n<div id=\"" + id + "\" class=\"chart-body\" data-rendered=\"0\" data-marks=\"0\"></div>" +
         "</figure>\n";
}

std::string roofline_caption(const PerfReport& r) {
  std::string text =
      "Each layer with arithmetic is a point: arithmetic intensity (FLOP per byte read + written) against achieved "
      "GFLOP/s (FLOP / median time), both axes logarithmic. FLOP = 2 &times; MACs (a multiply and an add) + other "
      "arithmetic ops (about one per output element of elementwise layers); larger points take more time. ";
  if (!r.roofs.measured) return text + "The machine roofs were not measured, so no roof lines are drawn.";
  const int in_use = r.roofs.cores > 0 ? std::min(std::max(r.threads, 1), r.roofs.cores) : std::max(r.threads, 1);
  return text + "Compute roof = 2 &times; " + fmt("%.1f", r.roofs.macs_per_cycle_per_core) +
         " MACs/cycle/core &times; " + fmt("%.2f", r.roofs.clock_ghz) + " GHz &times; " + std::to_string(in_use) +
         " core(s) = " + fmt("%.1f", 2.0 * r.roofs.macs_per_cycle_per_core * r.roofs.clock_ghz * in_use) +
         " GFLOP/s; bandwidth roofs = intensity &times; measured GB/s (one core, all cores). Points far below the "
         "roofs leave the most room for optimisation." +
         (r.roofs.int8_macs_per_cycle_per_core > 0
              ? " The int8 layers (DataType INT8/UINT8) count integer operations the same way; their roof is the "
                "dotted int8 peak, 2 &times; " +
                    fmt("%.1f", r.roofs.int8_macs_per_cycle_per_core) + " int8 MACs/cycle/core."
              : std::string());
}

}  // namespace

std::string charts_section(const PerfReport& r) {
  std::string out = "<section id=\"charts\">\n<h2>Charts</h2>\n";
  out +=
      "<noscript><p class=\"muted\">The charts are drawn by this page's own script: enable JavaScript to see "
      "them. The tables above need no script.</p></noscript>\n";
  out += "<div id=\"op-legend\" class=\"legend\" aria-label=\"op type colours\"></div>\n";
  out += chart("chart-layer-time", "Time per layer",
               "Median time of every top-level layer in execution order (an If's or a Loop's includes its bodies' "
               "layers), coloured by op type. Hover for details, click a bar to jump to its row in the layer table.");
  out += chart("chart-optype-time", "Time per op type",
               "Sum of the layers' median times per op type (the ranking table), with its share of the layer time.");
  out += chart("chart-roofline", "Roofline", roofline_caption(r));
  out += chart(
      "chart-activation-memory", "Activation memory over the execution",
      "Activation bytes alive while each top-level layer runs (from the memory plan), in execution order; the dashed "
      "line is the planned arena peak (" +
          escape(bytes_text(r.memory.internal_bytes)) + ", kernel scratch included).");
  return out + "</section>\n";
}

}  // namespace html

std::string perf_report_html(const PerfReport& report, const std::vector<Finding>& findings) {
  using namespace html;
  std::string model = report.model_path.substr(report.model_path.find_last_of('/') + 1);
  if (model.empty()) model = report.imported_from.empty() ? "(unnamed model)" : "(imported report)";
  std::string out;
  out.reserve(64 * 1024 + report.layers.size() * 2048);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"layerscope " LAYERSCOPE_VERSION "\">\n";
  out += "<title>" + escape(model) + " &ndash; layerscope performance report</title>\n";
  out += std::string("<style>\n") + assets::kReportCss + "</style>\n</head>\n<body>\n";
  out +=
      "<header class=\"page-head\"><div class=\"brand\">layerscope</div><h1>Performance report <span class=\"model\">" +
      escape(model) + "</span></h1>\n<nav><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a>" +
      (report.accuracy ? "<a href=\"#accuracy\">Accuracy</a>" : "") +
      "<a href=\"#charts\">Charts</a><a href=\"#layers\">Layers</a><a href=\"#optypes\">Op types</a></nav></header>\n";
  out += "<main>\n";
  out += summary_section(report);
  out += findings_section(report, findings);
  out += accuracy_section(report);  // beside the findings: where the accuracy went, with each layer's time
  out += charts_section(report);
  out += layer_table_section(report);
  out += optype_table_section(report);
  out += "</main>\n<footer>Generated by layerscope " LAYERSCOPE_VERSION
         ". Self-contained: no network access is needed to view this file. The raw data is embedded below as "
         "JSON (schema <code>layerscope.perf</code>, see docs/report-schema.md) plus the findings.</footer>\n";
  out += "<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n";
  out +=
      "<script type=\"application/json\" id=\"report-data\">{\"report\":" + script_safe_json(perf_report_json(report)) +
      ",\"findings\":" + script_safe_json(findings_json(findings)) + "}</script>\n";
  // The three scripts (src/report/assets/) in one element, in order: tables.js defines window.LS,
  // which charts.js and roofline.js use.
  out += std::string("<script>\n") + assets::kReportTablesJs + assets::kReportChartsJs + assets::kReportRooflineJs +
         "</script>\n";
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace layerscope
