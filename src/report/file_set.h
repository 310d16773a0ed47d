// Writing a set of report files all or nothing: every file goes to its own temporary in the
// folder first (created O_EXCL, fsynced), and only when all are complete are they renamed over
// the final names. A failure before the renames leaves the old files and no temporaries.
// (write_perf_reports() in write_reports.cpp follows the same protocol for the perf files.)
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "layerscope/status.h"

namespace layerscope {

struct NamedContent {
  std::string name;     // file name inside the folder
  std::string content;
};

Status write_file_set(const std::string& dir, const std::vector<NamedContent>& files);

}  // namespace layerscope
