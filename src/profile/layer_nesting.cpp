#include "profile/layer_nesting.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace layerscope {

double top_level_sum_us(const std::vector<LayerProfile>& layers) {
  double sum = 0;
  for (const LayerProfile& l : layers)
    if (l.parent == 0) sum += l.time_us.median;
  return sum;
}

std::vector<size_t> nesting_depths(const std::vector<LayerProfile>& layers) {
  std::unordered_map<int, size_t> depth_of_id;
  std::vector<size_t> depths;
  for (const LayerProfile& l : layers) {
    auto parent = l.parent != 0 ? depth_of_id.find(l.parent) : depth_of_id.end();
    depths.push_back(parent != depth_of_id.end() ? parent->second + 1 : 0);
    depth_of_id[l.id] = depths.back();
  }
  return depths;
}

std::vector<Stats> own_times(const std::vector<LayerProfile>& layers) {
  std::vector<Stats> own;
  std::unordered_map<int, size_t> row_of_id;
  for (size_t i = 0; i < layers.size(); ++i) {
    own.push_back(layers[i].time_us);
    row_of_id.emplace(layers[i].id, i);
  }
  for (const LayerProfile& l : layers) {
    auto it = l.parent != 0 ? row_of_id.find(l.parent) : row_of_id.end();
    if (it == row_of_id.end()) continue;  // top level (or a parent a foreign report does not have)
    Stats& p = own[it->second];
    const Stats& c = l.time_us;
    p.median = std::max(0.0, p.median - c.median);
    p.min = std::max(0.0, p.min - c.min);
    p.max = std::max(0.0, p.max - c.max);
    p.p90 = std::max(0.0, p.p90 - c.p90);
    p.mean = std::max(0.0, p.mean - c.mean);
  }
  return own;
}

std::vector<OpTypeRank> rank_op_types(const std::vector<LayerProfile>& layers, double layer_sum_us) {
  const std::vector<Stats> own = own_times(layers);
  std::map<std::string, std::pair<double, double>> by_type;  // op type -> calls, time
  for (size_t i = 0; i < layers.size(); ++i) {
    auto& [calls, us] = by_type[layers[i].op_type];
    calls += layers[i].calls;
    us += own[i].median;
  }
  std::vector<OpTypeRank> ranking;
  for (const auto& [type, totals] : by_type) {
    OpTypeRank k;
    k.op_type = type;
    k.calls = static_cast<int>(std::lround(totals.first));
    k.total_us = totals.second;
    k.ratio_pct = layer_sum_us > 0 ? 100.0 * k.total_us / layer_sum_us : 0;
    ranking.push_back(k);
  }
  std::stable_sort(ranking.begin(), ranking.end(),
                   [](const OpTypeRank& a, const OpTypeRank& b) { return a.total_us > b.total_us; });
  return ranking;
}

}  // namespace layerscope
