// Helpers shared by the comparison's text, JSON and HTML writers.
#pragma once
#include <string>
#include <vector>

#include "layerscope/compare.h"

namespace layerscope::compare {

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
// "+12.5%", or "n/a" when A's time is 0 (a layer only in B).
std::string pct_text(const TimeChange& t);
// The legend lines: what Change and Verdict mean, single-run sides, how layers were matched.
std::vector<std::string> legend(const Comparison& c);

}  // namespace layerscope::compare
