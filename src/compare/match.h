// Pairing the layers of two reports (the three passes described in include/layerscope/compare.h).
#pragma once
#include <string>
#include <vector>

#include "layerscope/profile.h"

namespace layerscope::compare {

struct LayerPair {
  int a = -1, b = -1;  // indexes into the two reports' layers; -1 = only in the other report
  // Further layers of the same row: one report runs as several layers what the other fused into
  // one (float ConvAddRelu [Conv, Add, Relu] = int8 QLinearConv [Conv, ...] + QLinearAdd [Add,
  // Relu, ...]); each shares an original node name with the row's layer of the other report.
  std::vector<int> more_a, more_b;
  std::string how;  // "name", "name prefix", "op + shapes", or "" when unmatched
};

// Every layer of both reports appears in exactly one pair (as a, b or in more_a/more_b).
std::vector<LayerPair> match_layers(const std::vector<LayerProfile>& a, const std::vector<LayerProfile>& b);

// True when `longer` is `name` plus a converter suffix: "_" then anything but a bare number
// ("_2conv", "_output_0_rs"); "_1" or "_1_rs" name another node of the source model.
bool is_converter_suffix_of(const std::string& name, const std::string& longer);

}  // namespace layerscope::compare
