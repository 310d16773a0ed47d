// write_comparison_files: compare.txt, compare.json and compare.html, all or nothing.
#include <exception>

#include "layerscope/compare.h"
#include "util/atomic_write.h"

namespace layerscope {

Status write_comparison_files(const Comparison& c, const std::string& dir, const std::string& text) {
  std::vector<std::string> contents;
  try {
    contents = {text, comparison_json(c), comparison_html(c)};
  } catch (const std::exception& e) {
    return Status::error(std::string("cannot format the comparison: ") + e.what());
  }
  std::vector<FileContent> files;
  for (size_t i = 0; i < contents.size(); ++i) files.push_back({kCompareFiles[i], {contents[i]}});
  return write_files_atomically(dir, files);
}

}  // namespace layerscope
