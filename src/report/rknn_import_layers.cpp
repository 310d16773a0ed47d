// The reference tool's layer table: its column header (2.x "Cycles(DDR/NPU/Total)" or 1.x's three
// cycle columns plus task/LUT counts) and one row per layer. Rows are read by whitespace-separated
// values in the header's column order rather than by character offsets: the OpType column is 17
// wide in 1.x/early 2.x and 19 in later 2.x, and a value that fills its column pushes the rest.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "layerscope/printable.h"
#include "report/rknn_import.h"

namespace layerscope::rknn {

namespace {

const char* column_name(Column c) {
  switch (c) {
    case Column::Id: return "ID";
    case Column::OpType: return "OpType";
    case Column::DataType: return "DataType";
    case Column::Target: return "Target";
    case Column::InputShape: return "InputShape";
    case Column::OutputShape: return "OutputShape";
    case Column::Cycles: return "Cycles(DDR/NPU/Total)";
    case Column::DdrCycles: return "DDR Cycles";
    case Column::NpuCycles: return "NPU Cycles";
    case Column::TotalCycles: return "Total Cycles";
    case Column::Time: return "Time(us)";
    case Column::MacUsage: return "MacUsage(%)";
    case Column::WorkLoad: return "WorkLoad";
    case Column::TaskNumber: return "Task Number";
    case Column::LutNumber: return "Lut Number";
    case Column::RwKb: return "RW(KB)";
    case Column::FullName: return "FullName";
  }
  return "?";
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

// "a/b/c" -> numbers; `percent` accepts (and requires nothing of) a trailing '%' on each.
std::vector<double> per_core(const Where& at, std::string_view text, const char* what, bool percent) {
  std::vector<double> v;
  for (std::string_view part : split(text, '/')) v.push_back(parse_number(at, part, what, percent));
  return v;
}

Stats single_run(double us) {
  Stats s;
  s.count = 1;
  s.median = s.min = s.max = s.p90 = s.mean = us;
  return s;
}

}  // namespace

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    out.push_back({line.substr(start, i - start), start});
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_rule(std::string_view line) {
  line = trim(line);
  if (line.size() < 10 || (line[0] != '-' && line[0] != '=')) return false;
  return std::all_of(line.begin(), line.end(), [&](char c) { return c == line[0]; });
}

double parse_number(const Where& at, std::string_view text, const char* what, bool allow_percent) {
  std::string_view t = text;
  if (allow_percent && !t.empty() && t.back() == '%') t.remove_suffix(1);
  double v = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size() || !std::isfinite(v))
    at.fail(what, ": expected a number", allow_percent ? " (optionally with %)" : "", ", got '", text, "'");
  return v;
}

int64_t parse_integer(const Where& at, std::string_view text, const char* what) {
  int64_t v = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size())
    at.fail(what, ": expected an integer, got '", text, "'");
  return v;
}

std::vector<std::vector<int64_t>> parse_shapes(const Where& at, std::string_view text, const char* what) {
  std::vector<std::vector<int64_t>> shapes;
  if (text == "\\") return shapes;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i) == "...") break;  // the rest did not fit the column
    if (text[i] != '(') at.fail(what, ": expected shapes like (1,3,224,224),(64) or \\, got '", text, "'");
    size_t close = text.find(')', i);
    if (close == std::string_view::npos) break;  // a shape cut by "...": left out
    std::string_view inner = text.substr(i + 1, close - i - 1);
    std::vector<int64_t> shape;
    bool cut = false;
    if (!inner.empty())
      for (std::string_view d : split(inner, ',')) {
        if (d.find("...") != std::string_view::npos) {
          cut = true;
          break;
        }
        shape.push_back(parse_integer(at, d, what));
      }
    if (cut) break;
    shapes.push_back(std::move(shape));
    i = close + 1;
    if (i < text.size()) {
      if (text[i] != ',') at.fail(what, ": expected ',' between shapes, got '", text, "'");
      ++i;
    }
  }
  return shapes;
}

bool is_layer_header(std::string_view line) {
  std::vector<Token> t = tokenize(line);
  return t.size() >= 3 && t[0].text == "ID" && t[1].text == "OpType";
}

LayerTableHeader parse_layer_header(const Where& at, std::string_view line) {
  LayerTableHeader h;
  std::vector<Token> t = tokenize(line);
  for (size_t i = 0; i < t.size(); ++i) {
    std::string_view w = t[i].text;
    std::string_view next = i + 1 < t.size() ? t[i + 1].text : std::string_view();
    auto two = [&](Column c) {  // a 1.x name of two words: "DDR Cycles", "Task Number"
      h.columns.push_back(c);
      ++i;
    };
    if (w == "ID") h.columns.push_back(Column::Id);
    else if (w == "OpType") h.columns.push_back(Column::OpType);
    else if (w == "DataType") h.columns.push_back(Column::DataType);
    else if (w == "Target") h.columns.push_back(Column::Target);
    else if (w == "InputShape") h.columns.push_back(Column::InputShape);
    else if (w == "OutputShape") h.columns.push_back(Column::OutputShape);
    else if (starts_with(w, "Cycles(")) h.columns.push_back(Column::Cycles);
    else if (w == "DDR" && next == "Cycles") two(Column::DdrCycles);
    else if (w == "NPU" && next == "Cycles") two(Column::NpuCycles);
    else if (w == "Total" && next == "Cycles") two(Column::TotalCycles);
    else if (w == "Time(us)") h.columns.push_back(Column::Time);
    else if (w == "MacUsage(%)") h.columns.push_back(Column::MacUsage);
    else if (starts_with(w, "WorkLoad(")) {
      h.columns.push_back(Column::WorkLoad);
      std::string_view cores = w.substr(9, w.find(')') == std::string_view::npos ? 0 : w.find(')') - 9);
      h.cores = cores.empty() ? 0 : static_cast<int>(split(cores, '/').size());
      h.improve_suffix = w.find("Improve") != std::string_view::npos;
    } else if (w == "Task" && next == "Number") two(Column::TaskNumber);
    else if (w == "Lut" && next == "Number") two(Column::LutNumber);
    else if (w == "RW(KB)") h.columns.push_back(Column::RwKb);
    else if (w == "FullName") h.columns.push_back(Column::FullName);
    else
      at.fail("layer table header: unknown column '", w,
              "' (expected the reference tool's columns: ID OpType "
              "DataType Target InputShape OutputShape Cycles(DDR/NPU/Total) Time(us) MacUsage(%) WorkLoad(0/1/2) "
              "RW(KB) FullName, or the 1.x ones)");
  }
  for (Column need : {Column::Id, Column::OpType, Column::Time})
    if (std::find(h.columns.begin(), h.columns.end(), need) == h.columns.end())
      at.fail("layer table header: no '", column_name(need), "' column");
  auto full = std::find(h.columns.begin(), h.columns.end(), Column::FullName);
  if (full != h.columns.end() && full + 1 != h.columns.end())
    at.fail("layer table header: FullName must be the last column");
  return h;
}

LayerProfile parse_layer_row(const Where& at, std::string_view line, const LayerTableHeader& h) {
  LayerProfile l;
  l.kernel = "";  // the reference does not say which implementation ran
  std::vector<Token> t = tokenize(line);
  size_t k = 0;
  for (Column c : h.columns) {
    if (c == Column::FullName) {
      std::string_view full = k < t.size() ? trim(line.substr(t[k].pos)) : std::string_view();
      k = t.size();
      // "OpType:original/node/name": the prefix names the executed op, the rest the source layer.
      size_t colon = full.find(':');
      std::string_view name =
          colon != std::string_view::npos && full.substr(0, colon).find('/') == std::string_view::npos
              ? full.substr(colon + 1)
              : full;
      if (!name.empty()) l.source_names.push_back(printable(name));
      break;
    }
    if (k >= t.size())
      at.fail("layer row ends before its '", column_name(c), "' column (the header has ", h.columns.size(),
              " columns; this row has ", t.size(), " values)");
    std::string_view v = t[k++].text;
    switch (c) {
      case Column::Id: {
        int64_t id = parse_integer(at, v, "ID");
        if (id < 1) at.fail("ID: expected a positive layer number, got '", v, "'");
        l.id = static_cast<int>(id);
        break;
      }
      case Column::OpType: l.op_type = printable(v); break;
      case Column::DataType: l.data_type = printable(v); break;
      case Column::Target: l.target = printable(v); break;
      case Column::InputShape: l.input_shapes = parse_shapes(at, v, "InputShape"); break;
      case Column::OutputShape: l.output_shapes = parse_shapes(at, v, "OutputShape"); break;
      case Column::Cycles: {
        std::vector<std::string_view> p = split(v, '/');
        if (p.size() != 3)
          at.fail("Cycles(DDR/NPU/Total): expected three integers like 324681/28374528/28374528, got '", v, "'");
        l.mem_cycles = static_cast<double>(parse_integer(at, p[0], "Cycles DDR"));
        l.compute_cycles = static_cast<double>(parse_integer(at, p[1], "Cycles NPU"));
        l.total_cycles = static_cast<double>(parse_integer(at, p[2], "Cycles Total"));
        break;
      }
      case Column::DdrCycles: l.mem_cycles = static_cast<double>(parse_integer(at, v, "DDR Cycles")); break;
      case Column::NpuCycles: l.compute_cycles = static_cast<double>(parse_integer(at, v, "NPU Cycles")); break;
      case Column::TotalCycles: l.total_cycles = static_cast<double>(parse_integer(at, v, "Total Cycles")); break;
      case Column::Time: {
        double us = parse_number(at, v, "Time(us)");
        if (us < 0) at.fail("Time(us): expected a time of 0 or more, got '", v, "'");
        l.time_us = single_run(us);
        break;
      }
      case Column::MacUsage:
        if (v != "\\") l.mac_usage_pct = per_core(at, v, "MacUsage(%)", false);
        break;
      case Column::WorkLoad: {
        // 1.x appends the theoretical improvement: "100.0%/0.0%/0.0% - Up:0.0%".
        size_t dash = v.find("-Up");
        if (dash != std::string_view::npos) v = v.substr(0, dash);
        if (k + 1 < t.size() && t[k].text == "-" && starts_with(t[k + 1].text, "Up:")) k += 2;
        else if (k < t.size() && (starts_with(t[k].text, "-Up:") || starts_with(t[k].text, "Up:"))) k += 1;
        for (double pct : per_core(at, v, "WorkLoad", true)) l.workload.push_back(pct / 100.0);
        if (h.cores > 0 && static_cast<int>(l.workload.size()) != h.cores)
          at.fail("WorkLoad: expected ", h.cores, " per-core shares like the header's, got '", v, "'");
        break;
      }
      case Column::TaskNumber: parse_integer(at, v, "Task Number"); break;
      case Column::LutNumber: parse_integer(at, v, "Lut Number"); break;
      case Column::RwKb: {
        double kb = parse_number(at, v, "RW(KB)");
        if (kb < 0) at.fail("RW(KB): expected 0 or more, got '", v, "'");
        l.bytes_read = std::llround(kb * 1024.0);  // reads + writes: the reference prints only the sum
        break;
      }
      case Column::FullName: break;
    }
  }
  if (k < t.size())
    at.fail("layer row has more values than the header's ", h.columns.size(), " columns: '", trim(line), "'");
  // Total = max(DDR, NPU): the larger side bounds the layer (the reference's reading guide).
  if (l.total_cycles > 0) l.bound = l.mem_cycles >= l.compute_cycles ? "memory" : "compute";
  return l;
}

}  // namespace layerscope::rknn
