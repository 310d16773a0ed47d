// Body rows (LayerProfile::parent) as every reader of a report needs them: a control layer's
// time includes its body rows' times, so a sum over the model takes the top-level rows, and a
// per-op-type total takes each row's own time.
#pragma once
#include <vector>

#include "layerscope/profile.h"

namespace layerscope {

// Sum of the top-level rows' median times (parent 0): the report's layer sum.
double top_level_sum_us(const std::vector<LayerProfile>& layers);

// Per row, how many control layers enclose it (0 at the top level): how far reports indent it.
std::vector<size_t> nesting_depths(const std::vector<LayerProfile>& layers);

// Per row, the time spent in it and not in its body rows: its time_us less its direct body
// rows' (median from median, min from min, ... each at least 0). A row without body rows keeps
// its own. Over a control layer and everything below it, the medians add up to its median
// unless a floor at 0 applied (medians of sums are not sums of medians).
std::vector<Stats> own_times(const std::vector<LayerProfile>& layers);

// The Operator Time Consuming Ranking: per op type, its executions per run (a body row counts
// its calls) and the sum of its rows' own median times (own_times), by total time descending;
// ratio_pct against `layer_sum_us`.
std::vector<OpTypeRank> rank_op_types(const std::vector<LayerProfile>& layers, double layer_sum_us);

}  // namespace layerscope
