// Index-driven writes: output = copy of data, then each update is stored (or combined with the
// 'reduction': add / mul from opset 16, max / min from 18) at the position its index names.
//   Scatter-9/10 (deprecated) == ScatterElements without reduction.
#include <algorithm>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

enum class Reduction { None, Add, Mul, Max, Min };

Reduction parse_reduction(const Node& n) {
  std::string r = n.attrs.get_string("reduction", "none");
  const bool has_add = n.op_type != "Scatter" && n.opset >= 16, has_max = n.op_type != "Scatter" && n.opset >= 18;
  if (r == "none") return Reduction::None;
  if (r == "add" && has_add) return Reduction::Add;
  if (r == "mul" && has_add) return Reduction::Mul;
  if (r == "max" && has_max) return Reduction::Max;
  if (r == "min" && has_max) return Reduction::Min;
  std::string allowed = has_max ? "none, add, mul, max, min" : has_add ? "none, add, mul" : "none";
  fail(Graph::describe(n), ": attribute 'reduction' = '", r, "' is not supported at this opset; expected one of ",
       allowed);
}

// Calls store(dst_index, src_index) for each update; `apply` combines per the reduction.
template <typename Visit>
void scatter_apply(const Node& n, const Tensor& data, const Tensor& updates, Tensor& out, Visit&& visit) {
  if (data.nbytes()) std::memcpy(out.data(), data.data(), data.nbytes());
  Reduction red = parse_reduction(n);
  if (red == Reduction::None) {
    dispatch_by_size(data.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* y = out.data_as<T>();
      const T* u = updates.data_as<T>();
      visit([&](int64_t dst, int64_t src) { y[dst] = u[src]; });
    });
    return;
  }
  dispatch_arith(data.dtype(), [&](auto e) {
    using E = decltype(e);
    using S = typename E::S;
    using C = typename E::C;
    S* y = out.data_as<S>();
    const S* u = updates.data_as<S>();
    visit([&](int64_t dst, int64_t src) {
      C a = E::load(y[dst]), b = E::load(u[src]);
      C r = red == Reduction::Add   ? static_cast<C>(a + b)
            : red == Reduction::Mul ? static_cast<C>(a * b)
            : red == Reduction::Max ? std::max(a, b)
                                    : std::min(a, b);
      y[dst] = E::store(r);
    });
  });
}

void check_reduction_dtype(const InferContext& c) {
  if (parse_reduction(c.node()) != Reduction::None && !is_arith(c.dtype(0)))
    c.error("reduction '", c.attrs().get_string("reduction", ""), "' needs a numeric type, not ",
            dtype_name(c.dtype(0)));
}

int64_t wrap_index(const Node& n, int64_t i, int64_t dim) {
  int64_t k = i < 0 ? i + dim : i;
  if (k < 0 || k >= dim) fail(Graph::describe(n), ": index ", i, " is out of range for a dimension of size ", dim);
  return k;
}

OpDef scatter_elements_def(const char* name, int since, int until) {
  OpDef d = op_def(name, since, until);
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  if (since >= 11) d.attributes.push_back({"reduction", AttrType::STRING, 16});
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    expect_movable(c, 0);
    expect_index_dtype(c, 1);
    if (c.dtype(2) != c.dtype(0))
      c.error("updates have type ", dtype_name(c.dtype(2)), ", data ", dtype_name(c.dtype(0)));
    if (c.rank(0) == 0 || c.rank(1) != c.rank(0) || c.shape(2) != c.shape(1))
      c.error("data, indices and updates must share a rank >= 1 and indices/updates one shape; got ",
              shape_to_string(c.shape(0)), ", ", shape_to_string(c.shape(1)), ", ", shape_to_string(c.shape(2)));
    normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0));
    check_reduction_dtype(c);
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  // out[idx with idx[axis] = indices[idx]] (op)= updates[idx]
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& ind = *in[1];
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += x.rank();
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    std::vector<int64_t> idx(x.rank());
    scatter_apply(n, x, *in[2], *out[0], [&](auto&& store) {
      for (int64_t k = 0; k < ind.numel(); ++k) {
        unravel(k, ind.shape(), idx.data());
        idx[axis] = wrap_index(n, element_as_int(ind, k), x.dim(static_cast<int>(axis)));
        int64_t off = 0;
        for (int i = 0; i < x.rank(); ++i) {
          if (idx[i] >= x.dim(i)) fail(Graph::describe(n), ": indices shape exceeds data shape on axis ", i);
          off += idx[i] * strides[i];
        }
        store(off, k);
      }
    });
  };
  return d;
}

// ScatterND: indices (..., m) name slices data[i_1..i_m, :]; updates has shape
// indices.shape[:-1] + data.shape[m:].
OpDef scatter_nd_def() {
  OpDef d = op_def("ScatterND", 11);
  d.data_movement = true;
  d.attributes = {{"reduction", AttrType::STRING, 16}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::I64});
    if (c.dtype(2) != c.dtype(0))
      c.error("updates have type ", dtype_name(c.dtype(2)), ", data ", dtype_name(c.dtype(0)));
    const Shape& ds = c.shape(0);
    const Shape& is = c.shape(1);
    if (ds.empty() || is.empty()) c.error("data and indices must have rank >= 1");
    const int64_t m = is.back();
    if (m < 1 || m > static_cast<int64_t>(ds.size()))
      c.error("last indices dimension (", m, ") must be in [1, ", ds.size(), "]");
    Shape want(is.begin(), is.end() - 1);
    want.insert(want.end(), ds.begin() + m, ds.end());
    if (c.shape(2) != want)
      c.error("updates have shape ", shape_to_string(c.shape(2)), "; expected ", shape_to_string(want));
    check_reduction_dtype(c);
    c.set_output(0, c.dtype(0), ds);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& ind = *in[1];
    const int64_t m = ind.dim(-1);
    int64_t slice = 1;
    for (int i = static_cast<int>(m); i < x.rank(); ++i) slice *= x.dim(i);
    const int64_t tuples = ind.numel() / m;
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    scatter_apply(n, x, *in[2], *out[0], [&](auto&& store) {
      for (int64_t t = 0; t < tuples; ++t) {
        int64_t off = 0;
        for (int64_t k = 0; k < m; ++k)
          off += wrap_index(n, ind.data_as<int64_t>()[t * m + k], x.dim(static_cast<int>(k))) * strides[k];
        for (int64_t e = 0; e < slice; ++e) store(off + e, t * slice + e);
      }
    });
  };
  return d;
}

}  // namespace

void register_scatter_ops(OpRegistry& r) {
  r.add_op(scatter_elements_def("Scatter", 9, 10));
  // The reduction attribute (16: add/mul, 18: max/min) is validated against the node's opset.
  r.add_op(scatter_elements_def("ScatterElements", 11, INT_MAX));
  r.add_op(scatter_nd_def());
}

}  // namespace layerscope
