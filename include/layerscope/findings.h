// Findings: the reading of a performance report that the reference tool leaves to its users.
// Each finding is one observation with the evidence behind it (the layer ids it cites), e.g.
// "3 layers ran on the generic 'ref' fallback kernel: 14.2% of the time".
//
// Rules (kind), each skipped when the report lacks the data it needs:
//   fallback_kernels    layers on the reference kernels ("ref", "ref(dynamic)"), or for reports
//                       imported from the reference tool, layers that fell back to the CPU
//                       while the rest ran on the NPU/GPU
//   generic_kernels     layers on oneDNN's generic implementations (gemm-based convolution,
//                       simple_*): they work for any layout but are not the specialised kernels
//   data_movement       the share of layers that only move data (Transpose, Reshape, Concat, ...)
//   memory_bound /      which roof bounds the time-relevant layers, and how close each runs to
//   compute_bound       its roof (needs the measured roofs or the board's cycles)
//   far_from_roof       time-relevant layers achieving a small fraction of their roofline time
//   low_mac_usage       dominant layers (large time share) using few of the arithmetic units
//   workload_imbalance  time-relevant layers whose work sits on one thread/core
//   measurement         the per-layer times disagree with the end-to-end latency
//   int8_fallback       quantized models: a Conv/MatMul/Gemm left in float between a
//                       DequantizeLinear and a QuantizeLinear (the int8 passes could not fuse it),
//                       or an int8 layer on the reference kernels
//   quant_conversions   quantized models: the time QuantizeLinear/DequantizeLinear take, from
//                       a named share of the layer sum (findings_quant.cpp)
//   accuracy_loss       with an accuracy analysis attached (PerfReport::accuracy, `perf
//                       --accuracy`): the layers that lose the most accuracy (lowest SQNR),
//                       with their share of the time and the keep-float advice; severity from
//                       SQNR (the worst layer's or the outputs', the lower), not from time
#pragma once
#include <string>
#include <vector>

#include "layerscope/profile.h"

namespace layerscope {

struct Finding {
  std::string kind;            // the rule that produced it (list above); stable, for scripts
  std::string severity;        // "high", "medium" or "info"
  std::string title;           // one line, with the key number
  std::string detail;          // what it means, the main layers behind it, and what to try
  double time_share_pct = 0;   // share of the layer-sum time the cited layers take
  std::vector<int> layer_ids;  // LayerProfile::id of every cited row
};

// Applies every rule to the report; findings come most important first (severity, then time
// share). Never throws for any report content; an empty report gives no findings.
std::vector<Finding> find_findings(const PerfReport& report);

// The findings as a text section (the block printed after the reference's tables).
std::string format_findings_text(const std::vector<Finding>& findings);

}  // namespace layerscope
