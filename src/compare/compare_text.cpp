// The comparison as text (terminal and compare.txt), and the legend shared with the HTML page.
#include <cstdarg>
#include <cstdio>

#include "compare/compare_internal.h"
#include "layerscope/compare.h"

namespace layerscope {

namespace compare {

std::string fmt(const char* f, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

std::string pct_text(const TimeChange& t) {
  return t.a.median_us > 0 ? fmt("%+.1f%%", t.change_pct) : std::string("n/a");
}

std::vector<std::string> legend(const Comparison& c) {
  std::vector<std::string> out;
  out.push_back("Change = B - A (medians); Change (%) is relative to A.");
  out.push_back(
      "Verdict: a time's range is [min, p90] over its report's timed runs (for an op type or the layer sum: the "
      "sums of its layers' mins and p90s). 'slower' / 'faster' = the ranges of A and B do not overlap (B's fastest "
      "runs are slower than A's p90, or B's p90 is faster than A's fastest runs): the change is beyond the runs' "
      "own noise. 'within noise' = the ranges overlap.");
  for (const ReportSide* s : {&c.a, &c.b})
    if (!s->has_spread)
      out.push_back(fmt("%s is a single run (%s): it has no spread, so its changes get 'no spread' and no verdict; "
                        "rerun with --runs 5 or more for statistics.",
                        s == &c.a ? "A" : "B", s->description.c_str()));
  out.push_back(
      "Layers are matched by original node name, then by name plus a converter suffix ('name prefix'), then by op "
      "type and shapes in execution order ('op + shapes'); 'added' = only in B, 'removed' = only in A.");
  return out;
}

}  // namespace compare

namespace {

using compare::fmt;

std::string cell(const std::string& s, size_t width) {
  if (s.size() + 1 >= width) return s + " ";
  return s + std::string(width - s.size(), ' ');
}

std::string us(double v) { return fmt("%.1f", v); }

// `text` word-wrapped at `width` columns, continuation lines starting with `indent`.
std::string wrapped(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
    }
    if (!line.empty() && line != indent) line += ' ';
    line += word;
    pos = end + 1;
  }
  return out + line + "\n";
}

std::string time_cells(const TimeChange& t) {
  return cell(us(t.a.median_us), 13) + cell(us(t.b.median_us), 13) + cell(fmt("%+.1f", t.change_us), 14) +
         cell(compare::pct_text(t), 12) + cell(t.verdict, 14);
}

std::string layer_name(const LayerChange& l) {
  if (l.name_a.empty()) return l.name_b;
  if (l.name_b.empty() || l.name_b == l.name_a) return l.name_a;
  return l.name_a + " ~ " + l.name_b;
}

std::string op_types(const LayerChange& l) {
  if (l.op_type_a.empty()) return l.op_type_b;
  if (l.op_type_b.empty() || l.op_type_b == l.op_type_a) return l.op_type_a;
  return l.op_type_a + "/" + l.op_type_b;
}

}  // namespace

std::string format_comparison_text(const Comparison& c) {
  std::string out;
  out += "Comparison (A = baseline, B = candidate)\n";
  out += "  A: " + c.a.label + " (" + c.a.description + ")\n";
  out += "  B: " + c.b.label + " (" + c.b.description + ")\n";
  out += fmt("  Layers: A %d, B %d; matched %d (%d by name, %d by name prefix, %d by op + shapes); %d added in B, "
             "%d removed from A\n\n",
             c.a.layers, c.b.layers, c.matched_by_name + c.matched_by_prefix + c.matched_by_shapes, c.matched_by_name,
             c.matched_by_prefix, c.matched_by_shapes, c.added, c.removed);

  const std::string head = cell("A (us)", 13) + cell("B (us)", 13) + cell("Change (us)", 14) + cell("Change (%)", 12) +
                           cell("Verdict", 14);
  out += cell("", 28) + head + "\n";
  out += cell("Layer sum", 28) + time_cells(c.layer_sum) + "\n";
  if (c.has_latency) out += cell("End-to-end (profiler off)", 28) + time_cells(c.latency) + "\n";
  else out += "End-to-end latency: not compared (a report has no end-to-end measurement, e.g. an imported one)\n";
  out += "\n";
  for (const std::string& line : compare::legend(c)) out += wrapped("Note: " + line, 100, "      ");

  const std::string rule(140, '-');
  out += '\n';
  out += rule + "\nPer op type (largest change first)\n" + rule + "\n";
  out += cell("OpType", 19) + cell("Calls A", 9) + cell("Calls B", 9) + head + "\n";
  for (const OpTypeChange& o : c.op_types)
    out += cell(o.op_type, 19) + cell(std::to_string(o.calls_a), 9) + cell(std::to_string(o.calls_b), 9) +
           time_cells(o.time) + "\n";

  out += '\n';
  out += rule + "\nPer layer (largest change first)\n" + rule + "\n";
  out += cell("ID A", 6) + cell("ID B", 6) + cell("OpType", 19) + head + cell("Match", 13) + "Layer (A ~ B)\n";
  for (const LayerChange& l : c.layers)
    out += cell(l.id_a ? std::to_string(l.id_a) : "-", 6) + cell(l.id_b ? std::to_string(l.id_b) : "-", 6) +
           cell(op_types(l), 19) + time_cells(l.time) + cell(l.match.empty() ? "-" : l.match, 13) + layer_name(l) + "\n";
  return out;
}

}  // namespace layerscope
