// The reference tool's eval_perf / eval_memory text layout, column for column, so users can
// read it the way they already do; plus our Kernel and Bound columns before FullName, the
// statistics header and the honest overhead lines.
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "layerscope/profile.h"

namespace layerscope {

namespace {

// OpType uses the later 2.x width (19; 1.x/early 2.x used 17) so that names such as
// LayerNormalization and GlobalAveragePool keep the columns aligned. Kernel is our column.
constexpr size_t kOpTypeWidth = 19;
constexpr size_t kKernelWidth = 40;

std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// Left-aligned in `width` columns, always followed by at least one space.
std::string cell(const std::string& s, size_t width) {
  if (s.size() + 1 >= width) return s + " ";
  return s + std::string(width - s.size(), ' ');
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + ")";
}

// "(1,3,480,640),(384,3,14,14),(384)", cut at whole shapes with ",..." when too long.
std::string shapes_text(const std::vector<std::vector<int64_t>>& shapes, size_t width) {
  std::string out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::string next = (i ? "," : "") + shape_text(shapes[i]);
    bool last = i + 1 == shapes.size();
    if (out.size() + next.size() + (last ? 0 : 4) >= width) return out.empty() ? next.substr(0, width - 5) + "..." : out + ",...";
    out += next;
  }
  return out.empty() ? "\\" : out;
}

std::string per_thread(const std::vector<double>& v, const char* f) {
  if (v.empty()) return "\\";
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "/" : "") + fmt(f, v[i]);
  return s;
}

std::vector<double> percentages(const std::vector<double>& shares) {
  std::vector<double> p;
  for (double s : shares) p.push_back(100.0 * s);
  return p;
}

std::string thread_header(const char* name, int threads) {
  std::string s = std::string(name) + "(";
  for (int i = 0; i < threads; ++i) s += (i ? "/" : "") + std::to_string(i);
  return s + ")";
}

std::string rule(size_t n) { return std::string(n, '-') + "\n"; }

std::string centred(const std::string& title, size_t n) {
  size_t pad = title.size() < n ? (n - title.size()) / 2 : 0;
  return std::string(pad, ' ') + title + "\n";
}

std::string full_name(const LayerProfile& l) {
  std::string s = l.op_type + ":";
  for (size_t i = 0; i < l.source_names.size(); ++i) s += (i ? "+" : "") + l.source_names[i];
  return s;
}

std::string mib(int64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024.0) return fmt("%.2f MiB", b / (1024.0 * 1024.0));
  return fmt("%.2f KiB", b / 1024.0);
}

// The run this report measured: machine, runs, end-to-end latency and the profiler's cost.
std::string measured_header(const PerfReport& r) {
  std::string out;
  out += fmt("Model: %s\n", r.model_path.c_str());
  if (r.roofs.measured)
    out += fmt("CPU: %d core(s) in use of %d; measured clock %.2f GHz, peak %.1f fp32 MACs/cycle/core, "
               "memory bandwidth %.1f GB/s (1 core) / %.1f GB/s (all cores)\n",
               r.threads, r.roofs.cores, r.roofs.clock_ghz, r.roofs.macs_per_cycle_per_core,
               r.roofs.bandwidth_gbs_one_core, r.roofs.bandwidth_gbs_all_cores);
  else
    out += fmt("CPU: %d thread(s); machine roofs not measured (run `layerscope machine`): Cycles, MacUsage and "
               "Bound print '\\'\n", r.threads);
  if (!r.cores.empty()) {  // pinned runs only (SessionOptions::cores): the reference's core mask
    out += "Pinned:";
    for (size_t i = 0; i < r.cores.size(); ++i) out += fmt("%s worker %zu -> core %d", i ? "," : "", i, r.cores[i]);
    out += "\n";
  }
  if (!r.optimized)
    out += "Graph rewrites: off (--no-optimize): one layer per ONNX node, no fusions or layout changes\n";
  out += fmt("Runs: %d timed (after %d warm-up), each with and without the profiler, interleaved. "
             "Time(us) is the median over runs.\n", r.runs, r.warmup);
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
  out += fmt("Target: the board's units, %d core(s) in the WorkLoad columns. Cycles are the board's DDR/NPU/Total "
             "counters; Time(us) is the one run the reference tool measured (no statistics, no end-to-end latency).\n",
             r.threads);
  return out;
}

// Ranking time per unit (CPU, GPU, NPU) of one op type, from its layers' Target.
struct UnitTimes {
  double cpu = 0, gpu = 0, npu = 0;
};
UnitTimes unit_times(const PerfReport& r, const OpTypeRank& k) {
  UnitTimes t;
  bool other_units = false;
  for (const LayerProfile& l : r.layers) {
    if (l.op_type != k.op_type) continue;
    if (l.target == "NPU") t.npu += l.time_us.median, other_units = true;
    else if (l.target == "GPU") t.gpu += l.time_us.median, other_units = true;
    else t.cpu += l.time_us.median;
  }
  if (!other_units) t = UnitTimes{k.total_us, 0, 0};  // all on the CPU: the ranking's own total
  return t;
}

}  // namespace

std::string format_perf_text(const PerfReport& r) {
  std::string out;
  const size_t width = 246;
  out += r.imported_from.empty() ? measured_header(r) : imported_header(r);

  out += '\n';
  out += rule(width) + centred("Network Layer Information Table", width) + rule(width);
  out += cell("ID", 5) + cell("OpType", kOpTypeWidth) + cell("DataType", 9) + cell("Target", 7) + cell("InputShape", 41) +
         cell("OutputShape", 23) +
         cell(r.imported_from.empty() ? "Cycles(Mem/Compute/Total)" : "Cycles(DDR/NPU/Total)", 25) + cell("Time(us)", 13) +
         cell("MacUsage(%)", 21) + cell(thread_header("WorkLoad", r.threads), 21) +
         cell("RW(KB)", 13) + cell("Kernel", kKernelWidth) + cell("Bound", 9) + "FullName\n";
  out += rule(width);
  double total_kb = 0;
  for (const LayerProfile& l : r.layers) {
    double kb = static_cast<double>(l.bytes_read + l.bytes_written) / 1024.0;
    total_kb += kb;
    std::string cycles = l.total_cycles > 0 ? fmt("%.0f/%.0f/%.0f", l.mem_cycles, l.compute_cycles, l.total_cycles)
                                            : (r.roofs.measured || !r.imported_from.empty() ? "0/0/0" : "\\");
    out += cell(std::to_string(l.id), 5) + cell(l.op_type, kOpTypeWidth) + cell(l.data_type, 9) + cell(l.target, 7) +
           cell(shapes_text(l.input_shapes, 41), 41) + cell(shapes_text(l.output_shapes, 23), 23) + cell(cycles, 25) +
           cell(fmt("%.0f", l.time_us.median), 13) + cell(per_thread(l.mac_usage_pct, "%.2f"), 21) +
           cell(per_thread(percentages(l.workload), "%.1f%%"), 21) +
           cell(fmt("%.0f", kb), 13) + cell(l.kernel, kKernelWidth) + cell(l.bound.empty() ? "\\" : l.bound, 9) + full_name(l) +
           "\n";
  }
  out += rule(width);
  out += fmt("Total Operator Elapsed Per Frame Time(us): %.0f\n", r.layer_sum_us);
  out += fmt("Total Memory Read/Write Per Frame Size(KB): %.0f\n", total_kb);
  out += rule(width) + "\n";

  const size_t rank_width = 100;
  out += rule(rank_width) + centred("Operator Time Consuming Ranking Table", rank_width) + rule(rank_width);
  out += cell("OpType", 19) + cell("CallNumber", 13) + cell("CPUTime(us)", 13) + cell("GPUTime(us)", 13) +
         cell("NPUTime(us)", 13) + cell("TotalTime(us)", 15) + "TimeRatio(%)\n";
  out += rule(rank_width);
  int calls = 0;
  UnitTimes sum;
  for (const OpTypeRank& k : r.ranking) {
    calls += k.calls;
    const UnitTimes t = unit_times(r, k);
    sum.cpu += t.cpu, sum.gpu += t.gpu, sum.npu += t.npu;
    out += cell(k.op_type, 19) + cell(std::to_string(k.calls), 13) + cell(fmt("%.0f", t.cpu), 13) +
           cell(fmt("%.0f", t.gpu), 13) + cell(fmt("%.0f", t.npu), 13) + cell(fmt("%.0f", k.total_us), 15) +
           fmt("%.2f%%", k.ratio_pct) + "\n";
  }
  out += rule(rank_width);
  if (sum.gpu == 0 && sum.npu == 0) sum.cpu = r.layer_sum_us;  // all on the CPU: the report's own total
  out += cell("Total", 19) + cell(std::to_string(calls), 13) + cell(fmt("%.0f", sum.cpu), 13) +
         cell(fmt("%.0f", sum.gpu), 13) + cell(fmt("%.0f", sum.npu), 13) + cell(fmt("%.0f", r.layer_sum_us), 15) + "\n";
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
