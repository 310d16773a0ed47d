#include "kernels/native/attention_geometry.h"

#include "ops/fused/attention_operands.h"
#include "ops/fused/transformer.h"
#include "ops/op_utils.h"

namespace layerscope::attention_geometry {
namespace {

// The [.., rows, cols] view's batch items (its leading dims, row-major) as offsets.
MatrixView matrix_of(const StridedView& v) {
  const int r = static_cast<int>(v.shape.size());
  MatrixView m;
  m.row = v.strides[r - 2];
  m.col = v.strides[r - 1];
  int64_t items = 1;
  for (int d = 0; d + 2 < r; ++d) items *= v.shape[d];
  m.offsets.assign(items, v.offset);
  for (int64_t b = 0; b < items; ++b) {
    int64_t rem = b;
    for (int d = r - 3; d >= 0; --d) {
      m.offsets[b] += (rem % v.shape[d]) * v.strides[d];
      rem /= v.shape[d];
    }
  }
  return m;
}

}  // namespace

Geometry of(const KernelSetup& s) {
  const StridedView q = attention_operand(s.node, kAttnQ, s.inputs[kAttnQ].shape);
  const StridedView k = attention_operand(s.node, kAttnK, s.inputs[kAttnK].shape);
  const StridedView v = attention_operand(s.node, kAttnV, s.inputs[kAttnV].shape);
  const int r = static_cast<int>(q.shape.size());
  const bool k_transposed = s.node.attrs.get_int("k_transposed", 0) != 0;
  Geometry g;
  g.Lq = q.shape[r - 2];
  g.D = q.shape[r - 1];
  g.Lk = k_transposed ? k.shape[r - 1] : k.shape[r - 2];
  g.Dv = v.shape[r - 1];
  g.q = matrix_of(q);
  g.kt = matrix_of(k);
  if (!k_transposed) std::swap(g.kt.row, g.kt.col);  // K [Lk, D] read as K^T [D, Lk]
  g.v = matrix_of(v);
  Shape result(q.shape.begin(), q.shape.end() - 1);
  result.push_back(g.Dv);
  g.o = matrix_of(attention_result_view(s.node, result));
  g.scores.assign(q.shape.begin(), q.shape.end() - 1);
  g.scores.push_back(g.Lk);
  g.batch = static_cast<int64_t>(g.q.offsets.size());
  return g;
}

MatrixView mask_of(const Geometry& g, const Shape& mask) {
  const std::vector<int64_t> st = broadcast_strides(mask, g.scores);
  const int r = static_cast<int>(g.scores.size());
  MatrixView m;
  m.row = st[r - 2];
  m.col = st[r - 1];
  m.offsets.assign(g.batch, 0);
  for (int64_t b = 0; b < g.batch; ++b) {
    int64_t rem = b;
    for (int d = r - 3; d >= 0; --d) {
      m.offsets[b] += (rem % g.scores[d]) * st[d];
      rem /= g.scores[d];
    }
  }
  return m;
}

}  // namespace layerscope::attention_geometry
