// Who produces and who consumes each value: the lookup every fusion pattern needs. Built from
// a graph snapshot; rebuild it after a pass has edited the graph.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace layerscope {

class GraphIndex {
 public:
  explicit GraphIndex(const Graph& g);

  int producer(int value) const { return producer_[value]; }  // node index or -1
  // Node indices reading `value` (a node appears once per input slot that reads it).
  const std::vector<int>& consumers(int value) const { return consumers_[value]; }
  bool is_graph_output(int value) const { return graph_output_[value]; }
  // `value` is read by exactly one input slot, of `node`, and is not a graph output: a fusion
  // may absorb the value into that node.
  bool only_feeds(int value, int node) const;
  // The single consumer node of `value` when only_feeds() holds for it, else -1.
  int sole_consumer(int value) const;

 private:
  std::vector<int> producer_;
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> graph_output_;
};

// Removes the nodes marked in `dead` (indexed like graph.nodes), keeping the others' order.
void erase_nodes(Graph& graph, const std::vector<bool>& dead);

// Points every node input that reads `from` at `to` instead.
void replace_uses(Graph& graph, int from, int to);

// Appends `names` to `into` (skipping duplicates), for fused nodes' source_names.
void append_sources(std::vector<std::string>& into, const std::vector<std::string>& names);

}  // namespace layerscope
