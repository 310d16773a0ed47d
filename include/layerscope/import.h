// Reading performance reports back: our own perf.json, or the reference tool's eval_perf text
// (RKNN toolkit, 2.x or 1.x layout). The kind is recognised by content, not by file name. An
// imported eval_perf text becomes an ordinary PerfReport (imported_from says where it came
// from; docs/report-schema.md "Imported reports" lists the mapping), so every report writer,
// find_findings() and compare_reports() work on it.
#pragma once
#include <string>

#include "layerscope/profile.h"
#include "layerscope/status.h"

namespace layerscope {

// Our perf.json (schema "layerscope.perf", version 1): every field perf_report_json() writes.
// `source` names the text in error messages (usually the file name).
Status perf_report_from_json(const std::string& text, const std::string& source, PerfReport* report);

// The reference tool's eval_perf text. Errors name `source` and the line:
// "board.txt:14: Time(us): expected a number, got 'abc'".
Status perf_report_from_rknn_text(const std::string& text, const std::string& source, PerfReport* report);

// Either of the two, recognised by content.
Status parse_perf_report(const std::string& text, const std::string& source, PerfReport* report);

// Reads the file at `path` and parses it with parse_perf_report().
Status read_perf_report(const std::string& path, PerfReport* report);

}  // namespace layerscope
