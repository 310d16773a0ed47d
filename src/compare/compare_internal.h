// Helpers shared by the comparison's text, JSON and HTML writers.
#pragma once
#include <string>
#include <vector>

#include "layerscope/compare.h"
#include "util/text.h"  // fmt, padded

namespace layerscope::compare {

// "+12.5%", or "n/a" when A's time is 0 (a layer only in B).
std::string pct_text(const TimeChange& t);
// "2.31x" (A / B), or "n/a" when either side has no time.
std::string speedup_text(const TimeChange& t);
// "FLOAT/UINT8", one type when both sides agree, "" when neither report states one.
std::string data_types_text(const LayerChange& l);
// "8", or "8+9" when the row holds further layers of that report; "-" when it has none.
std::string ids_text(int id, const std::vector<int>& more);
// The legend lines: what Change and Verdict mean, single-run sides, how layers were matched.
std::vector<std::string> legend(const Comparison& c);

}  // namespace layerscope::compare
