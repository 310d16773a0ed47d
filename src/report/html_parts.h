// The pieces report.html is assembled from (include/layerscope/report.h: perf_report_html).
// The C++ side renders everything that is text (summary, tables, findings) as plain HTML, so
// the page reads without JavaScript; the page's script adds sorting, filtering, op-type colours
// and draws the SVG charts from the embedded JSON blob.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "layerscope/findings.h"
#include "layerscope/profile.h"

namespace layerscope::html {

// Text made safe for HTML element content and attribute values (& < > " ' escaped).
std::string escape(std::string_view text);

// printf into a std::string (numbers only; the result is never longer than a few dozen bytes).
std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A pretty-printed JSON document rewritten for a <script type="application/json"> element:
// whitespace between tokens dropped, and inside strings "</" written as "<\/" and "<!--" as
// "\u003c!--", so no datum (e.g. a layer named "</script>") can end or confuse the element.
// Both rewrites are valid JSON escapes: JSON.parse returns the original strings.
std::string script_safe_json(std::string_view pretty_json);

// "(1,3,224,224),(64,3,7,7)"; "\" when there are none.
std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes);
// The reference tool's FullName: "Conv:conv1+relu_1".
std::string full_name(const LayerProfile& layer);
// A duration in microseconds with as many decimals as are meaningful at its size.
std::string micros(double us);
// Bytes as "12.25 MiB" / "3.00 KiB" / "512 B".
std::string bytes_text(int64_t bytes);

// The sections of the page, each a complete <section> element.
std::string summary_section(const PerfReport& report);
std::string layer_table_section(const PerfReport& report);
std::string optype_table_section(const PerfReport& report);
std::string findings_section(const PerfReport& report, const std::vector<Finding>& findings);
std::string charts_section(const PerfReport& report);

// Inline assets: the stylesheet and the page script (no external references).
extern const char* const kStyle;
extern const char* const kScriptTables;  // colours, sorting, filtering, URL state, tooltip
extern const char* const kScriptCharts;    // chart plumbing, layer/op-type time, activation memory
extern const char* const kScriptRoofline;  // the roofline plot, then draws every chart

}  // namespace layerscope::html
