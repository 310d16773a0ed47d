// Machine-readable forms of a PerfReport (see docs/report-schema.md for every field):
//   perf.json   - the whole report as JSON ("schema": "layerscope.perf", versioned)
//   layers.csv  - one row per layer, RFC 4180, for spreadsheets and pandas
//   trace.json  - Chrome Trace Event Format: open in chrome://tracing or ui.perfetto.dev
//   report.html - one self-contained page (no network access): summary, sortable tables,
//                 findings and charts (time per layer / op type, roofline, activation memory)
#pragma once
#include <string>
#include <vector>

#include "layerscope/findings.h"
#include "layerscope/profile.h"
#include "layerscope/status.h"

namespace layerscope {

// Bumped when a field is renamed, removed or changes meaning/unit; adding fields keeps it.
// 2: `layers` also holds the layers of If/Loop/Scan bodies, nested after their control layer
// (LayerProfile::parent); readers of version 1 files see no body rows. Reports read 1 and 2.
constexpr int kPerfSchemaVersion = 2;

// The report as a JSON document (pretty-printed, UTF-8).
std::string perf_report_json(const PerfReport& report);

// The layer table as CSV: a header row, then one row per layer in execution order.
std::string perf_layers_csv(const PerfReport& report);

// A Chrome trace of one median run: the layers laid end to end on one track, plus one track per
// worker thread showing each layer's estimated busy time on that thread.
std::string perf_chrome_trace(const PerfReport& report);

// The report as one self-contained HTML page: every style, script and datum is inline (the
// report plus `findings` as a JSON blob in <script id="report-data">), nothing is fetched from
// the network, and the charts are SVG drawn by the page's own script. Open it in any browser.
std::string perf_report_html(const PerfReport& report, const std::vector<Finding>& findings);

// The files write_perf_reports() writes, in this order.
inline constexpr const char* kPerfReportFiles[] = {"perf.txt", "perf.json", "layers.csv", "trace.json", "report.html"};

// Writes DIR/perf.txt (`text`, usually format_perf_text + format_memory_text), DIR/perf.json,
// DIR/layers.csv, DIR/trace.json and DIR/report.html (with find_findings(report)). DIR must
// exist. All five are first written to temporary files in DIR and only renamed into place once
// every one was written completely, so a failure leaves neither half-written files nor
// temporaries (existing reports stay untouched).
Status write_perf_reports(const PerfReport& report, const std::string& dir, const std::string& text);

}  // namespace layerscope
