// The reference tool's eval_perf text as a whole: the optional clock-frequency header, the layer
// table (rknn_import_layers.cpp), the totals, the op-type ranking and the memory dump, in either
// the 2.x or the 1.x layout. Lines we do not know (banners, warnings, INFO lines) are skipped;
// lines inside a table that do not parse are errors naming the file and line. A text cut off
// (a layer table that runs into the end of the file, a ranking table that counts more layers
// than the layer table holds, totals that disagree with the layers, a memory dump without its
// total) is an error too: a report of part of the layers would mislead.
#include "report/rknn_import.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "layerscope/printable.h"
#include "util/text.h"

namespace layerscope::rknn {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

bool is_ranking_header(std::string_view line) {
  std::vector<Token> t = tokenize(line);
  return t.size() >= 3 && t[0].text == "OpType" &&
         (t[1].text == "CallNumber" || (t[1].text == "Call" && t[2].text == "Number"));
}

// "3.53 MiB" -> bytes (to the precision printed).
int64_t parse_size(const Where& at, std::string_view text, const char* what) {
  std::vector<Token> t = tokenize(text);
  if (t.size() != 2) at.fail(what, ": expected a size like '3.53 MiB', got '", trim(text), "'");
  double v = parse_number(at, t[0].text, what);
  std::string_view u = t[1].text;
  double scale = u == "B" || u == "bytes"  ? 1.0
                 : u == "KiB" || u == "KB" ? 1024.0
                 : u == "MiB" || u == "MB" ? 1024.0 * 1024.0
                 : u == "GiB" || u == "GB" ? 1024.0 * 1024.0 * 1024.0
                                           : -1.0;
  if (scale < 0) at.fail(what, ": unknown unit '", u, "' (expected B, KiB, MiB or GiB)");
  return std::llround(v * scale);
}

// "    - 1000000000" lines after "NPU Current Frequency List:"; CPU values are kHz, NPU/DDR Hz.
std::string frequency_text(const std::string& unit, const std::vector<std::string_view>& values) {
  std::string out = unit + " ";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += "/";
    double v = 0;
    if (std::sscanf(std::string(values[i]).c_str(), "%lf", &v) == 1 && v > 0) {
      out += fmt("%.0f", unit == "CPU" ? v / 1e3 : v / 1e6);
    } else {
      out += std::string(values[i]);  // "Unknown"
    }
  }
  return out + " MHz";
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : lines_(split_lines(text)), file_(file) {}

  PerfReport run() {
    for (i_ = 0; i_ < lines_.size(); ++i_) {
      std::string_view line = trim(lines_[i_]);
      if (line.empty()) continue;
      if (is_layer_header(line)) layer_table();
      else if (is_ranking_header(line)) ranking_table();
      else if (frequency_header(line)) continue;
      else summary_or_memory(line);
    }
    if (!header_seen_)
      fail(file_,
           ": no layer table found: expected the reference tool's eval_perf text (a 'Network Layer "
           "Information Table' with the header 'ID OpType DataType Target ...')");
    return finish();
  }

 private:
  Where at() const { return Where{file_, static_cast<int>(i_) + 1}; }

  void layer_table() {
    if (header_seen_) at().fail("a second layer table: expected one eval_perf report per file");
    header_seen_ = true;
    header_ = parse_layer_header(at(), trim(lines_[i_]));
    for (++i_; i_ < lines_.size(); ++i_) {
      std::string_view line = trim(lines_[i_]);
      if (line.empty() || is_rule(line)) {
        if (report_.layers.empty()) continue;  // the rule under the header
        break;
      }
      if (starts_with(line, "Total ")) break;  // the totals follow the rows directly (1.x)
      LayerProfile l = parse_layer_row(at(), line, header_);
      if (!report_.layers.empty() && l.id <= report_.layers.back().id)
        at().fail("ID ", l.id, " after ID ", report_.layers.back().id, ": expected increasing layer numbers");
      report_.layers.push_back(std::move(l));
    }
    if (report_.layers.empty()) fail(file_, ": the layer table has no rows");
    // The reference always prints a closing rule or the totals after the rows: a table that
    // runs into the end of the file (blank lines aside) was cut off.
    size_t next = i_;
    while (next < lines_.size() && trim(lines_[next]).empty()) ++next;
    if (next >= lines_.size())
      fail(file_, ":", lines_.size(), ": the layer table runs into the end of the file after ", report_.layers.size(),
           " rows (last ID ", report_.layers.back().id,
           ") without the closing rule and totals the reference prints "
           "after it: the text looks cut off; give the complete eval_perf output");
    --i_;  // let run() see the line that ended the table
  }

  void ranking_table() {
    std::vector<Token> head = tokenize(lines_[i_]);
    bool gpu = false;
    for (const Token& t : head)
      if (starts_with(t.text, "GPU")) gpu = true;
    const size_t values = gpu ? 7 : 6;  // OpType, calls, CPU, [GPU,] NPU, total, ratio
    ranking_seen_ = true;
    for (++i_; i_ < lines_.size(); ++i_) {
      std::string_view line = trim(lines_[i_]);
      if (line.empty() || is_rule(line)) {
        if (ranking_.empty()) continue;
        break;
      }
      std::vector<Token> t = tokenize(line);
      if (t[0].text == "Total") break;  // sums only; recomputed from the rows
      if (t.size() != values)
        at().fail("ranking row: expected ", values, " values (OpType, calls, CPU", gpu ? ", GPU" : "",
                  ", NPU, total time, ratio), got ", t.size(), ": '", line, "'");
      OpTypeRank k;
      k.op_type = printable(t[0].text);
      k.calls = static_cast<int>(parse_integer(at(), t[1].text, "CallNumber"));
      k.total_us = parse_number(at(), t[values - 2].text, "TotalTime(us)");
      k.ratio_pct = parse_number(at(), t[values - 1].text, "TimeRatio(%)", true);
      ranking_.push_back(std::move(k));
    }
    --i_;
  }

  bool frequency_header(std::string_view line) {
    for (const char* unit : {"CPU", "NPU", "DDR"}) {
      if (!starts_with(line, std::string(unit) + " Current Frequency List:")) continue;
      std::vector<std::string_view> values;
      while (i_ + 1 < lines_.size() && starts_with(trim(lines_[i_ + 1]), "-") && !is_rule(lines_[i_ + 1]))
        values.push_back(trim(trim(lines_[++i_]).substr(1)));
      if (!values.empty()) frequencies_.push_back(frequency_text(unit, values));
      return true;
    }
    return false;
  }

  void summary_or_memory(std::string_view line) {
    auto after_colon = [&](std::string_view s) { return trim(s.substr(s.find(':') + 1)); };
    if (starts_with(line, "Total Operator Elapsed")) {  // "... Per Frame Time(us): N" (2.x), "... Time(us): N" (1.x)
      printed_total_us_ = parse_number(at(), after_colon(line), "Total Operator Elapsed Time(us)");
      return;
    }
    MemoryReport& m = report_.memory;
    // The parts come before "Total Memory:"; counted, to notice a dump cut off before its total.
    if (starts_with(line, "Weight Memory:")) {
      m.weight_bytes = parse_size(at(), after_colon(line), "Weight Memory");
      ++memory_parts_;
    } else if (starts_with(line, "Internal Tensor Memory:")) {
      m.internal_bytes = parse_size(at(), after_colon(line), "Internal Tensor Memory");
      ++memory_parts_;
    } else if (starts_with(line, "Other Memory:")) {
      m.other_bytes = parse_size(at(), after_colon(line), "Other Memory");
      ++memory_parts_;
    } else if (starts_with(line, "Total Memory:")) {
      m.total_bytes = parse_size(at(), after_colon(line), "Total Memory");
      memory_total_seen_ = true;
    } else if (line.find("current model size is:") != std::string_view::npos) {
      m.model_file_bytes = parse_size(at(), trim(line.substr(line.find("is:") + 3)), "model size");
    }
  }

  PerfReport finish() {
    PerfReport& r = report_;
    const bool v2 = std::find(header_.columns.begin(), header_.columns.end(), Column::Cycles) != header_.columns.end();
    r.imported_from = std::string("RKNN eval_perf text, ") + (v2 ? "2.x" : "1.x") + " layout (" + file_;
    for (const std::string& f : frequencies_) r.imported_from += "; " + f;
    r.imported_from += ")";
    r.threads = header_.cores > 0 ? header_.cores : static_cast<int>(r.layers.front().workload.size());
    r.warmup = 0;
    r.runs = 1;
    double sum = 0;
    for (const LayerProfile& l : r.layers) sum += l.time_us.median;
    // The printed total is the sum of the printed (whole-microsecond) layer times; allow 1 us of
    // rounding per layer and 1% besides, for a total printed from unrounded times.
    if (printed_total_us_ >= 0 && std::fabs(printed_total_us_ - sum) > 0.01 * printed_total_us_ + r.layers.size())
      fail(file_, ": 'Total Operator Elapsed' says ", printed_total_us_, " us but the ", r.layers.size(),
           " layers read sum to ", sum, " us: the layer table is incomplete or corrupt");
    r.layer_sum_us = printed_total_us_ >= 0 ? printed_total_us_ : sum;
    if (memory_parts_ > 0 && !memory_total_seen_)
      fail(file_,
           ": the memory dump has no 'Total Memory:' line: the text looks cut off; give the complete "
           "eval_perf output");
    if (r.memory.total_bytes == 0)
      r.memory.total_bytes = r.memory.weight_bytes + r.memory.internal_bytes + r.memory.other_bytes;
    if (ranking_seen_ && !ranking_.empty()) {
      int calls = 0;
      for (const OpTypeRank& k : ranking_) calls += k.calls;
      if (calls != static_cast<int>(r.layers.size()))
        fail(file_, ": the ranking table counts ", calls, " layer calls but the layer table has ", r.layers.size(),
             " rows: one of the tables is incomplete (the text looks cut off or edited)");
      r.ranking = ranking_;
    } else {
      r.ranking = ranking_from_layers(r);
    }
    return r;
  }

  static std::vector<OpTypeRank> ranking_from_layers(const PerfReport& r) {
    std::vector<OpTypeRank> out;
    for (const LayerProfile& l : r.layers) {
      auto it = std::find_if(out.begin(), out.end(), [&](const OpTypeRank& k) { return k.op_type == l.op_type; });
      if (it == out.end()) it = out.insert(out.end(), OpTypeRank{l.op_type, 0, 0, 0});
      it->calls++;
      it->total_us += l.time_us.median;
    }
    for (OpTypeRank& k : out) k.ratio_pct = r.layer_sum_us > 0 ? 100.0 * k.total_us / r.layer_sum_us : 0;
    std::stable_sort(out.begin(), out.end(),
                     [](const OpTypeRank& a, const OpTypeRank& b) { return a.total_us > b.total_us; });
    return out;
  }

  std::vector<std::string_view> lines_;
  const std::string& file_;
  size_t i_ = 0;
  PerfReport report_;
  LayerTableHeader header_;
  bool header_seen_ = false;
  bool ranking_seen_ = false;
  std::vector<OpTypeRank> ranking_;
  std::vector<std::string> frequencies_;
  double printed_total_us_ = -1;
  int memory_parts_ = 0;  // Weight/Internal Tensor/Other Memory lines read
  bool memory_total_seen_ = false;
};

}  // namespace

bool looks_like_eval_perf_text(std::string_view text) {
  if (text.find("Network Layer Information Table") != std::string_view::npos) return true;
  for (std::string_view line : split_lines(text))
    if (is_layer_header(trim(line)) && line.find("Time(us)") != std::string_view::npos) return true;
  return false;
}

PerfReport parse_eval_perf_text(std::string_view text, const std::string& file) { return Parser(text, file).run(); }

}  // namespace layerscope::rknn
