#include "passes/pass.h"

#include "passes/pass_list.h"

namespace layerscope {

int PassContext::add_value(const std::string& name, const TensorInfo& t) {
  int id = graph.add_value(name);
  graph.values[id].dtype = t.dtype;
  info.push_back(t);
  return id;
}

int PassContext::add_constant(const std::string& name, Tensor t) {
  TensorInfo ti{t.dtype(), t.shape()};
  int id = add_value(name, ti);
  graph.values[id].constant = std::move(t);
  return id;
}

const std::vector<GraphPass>& default_passes() {
  // Order matters: removals first (they expose patterns), then folds that change weights,
  // then fusions from the most specific pattern to the most general.
  static const std::vector<GraphPass> passes = {
      {"remove_identity", remove_identity_pass},
      // Quantized models: QDQ float ops become integer ops while the Q/DQ nodes are all there.
      {"fuse_qdq", fuse_qdq_pass},
      // QOperator nodes no int8 kernel takes (all of them on CPUs without an int8 dot product)
      // back to float ops between the conversions; without one, QDQ weights to float constants
      // too (before the float folds, fusions and layouts, which then see constant weights).
      {"expand_qoperator", expand_qoperator_pass},
      {"fold_weight_dequantize", fold_weight_dequantize_pass},
      // The conversions those leave twice over the same tensor, once.
      {"merge_duplicate_conversions", merge_duplicate_conversions_pass},
      {"uint8_activations", uint8_activations_pass},
      {"fold_batchnorm_into_conv", fold_batchnorm_into_conv_pass},
      {"simplify_transpose_reshape", simplify_transpose_reshape_pass},
      // Transformer patterns: Gelu first (the linear and conv fusions absorb it), attention
      // before the linear layers (its MatMuls have no constant weights, but keep them apart).
      {"fuse_gelu", fuse_gelu_pass},
      {"fuse_layernorm", fuse_layernorm_pass},
      {"fuse_attention", fuse_attention_pass},
      {"fuse_matmul_bias", fuse_matmul_bias_pass},
      // After the BN fold (Conv+BN+Relu exports) and after any pass that creates a Gelu.
      {"fuse_conv_activation", fuse_conv_activation_pass},
      // Last: layouts are chosen for the final nodes; nothing may rewrite the graph after it.
      {"assign_layouts", assign_layouts_pass},
  };
  return passes;
}

std::vector<std::pair<std::string, int>> run_passes(PassContext& ctx, const std::vector<GraphPass>& passes) {
  std::vector<std::pair<std::string, int>> applied;
  for (const GraphPass& p : passes) {
    int n = p.run(ctx);
    if (n > 0) applied.emplace_back(p.name, n);
  }
  return applied;
}

}  // namespace layerscope
