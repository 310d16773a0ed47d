// Summary statistics of repeated measurements (latencies in any unit).
#pragma once
#include <vector>

namespace layerscope {

struct Stats {
  int count = 0;
  double median = 0, min = 0, max = 0, p90 = 0, mean = 0;
};

// Median and p90 use linear interpolation between order statistics (numpy's default).
Stats compute_stats(std::vector<double> samples);

}  // namespace layerscope
