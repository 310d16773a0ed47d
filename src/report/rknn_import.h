// Importing the reference tool's eval_perf text (RKNN toolkit, 2.x and 1.x layouts; see
// /work/shared/reference/rknn-eval-perf.md and docs/report-schema.md "Imported reports") into a
// PerfReport, so that its reports get our findings, files and comparisons.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/error.h"
#include "layerscope/profile.h"

namespace layerscope::rknn {

// True when `text` carries the reference tool's layer table (recognised by its content: the
// table title or its column header), whatever the file is called.
bool looks_like_eval_perf_text(std::string_view text);

// Parses the whole text. `file` names the source in imported_from and in errors, which read
// "FILE:LINE: what was expected, got what".
PerfReport parse_eval_perf_text(std::string_view text, const std::string& file);

// ---- shared by the parser's files ----

struct Token {
  std::string_view text;
  size_t pos = 0;  // offset in the line
};

// Whitespace-separated tokens with their offsets.
std::vector<Token> tokenize(std::string_view line);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// A line made of one repeated rule character ('-' or '='), at least 10 long.
bool is_rule(std::string_view line);

// Where in the file the parser is, for error messages.
struct Where {
  const std::string& file;
  int line;
  template <typename... A>
  [[noreturn]] void fail(const A&... parts) const {
    ::layerscope::fail(file, ":", line, ": ", parts...);
  }
};

// Numbers as printed by the reference ("12600", "1200.00", "38.64%" with allow_percent);
// anything else fails with `what` and the offending text.
double parse_number(const Where& at, std::string_view text, const char* what, bool allow_percent = false);
int64_t parse_integer(const Where& at, std::string_view text, const char* what);

// One column of the layer table, as recognised from its header.
enum class Column {
  Id,
  OpType,
  DataType,
  Target,
  InputShape,
  OutputShape,
  Cycles,
  DdrCycles,
  NpuCycles,
  TotalCycles,
  Time,
  MacUsage,
  WorkLoad,
  TaskNumber,
  LutNumber,
  RwKb,
  FullName
};

struct LayerTableHeader {
  std::vector<Column> columns;  // in printed order; FullName, when present, is last
  int cores = 0;                // from "WorkLoad(0/1/2)": 3
  bool improve_suffix = false;  // 1.x "WorkLoad(0/1/2)-ImproveTherical": values end in " - Up:x%"
};

// True for the layer table's column header line ("ID  OpType  DataType ...").
bool is_layer_header(std::string_view line);
LayerTableHeader parse_layer_header(const Where& at, std::string_view line);
// One layer row. Cycles and MacUsage/WorkLoad go to the fields docs/report-schema.md names.
LayerProfile parse_layer_row(const Where& at, std::string_view line, const LayerTableHeader& header);

// "(1,3,480,640),(384,3,14,14),(384)" -> shapes; "\" -> none; a shape cut by "..." is left out.
std::vector<std::vector<int64_t>> parse_shapes(const Where& at, std::string_view text, const char* what);

}  // namespace layerscope::rknn
