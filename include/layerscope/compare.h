// A/B comparison of two performance reports (A = baseline, B = candidate): per layer and per op
// type, time in A, time in B, the change, and whether the change is beyond the runs' own noise.
// Either report may be our perf.json or an imported eval_perf text (include/layerscope/import.h).
//
// Layers are matched in three passes, each over the layers still unmatched:
//   1. "name":        a shared original node name (LayerProfile::source_names; FullName in RKNN);
//   2. "name prefix": one name is the other plus a converter suffix ("/attn/qkv/MatMul" and
//                     "/attn/qkv/MatMul_2conv"; a bare number such as "_1" or "_1_rs" does
//                     not count: it names another node of the model); the longest prefix wins;
//   3. "op + shapes": same op type and input/output shapes, paired in execution order.
// After pass 1, a layer left over whose original name belongs to a layer of the other report
// that pass 1 paired joins that row (LayerChange::more_ids_a/b): one report fused what the other
// runs as separate layers, and the row compares their summed times.
// A float model against its quantized version: a fused layer lists the op first, then what it
// absorbed, so the float ConvRelu [Conv, Relu] and the int8 QLinearConv [Conv, Relu,
// Relu_output_0_QuantizeLinear] pair by the Conv's name. QuantizeLinear/DequantizeLinear layers
// pair only with each other (in no pass with another op): the float model has no twin for them,
// and they come out "added".
// What is left is "removed" (only in A) or "added" (only in B).
// A layer inside an If branch or a Loop body (LayerProfile::scope) pairs only with a layer of
// the same scope, its names read inside it ("loop_0/body/mm"); the layer sum adds the top-level
// layers only, and the op types count as the ranking does (a body layer its executions per run,
// a control layer its own time less its body rows').
//
// Noise rule: a time's range is [min, p90] over its report's timed runs (p90 rather than max so
// one disturbed run does not hide a real change; for an op type or the layer sum, the sums of
// the layers' mins and p90s). A change is beyond noise when the two ranges do not overlap: B's
// fastest runs are slower than A's p90 ("slower"), or B's p90 is faster than A's fastest runs
// ("faster"). Overlapping ranges are "within noise". A report with one run (an imported
// eval_perf text, or --runs 1) has no spread, so its changes get "no spread" and no verdict.
#pragma once
#include <string>
#include <vector>

#include "layerscope/profile.h"
#include "layerscope/status.h"

namespace layerscope {

// A time with its range over runs (see the noise rule); runs < 2 = no spread.
struct TimeRange {
  double median_us = 0, low_us = 0, high_us = 0;
  int runs = 0;
};

struct TimeChange {
  TimeRange a, b;
  double change_us = 0;   // b - a (medians)
  double change_pct = 0;  // 100 * change / a; 0 when a is 0
  // a / b (medians): 2.0 = B takes half of A's time, 0.5 = twice as long (e.g. a layer that got
  // slow after quantizing); 0 when either time is 0 (a layer only in one report).
  double speedup = 0;
  // "slower", "faster", "within noise", "no spread" (either side has one run), or for layers
  // only in one report "added" / "removed".
  std::string verdict;
};

struct LayerChange {
  int id_a = 0, id_b = 0;  // LayerProfile::id; 0 = not in that report
  // Further layers in this row (LayerProfile::id), their times included: what one report fused
  // into one layer and the other runs as several (float ConvAddRelu = int8 QLinearConv +
  // QLinearAdd); op_type_a/b then join the op types with '+'.
  std::vector<int> more_ids_a, more_ids_b;
  std::string op_type_a, op_type_b;
  std::string data_type_a, data_type_b;  // LayerProfile::data_type: FLOAT in A, INT8 in B after quantizing
  // First original node name ("" when none); a body layer's after its scope: "loop_0/body/mm".
  std::string name_a, name_b;
  std::string match;  // "name", "name prefix", "op + shapes", or "" (added/removed)
  TimeChange time;
};

struct OpTypeChange {
  std::string op_type;
  int calls_a = 0, calls_b = 0;  // executions per run (OpTypeRank::calls)
  TimeChange time;
};

struct ReportSide {
  std::string label;        // as given (file name)
  std::string description;  // "layerscope, 20 runs, 2 threads" or the imported_from text
  int runs = 0;
  bool has_spread = false;  // runs >= 2
  int layers = 0;
};

struct Comparison {
  ReportSide a, b;
  TimeChange layer_sum;                // sum of the layers' times
  bool has_latency = false;            // both reports measured end-to-end latency
  TimeChange latency;                  // end-to-end, profiler off (in microseconds)
  std::vector<OpTypeChange> op_types;  // by |change| descending
  std::vector<LayerChange> layers;     // by |change| descending
  int matched_by_name = 0, matched_by_prefix = 0, matched_by_shapes = 0, added = 0, removed = 0;
};

Comparison compare_reports(const PerfReport& a, const PerfReport& b, const std::string& label_a,
                           const std::string& label_b);

// Text for the terminal and compare.txt: summary, legend, op-type table, layer table.
std::string format_comparison_text(const Comparison& c);
// compare.json ("schema": "layerscope.compare"; docs/report-schema.md).
std::string comparison_json(const Comparison& c);
// compare.html: one self-contained page (no network references), tables sortable by column.
std::string comparison_html(const Comparison& c);

// The files write_comparison_files() writes, in this order.
inline constexpr const char* kCompareFiles[] = {"compare.txt", "compare.json", "compare.html"};

// Writes DIR/compare.txt (`text`), DIR/compare.json and DIR/compare.html, all or nothing (each to
// a temporary first, renamed into place once every one is complete). DIR must exist.
Status write_comparison_files(const Comparison& c, const std::string& dir, const std::string& text);

}  // namespace layerscope
