// write_perf_reports: the report files, all or nothing (util/atomic_write.h).
#include <exception>
#include <string>
#include <vector>

#include "layerscope/findings.h"
#include "layerscope/report.h"
#include "util/atomic_write.h"

namespace layerscope {

Status write_perf_reports(const PerfReport& report, const std::string& dir, const std::string& text) {
  if (dir.empty()) return Status::error("cannot write reports: no output folder given");
  std::vector<std::string> contents;
  try {
    contents = {text, perf_report_json(report), perf_layers_csv(report), perf_chrome_trace(report),
                perf_report_html(report, find_findings(report))};
  } catch (const std::exception& e) {
    return Status::error(std::string("cannot format reports: ") + e.what());
  }
  std::vector<FileContent> files;
  for (size_t i = 0; i < contents.size(); ++i) files.push_back({kPerfReportFiles[i], {contents[i]}});
  return write_files_atomically(dir, files);
}

}  // namespace layerscope
