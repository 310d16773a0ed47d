// Ops that scan along one axis: ArgMax, ArgMin, TopK, CumSum. Each line along the axis is
// addressed as (outer o, inner i): element j sits at (o * dim + j) * inner + i.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

void split_axis(const Shape& s, int axis, int64_t* outer, int64_t* dim, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  *dim = s.empty() ? 1 : s[axis];
  for (int d = 0; d < static_cast<int>(s.size()); ++d)
    if (d < axis) *outer *= s[d];
    else if (d > axis) *inner *= s[d];
}

// Strict order with NaN above every number, so sorting stays well defined.
template <typename C>
bool less_nan_last(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

void expect_arith(const InferContext& c, int i) {
  if (!is_arith(c.dtype(i))) c.error("input ", i, " has type ", dtype_name(c.dtype(i)), "; expected a numeric type");
}

int axis_attr(const Node& n, int rank, int64_t dflt) {
  int64_t a = n.attrs.get_int("axis", dflt);
  return static_cast<int>(a < 0 ? a + rank : a);
}

// ArgMax / ArgMin: first (or, with select_last_index, last) position of the extreme value.
OpDef arg_def(const char* name, bool is_max) {
  OpDef d = op_def(name, 1);
  d.attributes = {{"axis", AttrType::INT}, {"keepdims", AttrType::INT}, {"select_last_index", AttrType::INT, 12}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_arith(c, 0);
    if (c.rank(0) == 0) c.error("input must have rank >= 1");
    int axis = normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0));
    if (c.shape(0)[axis] == 0) c.error("cannot take the arg of an empty axis ", axis);
    Shape out = c.shape(0);
    if (c.attrs().get_int("keepdims", 1)) out[axis] = 1;
    else out.erase(out.begin() + axis);
    c.set_output(0, DType::I64, out);
  };
  d.reference = [is_max](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    int64_t outer, dim, inner;
    split_axis(x.shape(), axis_attr(n, x.rank(), 0), &outer, &dim, &inner);
    const bool last = n.attrs.get_int("select_last_index", 0) != 0;
    dispatch_arith(x.dtype(), [&](auto e) {
      using E = decltype(e);
      const typename E::S* xp = x.data_as<typename E::S>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t best = 0;
          auto bv = E::load(xp[o * dim * inner + i]);
          for (int64_t j = 1; j < dim; ++j) {
            auto v = E::load(xp[(o * dim + j) * inner + i]);
            bool better = is_max ? v > bv : v < bv;
            if (better || (last && v == bv)) {
              best = j;
              bv = v;
            }
          }
          out[0]->data_as<int64_t>()[o * inner + i] = best;
        }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = static_cast<double>(shape_numel(c.inputs[0].shape));
    return cost;
  };
  return d;
}

// TopK-1: k attribute; 10: k input; 11+: + largest, sorted. Ties keep the lower index first.
// With sorted = 0 any order is allowed; we return the sorted order.
OpDef topk_def(int since, int until) {
  OpDef d = op_def("TopK", since, until);
  if (since >= 10) d.value_inputs = {1};  // K
  d.attributes = {{"axis", AttrType::INT}};
  if (since < 10) d.attributes.push_back({"k", AttrType::INT});
  if (since >= 11) d.attributes.insert(d.attributes.end(), {{"largest", AttrType::INT}, {"sorted", AttrType::INT}});
  d.infer = [since](InferContext& c) {
    c.expect_inputs(since >= 10 ? 2 : 1, since >= 10 ? 2 : 1);
    expect_arith(c, 0);
    if (c.rank(0) == 0) c.error("input must have rank >= 1");
    int axis = normalize_axis(c, c.attrs().get_int("axis", -1), c.rank(0));
    int64_t k;
    if (since < 10) {
      if (!c.attrs().has("k")) c.error("attribute 'k' is required");
      k = c.attrs().get_int("k", 0);
    } else {
      c.expect_dtype_in(1, {DType::I64});
      if (shape_numel(c.shape(1)) != 1)
        c.error("'K' must hold a single value, got shape ", shape_to_string(c.shape(1)));
      k = c.int_values(1)[0];
    }
    if (k < 0 || k > c.shape(0)[axis])
      c.error("k = ", k, " is out of range for axis ", axis, " of size ", c.shape(0)[axis]);
    Shape out = c.shape(0);
    out[axis] = k;
    c.set_output(0, c.dtype(0), out);
    c.set_output(1, DType::I64, out);
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    if (!out[0] && (out.size() < 2 || !out[1])) return;
    const Tensor& y0 = out[0] ? *out[0] : *out[1];
    int64_t outer, dim, inner;
    const int axis = axis_attr(n, x.rank(), -1);
    split_axis(x.shape(), axis, &outer, &dim, &inner);
    const int64_t k = y0.dim(axis);
    const bool largest = since < 11 || n.attrs.get_int("largest", 1) != 0;
    std::vector<int64_t> order(dim);
    dispatch_arith(x.dtype(), [&](auto e) {
      using E = decltype(e);
      using S = typename E::S;
      const S* xp = x.data_as<S>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          auto at = [&](int64_t j) { return E::load(xp[(o * dim + j) * inner + i]); };
          std::iota(order.begin(), order.end(), 0);
          std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
            auto va = at(a), vb = at(b);
            bool before = largest ? less_nan_last(vb, va) : less_nan_last(va, vb);
            return before || (!less_nan_last(va, vb) && !less_nan_last(vb, va) && a < b);
          });
          for (int64_t j = 0; j < k; ++j) {
            const int64_t dst = (o * k + j) * inner + i;
            if (out[0]) out[0]->data_as<S>()[dst] = xp[(o * dim + order[j]) * inner + i];
            if (out.size() > 1 && out[1]) out[1]->data_as<int64_t>()[dst] = order[j];
          }
        }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    const double n = static_cast<double>(shape_numel(c.inputs[0].shape));
    cost.other_ops = n * std::log2(std::max(2.0, static_cast<double>(shape_numel(c.outputs[0].shape))));
    return cost;
  };
  return d;
}

// CumSum: y[j] = sum of x[j'] for j' <= j (exclusive: j' < j; reverse: j' >= j / j' > j).
OpDef cumsum_def() {
  OpDef d = op_def("CumSum", 11);
  d.attributes = {{"exclusive", AttrType::INT}, {"reverse", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_arith(c, 0);
    expect_index_dtype(c, 1);
    if (shape_numel(c.shape(1)) != 1 || c.rank(1) > 1) c.error("'axis' must be a scalar");
    if (c.rank(0) == 0) c.error("input must have rank >= 1");
    if (const Tensor* axis = c.value_if_known(1)) normalize_axis(c, element_as_int(*axis, 0), c.rank(0));
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    int64_t a = element_as_int(*in[1], 0);
    if (a < -x.rank() || a >= x.rank()) fail(Graph::describe(n), ": axis ", a, " is out of range for rank ", x.rank());
    int64_t outer, dim, inner;
    split_axis(x.shape(), static_cast<int>(a < 0 ? a + x.rank() : a), &outer, &dim, &inner);
    const bool exclusive = n.attrs.get_int("exclusive", 0) != 0, reverse = n.attrs.get_int("reverse", 0) != 0;
    dispatch_arith(x.dtype(), [&](auto e) {
      using E = decltype(e);
      using S = typename E::S;
      const S* xp = x.data_as<S>();
      S* yp = out[0]->data_as<S>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          typename E::C acc = 0;
          for (int64_t t = 0; t < dim; ++t) {
            const int64_t at = (o * dim + (reverse ? dim - 1 - t : t)) * inner + i;
            const auto v = E::load(xp[at]);
            if (!exclusive) acc = static_cast<typename E::C>(acc + v);
            yp[at] = E::store(acc);
            if (exclusive) acc = static_cast<typename E::C>(acc + v);
          }
        }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = static_cast<double>(shape_numel(c.inputs[0].shape));
    return cost;
  };
  return d;
}

}  // namespace

void register_arg_topk_ops(OpRegistry& r) {
  r.add_op(arg_def("ArgMax", true));  // select_last_index (12) defaults to the older behaviour
  r.add_op(arg_def("ArgMin", false));
  r.add_op(topk_def(1, 9));
  r.add_op(topk_def(10, 10));
  r.add_op(topk_def(11, INT_MAX));
  r.add_op(cumsum_def());
}

}  // namespace layerscope
