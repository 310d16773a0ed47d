// The public entry points of include/layerscope/import.h: content recognition and file reading
// around the perf.json reader (json_reader.cpp) and the eval_perf text parser (rknn_import*.cpp).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "api/guarded.h"
#include "layerscope/import.h"
#include "report/json_reader.h"
#include "report/rknn_import.h"

namespace layerscope {

Status perf_report_from_json(const std::string& text, const std::string& source, PerfReport* report) {
  return guarded([&] { *report = parse_perf_json(text, source); });
}

Status perf_report_from_rknn_text(const std::string& text, const std::string& source, PerfReport* report) {
  return guarded([&] { *report = rknn::parse_eval_perf_text(text, source); });
}

Status parse_perf_report(const std::string& text, const std::string& source, PerfReport* report) {
  return guarded([&] {
    if (looks_like_json(text)) {
      *report = parse_perf_json(text, source);
    } else if (rknn::looks_like_eval_perf_text(text)) {
      *report = rknn::parse_eval_perf_text(text, source);
    } else {
      fail(source, text.empty() ? ": empty file" : ": unrecognised content",
           ": expected a layerscope perf.json (written by `layerscope perf --out DIR`) or the reference "
           "tool's eval_perf text (with its 'Network Layer Information Table')");
    }
  });
}

Status read_perf_report(const std::string& path, PerfReport* report) {
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec))
    return Status::error("cannot read report '" + path + "': it is a folder (give its perf.json)");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const char* why = std::filesystem::exists(path, ec) ? "cannot be opened" : "does not exist";
    return Status::error("cannot read report '" + path + "': the file " + why);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::error("cannot read report '" + path + "': read error");
  return parse_perf_report(text.str(), path, report);
}

}  // namespace layerscope
