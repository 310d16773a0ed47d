// Shared by the two report-reading fuzz targets: parse a report as `layerscope import` does
// (tools/cli/cmd_import.cpp) and render it in every form that command prints or writes, so
// hostile values that parse (NaN, huge counts, empty tables) are driven through the writers too.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "layerscope/findings.h"
#include "layerscope/import.h"
#include "layerscope/profile.h"
#include "layerscope/report.h"

namespace layerscope::fuzz {

inline void import_and_render(const uint8_t* data, size_t size, const std::string& source) {
  PerfReport report;
  Status st = parse_perf_report(std::string(reinterpret_cast<const char*>(data), size), source, &report);
  if (!st) {
    // Refusals must name the file; "internal error: ..." (an exception other than
    // layerscope::Error, see api/guarded.h) or "out of memory" is a bug, not an answer.
    if (st.message().find(source) == std::string::npos) {
      std::fprintf(stderr, "unclear error for bad input: %s\n", st.message().c_str());
      std::abort();
    }
    return;
  }
  const std::vector<Finding> findings = find_findings(report);
  std::string text = format_perf_text(report) + "\n" + format_findings_text(findings);
  if (report.memory.total_bytes > 0) text += "\n" + format_memory_text(report.memory);
  text += perf_report_json(report);
  text += perf_layers_csv(report);
  text += perf_chrome_trace(report);
  text += perf_report_html(report, findings);
  volatile size_t sink = text.size();
  (void)sink;
}

}  // namespace layerscope::fuzz
