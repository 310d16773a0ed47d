// Joins the accuracy analysis's layers (nodes of the quantized model) with a profile's layers by
// the original ONNX node names each profile row carries (LayerProfile::source_names; a fused row
// names several). `accuracy --perf` and report.html's Accuracy section (`perf --accuracy`) both
// use this one matching, so a layer gets the same time in both.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "layerscope/accuracy.h"
#include "layerscope/profile.h"

namespace layerscope::accuracy {

struct PerfJoin {
  int found = 0;  // analysed layers some profile row names
  int fused = 0;  // profile rows naming more than one analysed layer
};

// The profile rows naming each node: the node's name in its row's scope (scoped_name: a body
// row's "loop_0/body/mm", so it never matches a top-level node "mm") -> indices into perf.layers.
std::map<std::string, std::vector<size_t>> rows_by_node(const PerfReport& perf);

// Sets each layer's time_us, time_share_pct and perf_layers from `perf` (time_us and
// time_share_pct -1, perf_layers "" where no row names the node). The rows are rows_by_node's. `source`
// names the profile in errors: a profile without layer time is refused.
PerfJoin join_perf_times(const PerfReport& perf, const std::string& source, std::vector<LayerAccuracy>* layers);

// The note a report carries when `fused` > 0: those layers each show the fused row's whole time.
std::string fused_rows_note(int fused);

}  // namespace layerscope::accuracy
