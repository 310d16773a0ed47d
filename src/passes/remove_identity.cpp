// Identity, and Dropout at inference, forward their input unchanged: their consumers read
// the input directly and the node disappears. Its name joins the source_names of the node
// that produces the input (or, for a graph input, of every node reading the output), so the
// profile still accounts for it.
// Dropout is an identity at inference in every opset form:
//   1-6   attribute is_test = 1 (infer refuses 0, training);   7-11  always;
//   12+   inputs ratio and training_mode: training_mode absent or a constant false, or a
//         constant true with a constant ratio 0 (no element dropped, scale 1/(1-0) = 1: torch
//         exports of p = 0 dropout, e.g. torchvision's Swin, look like this).
// Its optional mask output says every element was kept: when something reads it, it becomes a
// constant all-true tensor (bool from opset 10, ones of the input's type before). A mask that
// is a graph output keeps the node (a constant graph output would lose its producer's row).
#include "ops/tensor/common.h"
#include "passes/graph_index.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using pattern::constant_input;

// Dropout computes y = x at inference (see the file comment).
bool dropout_is_identity(const Graph& g, const Node& n) {
  if (n.opset < 7 && n.attrs.get_int("is_test", 0) == 0) return false;
  if (n.opset < 12 || n.inputs.size() <= 2 || n.inputs[2] < 0) return true;
  const Tensor* training = constant_input(g, n, 2);
  if (!training || training->dtype() != DType::Bool || training->numel() != 1) return false;
  if (!*training->data_as<uint8_t>()) return true;
  const Tensor* ratio = constant_input(g, n, 1);
  return ratio && ratio->numel() == 1 && element_as_double(*ratio, 0) == 0.0;
}

bool is_forwarding(const Graph& g, const GraphIndex& idx, const Node& n) {
  if (!n.domain.empty() || n.inputs.empty() || n.inputs[0] < 0) return false;
  if (n.op_type == "Identity") return true;
  if (n.op_type != "Dropout" || !dropout_is_identity(g, n)) return false;
  const int mask = n.outputs.size() > 1 ? n.outputs[1] : -1;
  return mask < 0 || !idx.is_graph_output(mask);
}

// Readers of a Dropout's mask read a constant "all kept" tensor instead. False when the mask's
// type is not known at plan time.
bool replace_mask(PassContext& ctx, const GraphIndex& idx, const Node& n) {
  const int mask = n.outputs.size() > 1 ? n.outputs[1] : -1;
  if (mask < 0 || idx.consumers(mask).empty()) return true;
  if (!ctx.known(mask)) return false;
  const TensorInfo info = ctx.info[mask];
  Tensor kept(info.dtype, info.shape);
  for (int64_t i = 0; i < kept.numel(); ++i) store_double(info.dtype, kept.data(), i, 1.0);
  const int c = ctx.add_constant(ctx.graph.values[mask].name + "/all_kept", std::move(kept));
  replace_uses(ctx.graph, mask, c);
  return true;
}

}  // namespace

int remove_identity_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int removed = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!is_forwarding(g, idx, g.nodes[i]) || !ctx.known(g.nodes[i].inputs[0])) continue;
    const int in = g.nodes[i].inputs[0], out = g.nodes[i].outputs[0];
    const int p = idx.producer(in);
    if (!idx.is_graph_output(out)) {
      if (!replace_mask(ctx, idx, g.nodes[i])) continue;
      replace_uses(g, out, in);
      if (p >= 0 && !dead[p]) {
        append_sources(g.nodes[p].source_names, g.nodes[i].source_names);
      } else {
        for (int c : idx.consumers(out)) append_sources(g.nodes[c].source_names, g.nodes[i].source_names);
      }
    } else {
      // The output's name is part of the model's interface: the producer of `in` writes it
      // directly instead, when `in` has a producer and is not itself a graph output.
      if (p < 0 || dead[p] || idx.is_graph_output(in) || !replace_mask(ctx, idx, g.nodes[i])) continue;
      for (int& o : g.nodes[p].outputs)
        if (o == in) o = out;
      replace_uses(g, in, out);
      append_sources(g.nodes[p].source_names, g.nodes[i].source_names);
    }
    dead[i] = true;
    ++removed;
  }
  if (removed) erase_nodes(g, dead);
  return removed;
}

}  // namespace layerscope
