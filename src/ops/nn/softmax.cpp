// Softmax, LogSoftmax, Hardmax.
//
// Two semantics (they give different results for rank > 2 whenever axis != rank-1):
//   opset 1-12: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and the
//               op runs over each row of that matrix (default axis 1);
//   opset 13+ : the op runs along the single dimension `axis` (default -1).
// Both are expressed as a view [outer, n, inner]: (outer, prod(dims[axis:]), 1) for the old
// form, (prod(dims[:axis]), dims[axis], prod(dims[axis+1:])) for the new one.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

enum class Kind { Softmax, LogSoftmax, Hardmax };

struct View {
  int64_t outer = 1, n = 1, inner = 1;
};

View view_of(const Node& node, const Shape& shape) {
  const int r = static_cast<int>(shape.size());
  const bool coerce_2d = node.opset < 13;
  int64_t axis = node.attrs.get_int("axis", coerce_2d ? 1 : -1);
  if (axis < 0) axis += r;
  View v;
  v.outer = product(shape, 0, static_cast<size_t>(axis));
  if (coerce_2d) {
    v.n = product(shape, static_cast<size_t>(axis), shape.size());
  } else {
    v.n = shape[axis];
    v.inner = product(shape, static_cast<size_t>(axis) + 1, shape.size());
  }
  return v;
}

void infer_softmax(InferContext& ctx) {
  ctx.expect_inputs(1, 1);
  expect_float_dtype(ctx, 0);
  int64_t axis = ctx.attrs().get_int("axis", ctx.node().opset < 13 ? 1 : -1);
  if (ctx.rank(0) == 0) ctx.error("input must have rank >= 1");
  normalize_axis(ctx, axis, ctx.rank(0));
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

// One [n, inner] block: the reduction runs over n (stride inner); the inner loops over
// `inner` are contiguous. `mx`, `sum`, `arg` are caller-provided scratch of `inner` values.
template <typename T>
void run_block(Kind kind, const T* x, T* y, int64_t n, int64_t inner, double* mx, double* sum, int64_t* arg) {
  for (int64_t i = 0; i < inner; ++i) mx[i] = -std::numeric_limits<double>::infinity(), sum[i] = 0, arg[i] = 0;
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    for (int64_t i = 0; i < inner; ++i)
      if (row[i] > mx[i]) {
        mx[i] = row[i];
        arg[i] = k;
      }
  }
  if (kind == Kind::Hardmax) {
    // One-hot of the first maximum (NaN-free inputs assumed, as in the spec).
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i) y[k * inner + i] = static_cast<T>(arg[i] == k ? 1 : 0);
    return;
  }
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + k * inner;
    for (int64_t i = 0; i < inner; ++i) sum[i] += std::exp(static_cast<double>(row[i]) - mx[i]);
  }
  if (kind == Kind::Softmax) {
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i)
        y[k * inner + i] = static_cast<T>(std::exp(static_cast<double>(x[k * inner + i]) - mx[i]) / sum[i]);
  } else {
    for (int64_t i = 0; i < inner; ++i) sum[i] = mx[i] + std::log(sum[i]);
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i)
        y[k * inner + i] = static_cast<T>(static_cast<double>(x[k * inner + i]) - sum[i]);
  }
}

RefKernelFn softmax_reference(Kind kind) {
  return [kind](const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    View v = view_of(node, x.shape());
    if (x.numel() == 0) return;
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      const int64_t block = v.n * v.inner;
#pragma omp parallel if (x.numel() >= kParallelMinElements)
      {
        std::vector<double> mx(v.inner), sum(v.inner);
        std::vector<int64_t> arg(v.inner);
#pragma omp for schedule(static)
        for (int64_t o = 0; o < v.outer; ++o)
          run_block<T>(kind, xp + o * block, yp + o * block, v.n, v.inner, mx.data(), sum.data(), arg.data());
      }
    });
  };
}

// Softmax / LogSoftmax: max, subtract, exp, sum / normalise ~ 4 ops per element.
// Hardmax: compare + write ~ 2 per element.
CostFn softmax_cost(Kind kind) {
  return [kind](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    double per = kind == Kind::Hardmax ? 2.0 : 4.0;
    cost.other_ops = per * static_cast<double>(shape_numel(c.inputs[0].shape));
    return cost;
  };
}

void add_family(OpRegistry& r, const char* name, Kind kind) {
  const std::vector<AttrSpec> axis = {{"axis", AttrType::INT}};
  r.add_op(OpDef{name, "", 1, 12, infer_softmax, softmax_cost(kind), softmax_reference(kind), axis});
  r.add_op(OpDef{name, "", 13, INT_MAX, infer_softmax, softmax_cost(kind), softmax_reference(kind), axis});
}

}  // namespace

void register_softmax_ops(OpRegistry& r) {
  add_family(r, "Softmax", Kind::Softmax);
  add_family(r, "LogSoftmax", Kind::LogSoftmax);
  add_family(r, "Hardmax", Kind::Hardmax);
}

}  // namespace layerscope
