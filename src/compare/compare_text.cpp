// The comparison as text (terminal and compare.txt), and the legend shared with the HTML page.
#include "compare/compare_internal.h"
#include "layerscope/compare.h"

namespace layerscope {

namespace compare {

std::string pct_text(const TimeChange& t) {
  return t.a.median_us > 0 ? fmt("%+.1f%%", t.change_pct) : std::string("n/a");
}

std::string speedup_text(const TimeChange& t) { return t.speedup > 0 ? fmt("%.2fx", t.speedup) : std::string("n/a"); }

std::string data_types_text(const LayerChange& l) {
  if (l.data_type_a.empty()) return l.data_type_b;
  if (l.data_type_b.empty() || l.data_type_b == l.data_type_a) return l.data_type_a;
  return l.data_type_a + "/" + l.data_type_b;
}

std::string ids_text(int id, const std::vector<int>& more) {
  if (!id) return "-";
  std::string out = std::to_string(id);
  for (int m : more) out += "+" + std::to_string(m);
  return out;
}

std::vector<std::string> legend(const Comparison& c) {
  std::vector<std::string> out;
  out.push_back(
      "Change = B - A (medians); Change (%) is relative to A; Speed-up = A / B (2.00x: B takes half the time; "
      "below 1.00x: B is slower, e.g. a layer that got slow after quantizing).");
  out.push_back(
      "Verdict: a time's range is [min, p90] over its report's timed runs (for an op type or the layer sum: the "
      "sums of its layers' mins and p90s). 'slower' / 'faster' = the ranges of A and B do not overlap (B's fastest "
      "runs are slower than A's p90, or B's p90 is faster than A's fastest runs): the change is beyond the runs' "
      "own noise. 'within noise' = the ranges overlap.");
  for (const ReportSide* s : {&c.a, &c.b})
    if (!s->has_spread)
      out.push_back(
          fmt("%s is a single run (%s): it has no spread, so its changes get 'no spread' and no verdict; "
              "rerun with --runs 5 or more for statistics.",
              s == &c.a ? "A" : "B", s->description.c_str()));
  out.push_back(
      "Layers are matched by original node name, then by name plus a converter suffix ('name prefix'), then by op "
      "type and shapes in execution order ('op + shapes'); 'added' = only in B, 'removed' = only in A. A row with "
      "IDs such as '8+9' holds what one report fused into one layer and the other runs as several; their times are "
      "summed. QuantizeLinear/DequantizeLinear layers pair only with each other: a float model has no twin for "
      "them.");
  return out;
}

}  // namespace compare

namespace {

std::string us(double v) { return fmt("%.1f", v); }

std::string time_cells(const TimeChange& t) {
  return padded(us(t.a.median_us), 13) + padded(us(t.b.median_us), 13) + padded(fmt("%+.1f", t.change_us), 14) +
         padded(compare::pct_text(t), 12) + padded(compare::speedup_text(t), 10) + padded(t.verdict, 14);
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
  out +=
      fmt("  Layers: A %d, B %d; matched %d (%d by name, %d by name prefix, %d by op + shapes); %d added in B, "
          "%d removed from A\n\n",
          c.a.layers, c.b.layers, c.matched_by_name + c.matched_by_prefix + c.matched_by_shapes, c.matched_by_name,
          c.matched_by_prefix, c.matched_by_shapes, c.added, c.removed);

  const std::string head = padded("A (us)", 13) + padded("B (us)", 13) + padded("Change (us)", 14) +
                           padded("Change (%)", 12) + padded("Speed-up", 10) + padded("Verdict", 14);
  out += padded("", 28) + head + "\n";
  out += padded("Layer sum", 28) + time_cells(c.layer_sum) + "\n";
  if (c.has_latency) out += padded("End-to-end (profiler off)", 28) + time_cells(c.latency) + "\n";
  else out += "End-to-end latency: not compared (a report has no end-to-end measurement, e.g. an imported one)\n";
  out += "\n";
  for (const std::string& line : compare::legend(c)) out += word_wrapped("Note: " + line, 100, "", "      ");

  const std::string rule(140, '-');
  out += '\n';
  out += rule + "\nPer op type (largest change first)\n" + rule + "\n";
  out += padded("OpType", 19) + padded("Calls A", 9) + padded("Calls B", 9) + head + "\n";
  for (const OpTypeChange& o : c.op_types)
    out += padded(o.op_type, 19) + padded(std::to_string(o.calls_a), 9) + padded(std::to_string(o.calls_b), 9) +
           time_cells(o.time) + "\n";

  out += '\n';
  out += rule + "\nPer layer (largest change first)\n" + rule + "\n";
  out += padded("ID A", 6) + padded("ID B", 6) + padded("OpType", 19) + padded("DataType", 13) + head +
         padded("Match", 13) + "Layer (A ~ B)\n";
  for (const LayerChange& l : c.layers)
    out += padded(compare::ids_text(l.id_a, l.more_ids_a), 6) + padded(compare::ids_text(l.id_b, l.more_ids_b), 6) +
           padded(op_types(l), 19) + padded(compare::data_types_text(l), 13) + time_cells(l.time) +
           padded(l.match.empty() ? "-" : l.match, 13) + layer_name(l) + "\n";
  return out;
}

}  // namespace layerscope
