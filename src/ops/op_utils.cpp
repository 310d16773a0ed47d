#include "ops/op_utils.h"

#include <algorithm>

namespace layerscope {

bool try_broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  size_t rank = std::max(a.size(), b.size());
  Shape r(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) r[i] = da;
    else if (da == 1) r[i] = db;
    else return false;
  }
  *out = std::move(r);
  return true;
}

Shape broadcast_shapes(const InferContext& ctx, const Shape& a, const Shape& b) {
  Shape r;
  if (!try_broadcast_shapes(a, b, &r))
    ctx.error("shapes ", shape_to_string(a), " and ", shape_to_string(b), " cannot be broadcast together");
  return r;
}

int normalize_axis(const InferContext& ctx, int64_t axis, int rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max(rank, 1)) ctx.error("axis ", axis, " is out of range for rank ", rank);
  return static_cast<int>(a);
}

void outer_inner(const Shape& shape, int axis, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d)
    if (d < axis) *outer *= shape[d];
    else if (d > axis) *inner *= shape[d];
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  std::vector<int64_t> cs = contiguous_strides(in);
  size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) s[off + i] = in[i] == 1 ? 0 : cs[i];
  return s;
}

}  // namespace layerscope
