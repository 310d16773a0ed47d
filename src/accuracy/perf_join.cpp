#include "accuracy/perf_join.h"

#include <map>
#include <set>

#include "ir/error.h"
#include "profile/layer_nesting.h"
#include "util/text.h"

namespace layerscope::accuracy {

std::map<std::string, std::vector<size_t>> rows_by_node(const PerfReport& perf) {
  std::map<std::string, std::vector<size_t>> rows;
  for (size_t i = 0; i < perf.layers.size(); ++i)
    for (const std::string& s : perf.layers[i].source_names) {
      std::vector<size_t>& of_node = rows[scoped_name(perf.layers[i].scope, s)];
      if (of_node.empty() || of_node.back() != i) of_node.push_back(i);  // a row naming a node twice counts once
    }
  return rows;
}

PerfJoin join_perf_times(const PerfReport& perf, const std::string& source, std::vector<LayerAccuracy>* layers) {
  const double total = top_level_sum_us(perf.layers);  // a body layer's time is inside its control layer's
  LS_CHECK(total > 0, "perf report '", source, "' has no layer time");
  struct Time {
    double us = 0;
    std::string rows;
  };
  std::map<std::string, Time> by_node;
  for (const auto& [node, rows] : rows_by_node(perf))
    for (size_t i : rows) {
      const LayerProfile& l = perf.layers[i];
      Time& t = by_node[node];
      t.us += l.time_us.median;
      t.rows += (t.rows.empty() ? "" : "; ") + scoped_full_name(l.scope, l.op_type, l.source_names);
    }
  PerfJoin join;
  for (LayerAccuracy& l : *layers) {
    auto it = by_node.find(l.node);
    l.time_us = it == by_node.end() ? -1 : it->second.us;
    l.time_share_pct = it == by_node.end() ? -1 : 100.0 * it->second.us / total;
    l.perf_layers = it == by_node.end() ? "" : it->second.rows;
    join.found += it != by_node.end();
  }
  // A fused row (QLinearConvAdd, Conv+Relu, ...) names several analysed nodes: each shows its whole
  // time, which the reader must know when adding shares up.
  std::set<std::string> analysed;
  for (const LayerAccuracy& l : *layers) analysed.insert(l.node);
  for (const LayerProfile& l : perf.layers) {
    int named = 0;
    for (const std::string& s : l.source_names) named += analysed.count(scoped_name(l.scope, s)) ? 1 : 0;
    join.fused += named > 1;
  }
  return join;
}

std::string fused_rows_note(int fused) {
  return std::to_string(fused) +
         " perf layer(s) are fused over several analysed layers; each of those layers shows the fused layer's whole "
         "time share (perf_layers in accuracy.json names it), so the shares add up to more than 100%";
}

}  // namespace layerscope::accuracy
