// The reference tool's eval_perf / eval_memory text layout, column for column, so users can
// read it the way they already do; plus our Kernel and Bound columns before FullName, the
// statistics header and the honest overhead lines.
#include <algorithm>
#include <string>

#include "layerscope/profile.h"
#include "profile/layer_nesting.h"
#include "profile/quantized_layers.h"
#include "util/text.h"

namespace layerscope {

namespace {

// Column widths of the Network Layer Information Table, in characters: each cell is its text
// left-aligned and padded to the width (padded(): at least one space follows). FullName comes
// last, unpadded. The reference tool's widths, except:
// OpType uses the later 2.x width (19; 1.x/early 2.x used 17) so that names such as
// LayerNormalization and GlobalAveragePool keep the columns aligned. Kernel and Bound are ours.
constexpr size_t kIdWidth = 5;
constexpr size_t kOpTypeWidth = 19;
constexpr size_t kDataTypeWidth = 9;  // the column widens for longer names (FLOAT8E4M3FNUZ)
constexpr size_t kTargetWidth = 7;
constexpr size_t kInputShapeWidth = 41;
constexpr size_t kOutputShapeWidth = 23;
constexpr size_t kCyclesWidth = 26;  // the heading "Cycles(Mem/Compute/Total)" is 25 characters + a space
constexpr size_t kTimeWidth = 13;
constexpr size_t kMacUsageWidth = 21;
constexpr size_t kWorkLoadWidth = 21;
constexpr size_t kRwWidth = 13;
constexpr size_t kKernelWidth = 40;
constexpr size_t kBoundWidth = 9;
// A body row (a layer inside an If branch or a Loop/Scan body) is indented in the OpType column by
// this much per enclosing control layer, under the row of the one that ran it; the column widens
// by the deepest indent, so an indented op type has the room a top-level one has.
constexpr size_t kBodyIndent = 2;
// The table's rules span every padded column (FullName, of any length, runs past them).
constexpr size_t kLayerTableWidth = kIdWidth + kOpTypeWidth + kDataTypeWidth + kTargetWidth + kInputShapeWidth +
                                    kOutputShapeWidth + kCyclesWidth + kTimeWidth + kMacUsageWidth + kWorkLoadWidth +
                                    kRwWidth + kKernelWidth + kBoundWidth;

// Column widths of the Operator Time Consuming Ranking Table (OpType as above). TimeRatio(%)
// comes last and is not padded; its width counts only towards the rules.
constexpr size_t kCallsWidth = 13;
constexpr size_t kUnitTimeWidth = 13;  // each of CPUTime, GPUTime, NPUTime
constexpr size_t kTotalTimeWidth = 15;
constexpr size_t kRatioWidth = 14;
constexpr size_t kRankTableWidth = kOpTypeWidth + kCallsWidth + 3 * kUnitTimeWidth + kTotalTimeWidth + kRatioWidth;

std::vector<double> percentages(const std::vector<double>& shares) {
  std::vector<double> p;
  for (double s : shares) p.push_back(100.0 * s);
  return p;
}

std::string rule(size_t n) { return std::string(n, '-') + "\n"; }

std::string centred(const std::string& title, size_t n) {
  size_t pad = title.size() < n ? (n - title.size()) / 2 : 0;
  return std::string(pad, ' ') + title + "\n";
}

std::string mib(int64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024.0) return fmt("%.2f MiB", b / (1024.0 * 1024.0));
  return fmt("%.2f KiB", b / 1024.0);
}

bool has_int8_macs(const PerfReport& r) {
  for (const LayerProfile& l : r.layers)
    if (l.macs > 0 && computes_in_int8(l.data_type)) return true;
  return false;
}

// The run this report measured: machine, runs, end-to-end latency and the profiler's cost.
std::string measured_header(const PerfReport& r) {
  std::string out;
  out += fmt("Model: %s\n", r.model_path.c_str());
  if (r.roofs.measured)
    out +=
        fmt("CPU: %d core(s) in use of %d; measured clock %.2f GHz, peak %.1f fp32 MACs/cycle/core, "
            "memory bandwidth %.1f GB/s (1 core) / %.1f GB/s (all cores)\n",
            r.threads, r.roofs.cores, r.roofs.clock_ghz, r.roofs.macs_per_cycle_per_core,
            r.roofs.bandwidth_gbs_one_core, r.roofs.bandwidth_gbs_all_cores);
  else
    out +=
        fmt("CPU: %d thread(s); machine roofs not measured (run `layerscope machine`): Cycles, MacUsage and "
            "Bound print '\\'\n",
            r.threads);
  if (r.roofs.measured && has_int8_macs(r))  // their roof is the int8 one (profile/roofline.h)
    out += r.roofs.int8_macs_per_cycle_per_core > 0
               ? fmt("int8 layers (DataType INT8/UINT8): Cycles and MacUsage against the measured int8 peak, "
                     "%.1f int8 MACs/cycle/core\n",
                     r.roofs.int8_macs_per_cycle_per_core)
               : std::string(
                     "int8 layers (DataType INT8/UINT8): no int8 peak measured on this CPU (no VNNI), so "
                     "their Cycles, MacUsage and Bound print '\\'\n");
  if (!r.cores.empty()) {  // pinned runs only (SessionOptions::cores): the reference's core mask
    out += "Pinned:";
    for (size_t i = 0; i < r.cores.size(); ++i) out += fmt("%s worker %zu -> core %d", i ? "," : "", i, r.cores[i]);
    out += "\n";
  }
  if (!r.optimized)
    out += "Graph rewrites: off (--no-optimize): one layer per ONNX node, no fusions or layout changes\n";
  out +=
      fmt("Runs: %d timed (after %d warm-up), each with and without the profiler, interleaved. "
          "Time(us) is the median over runs.\n",
          r.runs, r.warmup);
  out += fmt("End-to-end latency, profiler off: median %.3f ms (min %.3f, max %.3f, p90 %.3f)\n", r.latency_ms.median,
             r.latency_ms.min, r.latency_ms.max, r.latency_ms.p90);
  out += fmt("End-to-end latency, profiler on:  median %.3f ms (min %.3f, max %.3f, p90 %.3f)\n",
             r.profiled_latency_ms.median, r.profiled_latency_ms.min, r.profiled_latency_ms.max,
             r.profiled_latency_ms.p90);
  out += fmt("Profiling overhead: %+.1f%%\n", r.overhead_pct);
  out += fmt("Layer sum / end-to-end: %.1f%%\n", r.layer_sum_ratio_pct);
  return out;
}

// A report imported from the reference tool's text: one board run, no end-to-end latency.
std::string imported_header(const PerfReport& r) {
  std::string out;
  out += fmt("Model: %s\n", r.model_path.empty() ? "(not named by the imported report)" : r.model_path.c_str());
  out += "Imported from: " + r.imported_from + "\n";
  out +=
      fmt("Target: the board's units, %d core(s) in the WorkLoad columns. Cycles are the board's DDR/NPU/Total "
          "counters; Time(us) is the one run the reference tool measured (no statistics, no end-to-end latency).\n",
          r.threads);
  return out;
}

// Ranking time per unit (CPU, GPU, NPU) of one op type, from its layers' Target.
struct UnitTimes {
  double cpu = 0, gpu = 0, npu = 0;
};
UnitTimes unit_times(const PerfReport& r, const std::vector<Stats>& own, const OpTypeRank& k) {
  UnitTimes t;
  bool other_units = false;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerProfile& l = r.layers[i];
    if (l.op_type != k.op_type) continue;
    if (l.target == "NPU") t.npu += own[i].median, other_units = true;
    else if (l.target == "GPU") t.gpu += own[i].median, other_units = true;
    else t.cpu += own[i].median;
  }
  if (!other_units) t = UnitTimes{k.total_us, 0, 0};  // all on the CPU: the ranking's own total
  return t;
}

// What the body rows are, under a table that has some.
const char* const kBodyRowsNote =
    "Indented rows ran inside the control layer above them (an If branch, a Loop/Scan body; FullName gives "
    "the path): their Time(us) and RW(KB) are per run, summed over their executions ([N calls] per run); the "
    "control layer's time includes them and the totals count it once. Body rows' WorkLoad is not measured.";
constexpr size_t kNoteWidth = 110;

}  // namespace

std::string format_perf_text(const PerfReport& r) {
  std::string out;
  out += r.imported_from.empty() ? measured_header(r) : imported_header(r);

  out += '\n';
  const std::vector<size_t> depths = nesting_depths(r.layers);
  const size_t indent = kBodyIndent * (depths.empty() ? 0 : *std::max_element(depths.begin(), depths.end()));
  const size_t op_width = kOpTypeWidth + indent;
  // DataType widens to keep one space after its longest name: FLOAT8E4M3FNUZ is 14 characters.
  size_t data_type_width = kDataTypeWidth;
  for (const LayerProfile& l : r.layers) data_type_width = std::max(data_type_width, l.data_type.size() + 1);
  const size_t width = kLayerTableWidth + indent + (data_type_width - kDataTypeWidth);
  out += rule(width) + centred("Network Layer Information Table", width) + rule(width);
  out += padded("ID", kIdWidth) + padded("OpType", op_width) + padded("DataType", data_type_width) +
         padded("Target", kTargetWidth) + padded("InputShape", kInputShapeWidth) +
         padded("OutputShape", kOutputShapeWidth) +
         padded(r.imported_from.empty() ? "Cycles(Mem/Compute/Total)" : "Cycles(DDR/NPU/Total)", kCyclesWidth) +
         padded("Time(us)", kTimeWidth) + padded("MacUsage(%)", kMacUsageWidth) +
         padded(per_thread_heading("WorkLoad", static_cast<size_t>(std::max(r.threads, 0))), kWorkLoadWidth) +
         padded("RW(KB)", kRwWidth) + padded("Kernel", kKernelWidth) + padded("Bound", kBoundWidth) + "FullName\n";
  out += rule(width);
  double total_kb = 0;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerProfile& l = r.layers[i];
    double kb = static_cast<double>(l.bytes_read + l.bytes_written) / 1024.0;
    total_kb += kb;
    std::string cycles = l.total_cycles > 0 ? fmt("%.0f/%.0f/%.0f", l.mem_cycles, l.compute_cycles, l.total_cycles)
                                            : (r.roofs.measured || !r.imported_from.empty() ? "0/0/0" : "\\");
    out += padded(std::to_string(l.id), kIdWidth) +
           padded(std::string(depths[i] * kBodyIndent, ' ') + l.op_type, op_width) +
           padded(l.data_type, data_type_width) + padded(l.target, kTargetWidth) +
           padded(shapes_text_within(l.input_shapes, kInputShapeWidth), kInputShapeWidth) +
           padded(shapes_text_within(l.output_shapes, kOutputShapeWidth), kOutputShapeWidth) +
           padded(cycles, kCyclesWidth) + padded(fmt("%.0f", l.time_us.median), kTimeWidth) +
           padded(per_thread_text(l.mac_usage_pct, "%.2f"), kMacUsageWidth) +
           padded(per_thread_text(percentages(l.workload), "%.1f%%"), kWorkLoadWidth) +
           padded(fmt("%.0f", kb), kRwWidth) + padded(l.kernel, kKernelWidth) +
           padded(l.bound.empty() ? "\\" : l.bound, kBoundWidth) +
           scoped_full_name(l.scope, l.op_type, l.source_names) +
           (l.parent != 0 ? " [" + calls_text(l.calls) + "]" : std::string()) + "\n";
  }
  out += rule(width);
  out += fmt("Total Operator Elapsed Per Frame Time(us): %.0f\n", r.layer_sum_us);
  out += fmt("Total Memory Read/Write Per Frame Size(KB): %.0f\n", total_kb);
  if (indent > 0) out += word_wrapped(kBodyRowsNote, kNoteWidth, "", "");
  out += rule(width) + "\n";

  const size_t rank_width = kRankTableWidth;
  out += rule(rank_width) + centred("Operator Time Consuming Ranking Table", rank_width) + rule(rank_width);
  out += padded("OpType", kOpTypeWidth) + padded("CallNumber", kCallsWidth) + padded("CPUTime(us)", kUnitTimeWidth) +
         padded("GPUTime(us)", kUnitTimeWidth) + padded("NPUTime(us)", kUnitTimeWidth) +
         padded("TotalTime(us)", kTotalTimeWidth) + "TimeRatio(%)\n";
  out += rule(rank_width);
  int calls = 0;
  UnitTimes sum;
  const std::vector<Stats> own = own_times(r.layers);  // a control layer's time less its body rows'
  for (const OpTypeRank& k : r.ranking) {
    calls += k.calls;
    const UnitTimes t = unit_times(r, own, k);
    sum.cpu += t.cpu, sum.gpu += t.gpu, sum.npu += t.npu;
    out += padded(k.op_type, kOpTypeWidth) + padded(std::to_string(k.calls), kCallsWidth) +
           padded(fmt("%.0f", t.cpu), kUnitTimeWidth) + padded(fmt("%.0f", t.gpu), kUnitTimeWidth) +
           padded(fmt("%.0f", t.npu), kUnitTimeWidth) + padded(fmt("%.0f", k.total_us), kTotalTimeWidth) +
           fmt("%.2f%%", k.ratio_pct) + "\n";
  }
  out += rule(rank_width);
  if (sum.gpu == 0 && sum.npu == 0) sum.cpu = r.layer_sum_us;  // all on the CPU: the report's own total
  out += padded("Total", kOpTypeWidth) + padded(std::to_string(calls), kCallsWidth) +
         padded(fmt("%.0f", sum.cpu), kUnitTimeWidth) + padded(fmt("%.0f", sum.gpu), kUnitTimeWidth) +
         padded(fmt("%.0f", sum.npu), kUnitTimeWidth) + padded(fmt("%.0f", r.layer_sum_us), kTotalTimeWidth) + "\n";
  out += rule(rank_width);
  return out;
}

std::string format_memory_text(const MemoryReport& m) {
  std::string out;
  out += "======================================================\n";
  out += "        Memory Profile Info Dump\n";
  out += "======================================================\n";
  out += "CPU model memory detail(bytes):\n";
  out += "  Weight Memory: " + mib(m.weight_bytes) + "\n";
  out += "  Internal Tensor Memory: " + mib(m.internal_bytes) + "\n";
  out += "  Other Memory: " + mib(m.other_bytes) + "\n";
  out += "  Total Memory: " + mib(m.total_bytes) + "\n";
  out += "\n";
  out += "INFO: When evaluating memory usage, we need consider\n";
  out += "the size of model, current model size is: " + mib(m.model_file_bytes) + "\n";
  if (m.naive_activation_bytes > 0)
    out += fmt("Activation reuse: %s planned vs %s if every intermediate tensor had its own buffer (%.1f%%)\n",
               mib(m.internal_bytes).c_str(), mib(m.naive_activation_bytes).c_str(),
               100.0 * static_cast<double>(m.internal_bytes) / static_cast<double>(m.naive_activation_bytes));
  return out;
}

}  // namespace layerscope
