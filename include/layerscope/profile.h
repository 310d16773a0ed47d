// Layer-by-layer performance evaluation (the reference tool's eval_perf, with statistics):
// run the model repeatedly with and without the per-layer profiler, and report per layer
// what ran, how long it took (median/min/max/p90 over runs), its work (MACs, bytes), where
// it sits against the machine's measured roofs, and how the work split across threads.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layerscope/session.h"
#include "layerscope/stats.h"

namespace layerscope {

struct AccuracyReport;  // layerscope/accuracy.h

struct ProfileOptions {
  int warmup = 5;  // un-timed runs first
  int runs = 20;   // timed runs with the profiler, and as many without it (interleaved)
  // Optional progress display: called after each warm-up run (phase "warm-up") and each pair
  // of timed runs (phase "run") with how many are done out of how many, never inside a timed run.
  std::function<void(const char* phase, int done, int total)> progress;
  // Measure each layer's work split across threads (WorkLoad) when the program enabled it
  // (include/layerscope/workload.h); otherwise, or when false, WorkLoad is reported unknown.
  bool measure_workload = true;
};

// The machine limits every derived figure is measured against (from `layerscope machine`).
struct Roofs {
  double clock_ghz = 0;                // measured core clock
  double macs_per_cycle_per_core = 0;  // fp32 peak, measured
  double bandwidth_gbs_one_core = 0;   // memory bandwidth (copy), measured
  double bandwidth_gbs_all_cores = 0;
  int cores = 0;
  bool measured = false;  // false: figures below are 0 and columns print '\'
  std::string cpu_model;  // CPUID brand string of the calibrated machine ("" = unknown)
  // int8 peak (VNNI dot products: u8 x s8 -> s32), measured; 0 = not measured (no VNNI). The
  // roof of the layers that compute in int8 (LayerProfile::data_type INT8/UINT8). Last, so
  // aggregate initialisers written before it existed keep their meaning.
  double int8_macs_per_cycle_per_core = 0;
};

struct MachineInfo;
// The roofs of a calibrated machine (include/layerscope/machine.h: load_or_calibrate()).
Roofs roofs_from_machine(const MachineInfo& machine);

struct LayerProfile {
  int id = 0;           // 1-based, report order: execution order, body rows after their control layer
  std::string op_type;  // as executed (after fusion)
  // Precision the layer ran in: FLOAT, INT8, UINT8, ... The quantized integer type it works on
  // when its first input is one (QLinearConv, QLinearMatMul, QLinearAdd, ConvInteger, int8
  // MaxPool, DequantizeLinear: INT8 even when writing FLOAT), else its first output's type when
  // that is one (QuantizeLinear: INT8), else its first output's type (FLOAT for a Conv left in
  // float between DequantizeLinear and QuantizeLinear). Quantized types: the integer types
  // narrower than 32 bits (INT8, UINT8, INT16, UINT16).
  std::string data_type;
  std::string target = "CPU";
  std::vector<std::vector<int64_t>> input_shapes;  // every input, weights included
  std::vector<std::vector<int64_t>> output_shapes;
  std::string kernel;                     // implementation that ran, e.g. "onednn:brg:avx512_core", "ref"
  std::vector<std::string> source_names;  // original ONNX node names this layer stands for
  // The values it reads and writes, by name, one per input/output of the executed node ("" for
  // an absent optional input): how the layers connect (a value written by one layer and read by
  // another), e.g. a float Conv between a DequantizeLinear and a QuantizeLinear.
  std::vector<std::string> input_names, output_names;
  double macs = 0, other_ops = 0;
  int64_t bytes_read = 0, bytes_written = 0;
  Stats time_us;  // over the profiled runs
  // Per worker thread, its share of the time the threads worked on this layer (sums to 1): time
  // inside the layer's parallel region bodies, plus the layer's serial time for worker 0; idle
  // spinning is not work (see src/profile/omp_work.h). Empty = unknown.
  std::vector<double> workload;
  // Derived from the roofs (0 when the roofs are not measured):
  double mem_cycles = 0, compute_cycles = 0, total_cycles = 0;
  std::vector<double> mac_usage_pct;  // per thread in use
  std::string bound;                  // "memory", "compute" or "" (no roofs / no work)
  int64_t live_activation_bytes = 0;  // activations alive while this layer runs (memory plan)
  // Control flow. A layer inside an If branch or a Loop, Scan or SequenceMap body is a row of
  // its own, right after the row of the control layer that ran it (depth first), and that row's
  // time includes it. For such a body row:
  //  - parent: the id of the enclosing control layer's row (0 = a top-level layer);
  //  - scope: the path to it through the enclosing nodes, each node's first original name and
  //    the GRAPH attribute holding the body: "loop_0/body", "outer/body/inner_if/then_branch"
  //    ("" at the top level);
  //  - calls: its executions per run (a Loop body's layer: the iterations; median over runs);
  //  - time_us: over runs, its time summed over that run's executions; macs, other_ops and bytes
  //    likewise per run (one execution's times calls); shapes, kernel and data type are its
  //    latest execution's; live_activation_bytes counts the body's own arena; workload (and so
  //    mac_usage_pct) is unknown (empty): a body runs inside its control layer's measurement.
  int parent = 0;
  std::string scope;
  double calls = 1;
};

struct OpTypeRank {
  std::string op_type;
  // Executions per run: one per top-level layer, LayerProfile::calls per body layer.
  int calls = 0;
  // Sum of the layers' median times; a control layer (If, Loop, ...) adds its own time only,
  // less its body rows' (they count under their own op types).
  double total_us = 0;
  double ratio_pct = 0;
};

// eval_memory: bytes as held by this runtime.
struct MemoryReport {
  int64_t weight_bytes = 0;    // constants as held for execution (incl. prepacked copies)
  int64_t internal_bytes = 0;  // activation arena peak, as planned (incl. kernel scratch)
  int64_t other_bytes = 0;     // model inputs and outputs
  int64_t total_bytes = 0;
  int64_t model_file_bytes = 0;
  int64_t naive_activation_bytes = 0;  // every intermediate tensor summed (no reuse)
};

struct PerfReport {
  std::string model_path;
  // "" when measured by this runtime; otherwise where the report was imported from, e.g.
  // "RKNN eval_perf text, 2.x layout (board.txt)". Imported reports hold one run per layer
  // (runs = 1), the board's cycle counters, and no end-to-end latency (count 0).
  std::string imported_from;
  int threads = 0;
  std::vector<int> cores;  // core worker i was pinned to (SessionOptions::cores); empty = not pinned
  bool optimized = true;   // graph rewrites applied (SessionOptions::optimize)
  int warmup = 0, runs = 0;
  Roofs roofs;
  std::vector<LayerProfile> layers;
  std::vector<OpTypeRank> ranking;  // by total time, descending
  Stats latency_ms;                 // end-to-end, profiler off
  Stats profiled_latency_ms;        // end-to-end, profiler on
  double layer_sum_us = 0;          // sum of the top-level layers' median times (parent 0)
  double overhead_pct = 0;          // profiled / unprofiled median - 1
  double layer_sum_ratio_pct = 0;   // layer sum / unprofiled median
  MemoryReport memory;
  // The accuracy analysis of this (quantized) model joined with these layers' times
  // (attach_accuracy in accuracy.h; `perf --accuracy`); null = none. Shared and immutable, so
  // copying a report stays cheap.
  std::shared_ptr<const AccuracyReport> accuracy;
};

// Runs the evaluation. `roofs` may be default (unmeasured): derived columns then print '\'.
Status evaluate_performance(Session& session, const std::vector<NamedTensor>& inputs, const ProfileOptions& options,
                            const Roofs& roofs, PerfReport* report);

// Memory report of the session's current plan (no run needed for static-shape models).
Status evaluate_memory(Session& session, MemoryReport* report);

// The reference tool's text layout: layer table, totals, op-type ranking table.
std::string format_perf_text(const PerfReport& report);
// The reference tool's "Memory Profile Info Dump".
std::string format_memory_text(const MemoryReport& report);

}  // namespace layerscope
