// Helpers shared by the comparison's text, JSON and HTML writers.
#pragma once
#include <string>
#include <vector>

#include "layerscope/compare.h"
#include "util/text.h"  // fmt, padded

namespace layerscope::compare {

// "+12.5%", or "n/a" when A's time is 0 (a layer only in B).
std::string pct_text(const TimeChange& t);
// The legend lines: what Change and Verdict mean, single-run sides, how layers were matched.
std::vector<std::string> legend(const Comparison& c);

}  // namespace layerscope::compare
