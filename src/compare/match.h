// Pairing the layers of two reports (the three passes described in include/layerscope/compare.h).
#pragma once
#include <string>
#include <vector>

#include "layerscope/profile.h"

namespace layerscope::compare {

struct LayerPair {
  int a = -1, b = -1;  // indexes into the two reports' layers; -1 = only in the other report
  std::string how;     // "name", "name prefix", "op + shapes", or "" when unmatched
};

// Every layer of both reports appears in exactly one pair.
std::vector<LayerPair> match_layers(const std::vector<LayerProfile>& a, const std::vector<LayerProfile>& b);

// True when `longer` is `name` plus a converter suffix: "_" then anything but a bare number
// ("_2conv", "_output_0_rs"); "_1" or "_1_rs" name another node of the source model.
bool is_converter_suffix_of(const std::string& name, const std::string& longer);

}  // namespace layerscope::compare
