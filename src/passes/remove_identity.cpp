// Identity, and Dropout at inference, forward their input unchanged: their consumers read
// the input directly and the node disappears (its name joins the producer's source_names so
// the profile still accounts for it).
#include "passes/graph_index.h"
#include "passes/pass_list.h"

namespace layerscope {
namespace {

bool is_forwarding(const Graph& g, const GraphIndex& idx, const Node& n) {
  if (!n.domain.empty() || n.inputs.empty() || n.inputs[0] < 0) return false;
  if (n.op_type == "Identity") return true;
  if (n.op_type != "Dropout") return false;
  // training_mode (opset 12+, input 2) must be absent or a constant false.
  if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
    const auto& c = g.values[n.inputs[2]].constant;
    if (!c || c->numel() != 1 || *c->data_as<bool>()) return false;
  }
  // The mask output must be unused.
  if (n.outputs.size() > 1 && n.outputs[1] >= 0) {
    int mask = n.outputs[1];
    if (!idx.consumers(mask).empty() || idx.is_graph_output(mask)) return false;
  }
  return true;
}

}  // namespace

int remove_identity_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int removed = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!is_forwarding(g, idx, n) || !ctx.known(n.inputs[0])) continue;
    int in = n.inputs[0], out = n.outputs[0];
    if (!idx.is_graph_output(out)) {
      replace_uses(g, out, in);
    } else {
      // The output's name is part of the model's interface: the producer of `in` writes it
      // directly instead, when `in` has a producer and is not itself a graph output.
      int p = idx.producer(in);
      if (p < 0 || dead[p] || idx.is_graph_output(in)) continue;
      for (int& o : g.nodes[p].outputs)
        if (o == in) o = out;
      replace_uses(g, in, out);
      append_sources(g.nodes[p].source_names, n.source_names);
    }
    dead[i] = true;
    ++removed;
  }
  if (removed) erase_nodes(g, dead);
  return removed;
}

}  // namespace layerscope
