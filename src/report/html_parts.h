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
#include "util/text.h"  // fmt, shapes_text, layer_full_name, bytes_text, per_thread_text

namespace layerscope::html {

// Text made safe for HTML element content and attribute values (& < > " ' escaped).
std::string escape(std::string_view text);

// A pretty-printed JSON document rewritten for a <script type="application/json"> element:
// whitespace between tokens dropped, and inside strings "</" written as "<\/" and "<!--" as
// "\u003c!--", so no datum (e.g. a layer named "</script>") can end or confuse the element.
// Both rewrites are valid JSON escapes: JSON.parse returns the original strings.
std::string script_safe_json(std::string_view pretty_json);

// A duration in microseconds with as many decimals as are meaningful at its size.
std::string micros(double us);

// The pieces the tables are made of. A sortable table is <table data-table=KEY id=ID> after
// filter_box(ID, ...) (the page script needs both); its header cells come from th() (type "num"
// or "text"), numeric cells carry their raw value in data-v ("" = unknown, sorts last).
std::string th(const char* key, const char* type, const std::string& label, const char* title);
std::string num_td(const std::string& text, const std::string& value, const std::string& title = "");
std::string op_chip(const std::string& op);
std::string filter_box(const char* table_id, const char* placeholder, const std::string& noun, size_t count);

// The sections of the page, each a complete <section> element.
std::string summary_section(const PerfReport& report);
std::string layer_table_section(const PerfReport& report);
std::string optype_table_section(const PerfReport& report);
std::string findings_section(const PerfReport& report, const std::vector<Finding>& findings);
std::string charts_section(const PerfReport& report);
// `perf --accuracy`: the accuracy analysis joined with this profile (report.accuracy); "" without it.
std::string accuracy_section(const PerfReport& report);

}  // namespace layerscope::html
