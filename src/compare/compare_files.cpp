// write_comparison_files: compare.txt, compare.json and compare.html, all or nothing.
#include <exception>

#include "layerscope/compare.h"
#include "report/file_set.h"

namespace layerscope {

Status write_comparison_files(const Comparison& c, const std::string& dir, const std::string& text) {
  std::vector<NamedContent> files;
  try {
    files = {{kCompareFiles[0], text}, {kCompareFiles[1], comparison_json(c)}, {kCompareFiles[2], comparison_html(c)}};
  } catch (const std::exception& e) {
    return Status::error(std::string("cannot format the comparison: ") + e.what());
  }
  return write_file_set(dir, files);
}

}  // namespace layerscope
