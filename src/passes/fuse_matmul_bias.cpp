// Linear layers as exporters write them, to one fused node (ops/fused/transformer.h) that the
// oneDNN matmul kernel runs with the bias and the activation applied while each output block
// is still in registers (bias + eltwise post-op), instead of two more passes over memory:
//   MatMul(A, W) -> Add(bias) [-> act]  => MatMulAdd[Act]  (W a constant [K, N], bias a
//                                            constant of N values broadcast over the last dim)
//   Gemm -> act                         => Gemm<Act>       (B constant, C absent or a constant
//                                            of 1 or N values: what the kernel can fold)
// act: any op with the activation trait (OpDef::activation; Gelu: ONNX's or the fused-domain one,
// fuse_gelu runs first) for which the fused op exists (Gemm<Act> does not when the activation's
// attribute names collide with Gemm's). The fused node keeps the MatMul's / Gemm's name;
// source_names lists every node.
#include "ops/fused/transformer.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using namespace pattern;

const Tensor* f32_constant(const Graph& g, int v) {
  if (v < 0 || !g.values[v].constant || g.values[v].constant->dtype() != DType::F32) return nullptr;
  return &*g.values[v].constant;
}

// The activation node alone reading `v`, if the fused op `base` + its type exists.
struct ActivationAfter {
  int node = -1;
  Activation act;
  const OpDef* fused = nullptr;  // the fused op it makes with `base`
};
std::optional<ActivationAfter> activation_after(const PassContext& ctx, const GraphIndex& idx,
                                                const std::vector<bool>& dead, int v, LinearBase base) {
  const int n = idx.sole_consumer(v);
  if (n < 0 || dead[n] || ctx.graph.nodes[n].inputs.empty() || ctx.graph.nodes[n].inputs[0] != v) return std::nullopt;
  std::optional<Activation> act = as_activation(ctx, ctx.graph.nodes[n]);
  if (!act) return std::nullopt;
  const OpDef* fused = ctx.registry.find_op(kFusedDomain, fused_linear_op_type(base, act->op_type), 1);
  if (!fused) return std::nullopt;
  return ActivationAfter{n, std::move(*act), fused};
}

// Turns node `keep` into the fused op, absorbing `absorbed` (in order) and writing `out`.
void rewrite(Graph& g, std::vector<bool>& dead, int keep, const std::vector<int>& absorbed, int out, LinearBase base,
             const std::optional<ActivationAfter>& act) {
  Node& n = g.nodes[keep];
  n.op_type = fused_linear_op_type(base, act ? act->act.op_type : "");
  n.domain = kFusedDomain;
  n.opset = 1;
  if (act) copy_activation_attrs(*act->fused, act->act, n.attrs);
  n.outputs = {out};
  for (int k : absorbed) {
    append_sources(n.source_names, g.nodes[k].source_names);
    dead[k] = true;
  }
}

bool fuse_matmul_add(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int mi) {
  Graph& g = ctx.graph;
  const Node& mm = g.nodes[mi];
  if (mm.inputs.size() != 2 || mm.outputs.size() != 1) return false;
  const int a = mm.inputs[0], y = mm.outputs[0];
  const Tensor* w = f32_constant(g, mm.inputs[1]);
  if (!w || w->rank() != 2 || !ctx.known(a) || ctx.info[a].dtype != DType::F32 || ctx.info[a].shape.size() < 2 ||
      !ctx.known(y))
    return false;
  const int64_t n_out = w->dim(1);
  const int add = sole_user(g, idx, dead, y, "Add");
  if (add < 0) return false;
  const int bias = other_input(g.nodes[add], y);
  const Tensor* b = f32_constant(g, bias);
  // The bias must vary along the last dim only and must not widen the output by broadcasting.
  if (!b || b->numel() != n_out || b->rank() > static_cast<int>(ctx.info[y].shape.size()) ||
      (b->rank() > 0 && b->dim(-1) != n_out))
    return false;
  auto act = activation_after(ctx, idx, dead, g.nodes[add].outputs[0], LinearBase::MatMulAdd);
  const int out = act ? g.nodes[act->node].outputs[0] : g.nodes[add].outputs[0];
  const int bias_1d = b->rank() == 1 ? bias : ctx.add_constant(g.nodes[mi].name + "/fused_bias", b->reshaped({n_out}));
  std::vector<int> absorbed = {add};
  if (act) absorbed.push_back(act->node);
  g.nodes[mi].inputs = {a, g.nodes[mi].inputs[1], bias_1d};
  rewrite(g, dead, mi, absorbed, out, LinearBase::MatMulAdd, act);
  return true;
}

bool fuse_gemm_activation(PassContext& ctx, const GraphIndex& idx, std::vector<bool>& dead, int gi) {
  Graph& g = ctx.graph;
  const Node& gemm = g.nodes[gi];
  if (gemm.opset < 7 || gemm.inputs.size() < 2 || gemm.outputs.size() != 1 || !ctx.known(gemm.outputs[0])) return false;
  if (!f32_constant(g, gemm.inputs[1]) || !ctx.known(gemm.inputs[0]) || ctx.info[gemm.inputs[0]].dtype != DType::F32)
    return false;
  if (gemm.inputs.size() > 2 && gemm.inputs[2] >= 0) {
    const Tensor* c = f32_constant(g, gemm.inputs[2]);
    const int64_t n_out = ctx.info[gemm.outputs[0]].shape[1];
    if (!c || (c->numel() != 1 && (c->numel() != n_out || c->dim(-1) != n_out))) return false;
  }
  auto act = activation_after(ctx, idx, dead, gemm.outputs[0], LinearBase::Gemm);
  if (!act) return false;
  rewrite(g, dead, gi, {act->node}, g.nodes[act->node].outputs[0], LinearBase::Gemm, act);
  return true;
}

}  // namespace

int fuse_matmul_bias_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead[i]) continue;
    if (is_op(g.nodes[i], "MatMul")) fused += fuse_matmul_add(ctx, idx, dead, static_cast<int>(i));
    else if (is_op(g.nodes[i], "Gemm")) fused += fuse_gemm_activation(ctx, idx, dead, static_cast<int>(i));
  }
  if (fused) erase_nodes(g, dead);
  return fused;
}

}  // namespace layerscope
