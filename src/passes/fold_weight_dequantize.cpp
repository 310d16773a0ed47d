// On a CPU without an int8 dot product, the DequantizeLinear of a constant (a QDQ file's int8
// weights and int32 biases) becomes its float value now, before the float fusions and the layout
// pass. The planner keeps those nodes until after the passes (OpDef::fold_after_passes) only so
// that fuse_qdq sees the int8 weights, and fuse_qdq does nothing on such a CPU. Folded after the
// passes, the Conv's weights were still computed when the layout pass asked the kernels, and
// MobileNetV2's QDQ convolutions ran on oneDNN's plain-layout gemm kernel (onednn:x64:gemm:jit)
// instead of the brgconv / brdgmm kernels it picks for constant weights.
// The weights are the same numbers: DequantizeLinear's reference computes (q - zero) * scale too.
#include "kernels/cpu_features.h"
#include "passes/dequantize_constant.h"
#include "passes/graph_index.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {
namespace {

using pattern::constant_input;

// A DequantizeLinear whose data, scale and zero point are constants of the types
// dequantize_constant takes, per tensor or per axis (not blocked), with a float32 output.
bool foldable(const PassContext& ctx, const Node& n) {
  if (!n.domain.empty() || n.op_type != "DequantizeLinear" || n.outputs.size() != 1 || n.outputs[0] < 0) return false;
  if (n.attrs.get_int("block_size", 0) != 0 || !ctx.known(n.outputs[0]) || ctx.info[n.outputs[0]].dtype != DType::F32)
    return false;
  const Tensor* q = constant_input(ctx.graph, n, 0);
  const Tensor* scale = constant_input(ctx.graph, n, 1);
  const bool has_zero = n.inputs.size() > 2 && n.inputs[2] >= 0;
  const Tensor* zero = constant_input(ctx.graph, n, 2);
  if (!q || !scale || (has_zero && !zero) || scale->dtype() != DType::F32) return false;
  if (q->dtype() != DType::I8 && q->dtype() != DType::U8 && q->dtype() != DType::I32) return false;
  if (zero && zero->numel() != scale->numel()) return false;
  if (scale->numel() == 1) return true;
  const int64_t axis = n.attrs.get_int("axis", 1);
  const int64_t a = axis < 0 ? axis + q->rank() : axis;
  return scale->rank() == 1 && a >= 0 && a < q->rank() && q->dim(static_cast<int>(a)) == scale->numel();
}

}  // namespace

int fold_weight_dequantize_pass(PassContext& ctx) {
  if (cpu_has_int8_dot_product()) return 0;  // fuse_qdq reads these nodes there
  Graph& g = ctx.graph;
  const GraphIndex idx(g);
  std::vector<bool> dead(g.nodes.size(), false);
  int folded = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!foldable(ctx, n) || idx.is_graph_output(n.outputs[0])) continue;
    const Tensor& q = *constant_input(g, n, 0);
    const Tensor& scale = *constant_input(g, n, 1);
    const int64_t axis = n.attrs.get_int("axis", 1);
    const int a = scale.numel() == 1 ? -1 : static_cast<int>(axis < 0 ? axis + q.rank() : axis);
    g.values[n.outputs[0]].constant = dequantize_constant(q, scale, constant_input(g, n, 2), a);
    dead[i] = true;
    ++folded;
  }
  if (folded) erase_nodes(g, dead);
  return folded;
}

}  // namespace layerscope
