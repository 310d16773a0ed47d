// layers.csv: one row per layer, RFC 4180 (CRLF line ends; a field containing a comma, a double
// quote, CR or LF is enclosed in double quotes with inner quotes doubled). List-valued columns
// are joined with ';' so every row has the same columns: shapes "1x3x224x224;64x3x7x7".
// Unknown figures (roofline columns without measured roofs, undecided bound) are empty fields.
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "layerscope/report.h"
#include "util/text.h"

namespace layerscope {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Shortest text that reads back to exactly `v`; empty for NaN/inf (no CSV number form).
std::string number(double v) {
  if (!std::isfinite(v)) return "";
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// "1x3x224x224;64x3x7x7" (shape_token: no commas, so the field needs no quotes).
std::string shape_tokens(const std::vector<std::vector<int64_t>>& shapes) {
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ";" : "") + shape_token(shapes[i]);
  return s;
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ";" : "") + items[i];
  return s;
}

std::string joined(const std::vector<double>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ";" : "") + number(items[i]);
  return s;
}

// One packed list, in the order of the CSV header.
// clang-format off
const char* const kColumns[] = {
    "id", "op_type", "data_type", "target", "kernel", "source_names", "input_shapes", "output_shapes",
    "time_median_us", "time_min_us", "time_max_us", "time_p90_us", "time_mean_us", "time_count",
    "macs", "other_ops", "bytes_read", "bytes_written", "workload", "mem_cycles", "compute_cycles",
    "total_cycles", "mac_usage_pct", "bound", "live_activation_bytes", "parent", "scope", "calls"};
// clang-format on

void append_row(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += csv_field(fields[i]);
  }
  out += "\r\n";
}

}  // namespace

std::string perf_layers_csv(const PerfReport& r) {
  std::string out;
  append_row(out, std::vector<std::string>(std::begin(kColumns), std::end(kColumns)));
  const bool roofs = r.roofs.measured;
  for (const LayerProfile& l : r.layers) {
    const Stats& t = l.time_us;
    append_row(out, {std::to_string(l.id),
                     l.op_type,
                     l.data_type,
                     l.target,
                     l.kernel,
                     joined(l.source_names),
                     shape_tokens(l.input_shapes),
                     shape_tokens(l.output_shapes),
                     number(t.median),
                     number(t.min),
                     number(t.max),
                     number(t.p90),
                     number(t.mean),
                     std::to_string(t.count),
                     number(l.macs),
                     number(l.other_ops),
                     std::to_string(l.bytes_read),
                     std::to_string(l.bytes_written),
                     joined(l.workload),
                     roofs ? number(l.mem_cycles) : "",
                     roofs ? number(l.compute_cycles) : "",
                     roofs ? number(l.total_cycles) : "",
                     joined(l.mac_usage_pct),
                     l.bound,
                     std::to_string(l.live_activation_bytes),
                     std::to_string(l.parent),
                     l.scope,
                     number(l.calls)});
  }
  return out;
}

}  // namespace layerscope
