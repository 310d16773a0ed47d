// Conv -> BatchNormalization (inference form, constant parameters) becomes one Conv:
//   y = gamma * (conv(x, W) + b - mean) / sqrt(var + eps) + beta
//     = conv(x, W * s) + (b - mean) * s + beta,   s = gamma / sqrt(var + eps), per output channel.
// The Conv keeps its name and gains the BatchNormalization's in source_names.
#include <cmath>

#include "passes/graph_index.h"
#include "passes/pass_list.h"

namespace layerscope {
namespace {

const Tensor* f32_constant(const Graph& g, int v, int64_t numel) {
  if (v < 0 || !g.values[v].constant) return nullptr;
  const Tensor& t = *g.values[v].constant;
  return t.dtype() == DType::F32 && t.numel() == numel ? &t : nullptr;
}

}  // namespace

int fold_batchnorm_into_conv_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int folded = 0;
  for (size_t bi = 0; bi < g.nodes.size(); ++bi) {
    const Node& bn = g.nodes[bi];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() < 5) continue;
    if (bn.outputs.size() > 1) {  // training outputs (running mean/var) must be unused
      bool used = false;
      for (size_t k = 1; k < bn.outputs.size(); ++k) used |= bn.outputs[k] >= 0;
      if (used) continue;
    }
    if (bn.attrs.get_int("training_mode", 0) != 0) continue;
    int x = bn.inputs[0];
    int ci = idx.producer(x);
    if (ci < 0 || dead[ci] || !idx.only_feeds(x, static_cast<int>(bi))) continue;
    Node& conv = g.nodes[ci];
    if (conv.op_type != "Conv" || !conv.domain.empty() || !ctx.known(x)) continue;
    const auto& wc = g.values[conv.inputs[1]].constant;
    if (!wc || wc->dtype() != DType::F32 || wc->rank() < 3) continue;
    const int64_t oc = wc->dim(0);
    const Tensor* gamma = f32_constant(g, bn.inputs[1], oc);
    const Tensor* beta = f32_constant(g, bn.inputs[2], oc);
    const Tensor* mean = f32_constant(g, bn.inputs[3], oc);
    const Tensor* var = f32_constant(g, bn.inputs[4], oc);
    const Tensor* bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0 ? f32_constant(g, conv.inputs[2], oc) : nullptr;
    bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
    if (!gamma || !beta || !mean || !var || (has_bias && !bias)) continue;

    const float eps = bn.attrs.get_float("epsilon", 1e-5f);
    Tensor w(DType::F32, wc->shape()), b(DType::F32, {oc});
    const int64_t per_oc = wc->numel() / oc;
    for (int64_t o = 0; o < oc; ++o) {
      const float s = gamma->data_as<float>()[o] / std::sqrt(var->data_as<float>()[o] + eps);
      for (int64_t k = 0; k < per_oc; ++k)
        w.data_as<float>()[o * per_oc + k] = wc->data_as<float>()[o * per_oc + k] * s;
      const float b0 = bias ? bias->data_as<float>()[o] : 0.f;
      b.data_as<float>()[o] = (b0 - mean->data_as<float>()[o]) * s + beta->data_as<float>()[o];
    }
    const std::string base = conv.name;
    int wv = ctx.add_constant(base + "/folded_bn_weight", std::move(w));
    int bv = ctx.add_constant(base + "/folded_bn_bias", std::move(b));
    Node& c = g.nodes[ci];  // add_constant may not touch nodes, but re-take the reference anyway
    c.inputs.resize(3);
    c.inputs[1] = wv;
    c.inputs[2] = bv;
    c.outputs[0] = bn.outputs[0];
    append_sources(c.source_names, bn.source_names);
    dead[bi] = true;
    ++folded;
  }
  if (folded) erase_nodes(g, dead);
  return folded;
}

}  // namespace layerscope
