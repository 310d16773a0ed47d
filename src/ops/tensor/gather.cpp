// Index-driven reads: Gather, GatherElements, GatherND. Indices may be negative (counted from
// the end of their axis); out-of-range indices are run-time errors.
#include <algorithm>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

int64_t checked_index(const Node& n, int64_t i, int64_t dim) {
  int64_t k = i < 0 ? i + dim : i;
  if (k < 0 || k >= dim) fail(Graph::describe(n), ": index ", i, " is out of range for a dimension of size ", dim);
  return k;
}

int norm_axis(const Node& n, int rank) {
  int64_t a = n.attrs.get_int("axis", 0);
  return static_cast<int>(a < 0 ? a + rank : a);
}

// Gather: out[o, j..., i] = data[o, indices[j...], i] with o before the axis and i after it.
OpDef gather_def() {
  OpDef d = op_def("Gather", 1);
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    expect_index_dtype(c, 1);
    if (c.rank(0) == 0) c.error("data must have rank >= 1");
    int axis = normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0));
    const Shape& s = c.shape(0);
    Shape out(s.begin(), s.begin() + axis);
    out.insert(out.end(), c.shape(1).begin(), c.shape(1).end());
    out.insert(out.end(), s.begin() + axis + 1, s.end());
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& ind = *in[1];
    const int axis = norm_axis(n, x.rank());
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < x.rank(); ++i)
      if (i < axis) outer *= x.dim(i);
      else if (i > axis) inner *= x.dim(i);
    const int64_t dim = x.dim(axis), count = ind.numel();
    const size_t run = inner * dtype_size(x.dtype());
    const char* src = static_cast<const char*>(x.data());
    char* dst = static_cast<char*>(out[0]->data());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < count; ++j) {
        int64_t k = checked_index(n, element_as_int(ind, j), dim);
        std::memcpy(dst + (o * count + j) * run, src + (o * dim + k) * run, run);
      }
  };
  d.cost = gather_like_cost;
  return d;
}

// GatherElements: out[p] = data[p with p[axis] replaced by indices[p]].
OpDef gather_elements_def() {
  OpDef d = op_def("GatherElements", 11);
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    expect_index_dtype(c, 1);
    if (c.rank(0) == 0 || c.rank(1) != c.rank(0))
      c.error("data and indices must have the same rank >= 1, got ", shape_to_string(c.shape(0)), " and ",
              shape_to_string(c.shape(1)));
    normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0));
    c.set_output(0, c.dtype(0), c.shape(1));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& ind = *in[1];
    const int axis = norm_axis(n, x.rank());
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    std::vector<int64_t> idx(x.rank());
    dispatch_by_size(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t k = 0; k < ind.numel(); ++k) {
        unravel(k, ind.shape(), idx.data());
        idx[axis] = checked_index(n, element_as_int(ind, k), x.dim(axis));
        int64_t off = 0;
        for (int i = 0; i < x.rank(); ++i) {
          if (idx[i] >= x.dim(i)) fail(Graph::describe(n), ": indices shape exceeds data shape on axis ", i);
          off += idx[i] * strides[i];
        }
        out[0]->data_as<T>()[k] = x.data_as<T>()[off];
      }
    });
  };
  d.cost = gather_like_cost;
  return d;
}

// GatherND with b batch dims: indices (..., m) address data[batch, i_1..i_m, :] slices.
OpDef gather_nd_def() {
  OpDef d = op_def("GatherND", 11);
  d.data_movement = true;
  d.attributes = {{"batch_dims", AttrType::INT, 12}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::I64});
    const Shape& ds = c.shape(0);
    const Shape& is = c.shape(1);
    const int64_t b = c.attrs().get_int("batch_dims", 0);
    const int64_t r = c.rank(0), q = c.rank(1);
    if (r < 1 || q < 1) c.error("data and indices must have rank >= 1");
    if (b < 0 || b >= std::min(r, q)) c.error("batch_dims = ", b, " must be in [0, min(rank(data), rank(indices)))");
    for (int64_t i = 0; i < b; ++i)
      if (ds[i] != is[i])
        c.error("batch dimension ", i, " differs: data ", shape_to_string(ds), ", indices ", shape_to_string(is));
    const int64_t m = is.back();
    if (m < 1 || m > r - b) c.error("last indices dimension (", m, ") must be in [1, ", r - b, "]");
    Shape out(is.begin(), is.end() - 1);
    out.insert(out.end(), ds.begin() + b + m, ds.end());
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& ind = *in[1];
    const int64_t b = n.attrs.get_int("batch_dims", 0), m = ind.dim(-1);
    int64_t batches = 1, tuples = 1, slice = 1;
    for (int64_t i = 0; i < b; ++i) batches *= x.dim(i);
    for (int64_t i = b; i < ind.rank() - 1; ++i) tuples *= ind.dim(i);
    for (int64_t i = b + m; i < x.rank(); ++i) slice *= x.dim(i);
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    const int64_t batch_stride = b > 0 ? strides[b - 1] : x.numel();
    const size_t es = dtype_size(x.dtype());
    const int64_t* iv = ind.data_as<int64_t>();
    for (int64_t bi = 0; bi < batches; ++bi)
      for (int64_t t = 0; t < tuples; ++t) {
        const int64_t* tuple = iv + (bi * tuples + t) * m;
        int64_t off = bi * batch_stride;
        for (int64_t k = 0; k < m; ++k) off += checked_index(n, tuple[k], x.dim(b + k)) * strides[b + k];
        std::memcpy(static_cast<char*>(out[0]->data()) + (bi * tuples + t) * slice * es,
                    static_cast<const char*>(x.data()) + off * es, slice * es);
      }
  };
  d.cost = gather_like_cost;
  return d;
}

}  // namespace

void register_gather_ops(OpRegistry& r) {
  r.add_op(gather_def());
  r.add_op(gather_elements_def());
  r.add_op(gather_nd_def());  // batch_dims (opset 12) defaults to 0, so 11 is the same op
}

}  // namespace layerscope
