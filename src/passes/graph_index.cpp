#include "passes/graph_index.h"

#include <algorithm>

namespace layerscope {

GraphIndex::GraphIndex(const Graph& g)
    : producer_(g.values.size(), -1), consumers_(g.values.size()), graph_output_(g.values.size(), false) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int v : g.nodes[i].outputs)
      if (v >= 0) producer_[v] = static_cast<int>(i);
    for (int v : g.nodes[i].inputs)
      if (v >= 0) consumers_[v].push_back(static_cast<int>(i));
  }
  for (int v : g.outputs) graph_output_[v] = true;
}

bool GraphIndex::only_feeds(int value, int node) const {
  return !graph_output_[value] && consumers_[value].size() == 1 && consumers_[value][0] == node;
}

int GraphIndex::sole_consumer(int value) const {
  if (graph_output_[value] || consumers_[value].size() != 1) return -1;
  return consumers_[value][0];
}

void erase_nodes(Graph& graph, const std::vector<bool>& dead) {
  size_t kept = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!dead[i]) {
      if (kept != i) graph.nodes[kept] = std::move(graph.nodes[i]);
      ++kept;
    }
  graph.nodes.resize(kept);
}

void replace_uses(Graph& graph, int from, int to) {
  for (Node& n : graph.nodes)
    for (int& v : n.inputs)
      if (v == from) v = to;
}

void append_sources(std::vector<std::string>& into, const std::vector<std::string>& names) {
  for (const std::string& s : names)
    if (std::find(into.begin(), into.end(), s) == into.end()) into.push_back(s);
}

}  // namespace layerscope
