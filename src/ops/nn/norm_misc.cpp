// LpNormalization, MeanVarianceNormalization, LRN.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

Cost per_element_cost(const CostContext& c, double ops) {
  Cost cost = bytes_only_cost(c);
  cost.other_ops = ops * static_cast<double>(shape_numel(c.inputs[0].shape));
  return cost;
}

// ---- LpNormalization (1): y = x / ||x||_p along `axis`, p in {1, 2} ------------------------
// A zero norm gives y = 0 (as onnxruntime) rather than 0/0.

void infer_lpnorm(InferContext& ctx) {
  ctx.expect_inputs(1, 1);
  expect_float_dtype(ctx, 0);
  if (ctx.rank(0) == 0) ctx.error("input must have rank >= 1");
  normalize_axis(ctx, ctx.attrs().get_int("axis", -1), ctx.rank(0));
  int64_t p = ctx.attrs().get_int("p", 2);
  if (p != 1 && p != 2) ctx.error("attribute 'p' = ", p, " is not supported; expected 1 or 2");
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_lpnorm(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += x.rank();
  const bool l1 = node.attrs.get_int("p", 2) == 1;
  const int64_t outer = product(x.shape(), 0, axis), n = x.dim(static_cast<int>(axis));
  const int64_t inner = product(x.shape(), axis + 1, x.shape().size());
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_as<T>();
    T* yp = out[0]->data_as<T>();
#pragma omp parallel if (x.numel() >= kParallelMinElements)
    {
      std::vector<double> norm(inner);
#pragma omp for schedule(static)
      for (int64_t o = 0; o < outer; ++o) {
        std::fill(norm.begin(), norm.end(), 0.0);
        const T* xb = xp + o * n * inner;
        T* yb = yp + o * n * inner;
        for (int64_t k = 0; k < n; ++k)
          for (int64_t i = 0; i < inner; ++i) {
            double v = xb[k * inner + i];
            norm[i] += l1 ? std::abs(v) : v * v;
          }
        for (int64_t i = 0; i < inner; ++i) norm[i] = l1 ? norm[i] : std::sqrt(norm[i]);
        for (int64_t k = 0; k < n; ++k)
          for (int64_t i = 0; i < inner; ++i)
            yb[k * inner + i] = norm[i] == 0 ? T(0) : static_cast<T>(xb[k * inner + i] / norm[i]);
      }
    }
  });
}

// ---- MeanVarianceNormalization (9, 13): y = (x - mean) / (sqrt(var) + 1e-9) over `axes` ---
// (the epsilon is added to the standard deviation, as in the op's function body).

std::vector<bool> mvn_axes(const Node& node, int rank, const InferContext* ctx) {
  std::vector<int64_t> axes = node.attrs.get_ints("axes", {0, 2, 3});
  std::vector<bool> red(rank, false);
  for (int64_t a : axes) {
    int64_t d = a < 0 ? a + rank : a;
    if (d < 0 || d >= rank) {
      if (ctx) ctx->error("axis ", a, " in 'axes' is out of range for rank ", rank);
      fail(Graph::describe(node), ": axis ", a, " out of range");
    }
    red[d] = true;
  }
  return red;
}

void infer_mvn(InferContext& ctx) {
  ctx.expect_inputs(1, 1);
  expect_float_dtype(ctx, 0);
  mvn_axes(ctx.node(), ctx.rank(0), &ctx);
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_mvn(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  ReduceLayout layout(x.shape(), mvn_axes(node, x.rank(), nullptr));
  const double count = layout.out_numel ? static_cast<double>(x.numel()) / static_cast<double>(layout.out_numel) : 0;
  std::vector<double> mean(layout.out_numel, 0.0), var(layout.out_numel, 0.0);
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_as<T>();
    T* yp = out[0]->data_as<T>();
    layout.for_each_run([&](int64_t i0, int64_t o0, int64_t n, int64_t step) {
      for (int64_t k = 0; k < n; ++k) mean[o0 + k * step] += xp[i0 + k];
    });
    for (double& m : mean) m /= count;
    layout.for_each_run([&](int64_t i0, int64_t o0, int64_t n, int64_t step) {
      for (int64_t k = 0; k < n; ++k) {
        double d = xp[i0 + k] - mean[o0 + k * step];
        var[o0 + k * step] += d * d;
      }
    });
    for (double& v : var) v = 1.0 / (std::sqrt(v / count) + 1e-9);  // now 1 / (std + eps)
    layout.for_each_run([&](int64_t i0, int64_t o0, int64_t n, int64_t step) {
      for (int64_t k = 0; k < n; ++k)
        yp[i0 + k] = static_cast<T>((xp[i0 + k] - mean[o0 + k * step]) * var[o0 + k * step]);
    });
  });
}

// ---- LRN (1, 13): y = x / (bias + alpha / size * sum of x^2 over nearby channels)^beta ------
// The window for channel c is [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped.

void infer_lrn(InferContext& ctx) {
  ctx.expect_inputs(1, 1);
  expect_float_dtype(ctx, 0);
  if (ctx.rank(0) < 2) ctx.error("input must have rank >= 2 (N x C x ...), got ", shape_to_string(ctx.shape(0)));
  if (!ctx.attrs().has("size")) ctx.error("required attribute 'size' is missing");
  if (ctx.attrs().get_int("size", 1) <= 0) ctx.error("attribute 'size' must be > 0");
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_lrn(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  const int64_t size = node.attrs.get_int("size", 1);
  const double alpha = node.attrs.get_float("alpha", 1e-4f), beta = node.attrs.get_float("beta", 0.75f);
  const double bias = node.attrs.get_float("bias", 1.0f);
  const int64_t n = x.dim(0), c = x.dim(1), spatial = product(x.shape(), 2, x.shape().size());
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_as<T>();
    T* yp = out[0]->data_as<T>();
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelMinElements)
    for (int64_t nc = 0; nc < n * c; ++nc) {
      const int64_t ch = nc % c, base = nc - ch;
      std::vector<double> sq(spatial, 0.0);
      for (int64_t k = std::max<int64_t>(0, ch - lo); k <= std::min(c - 1, ch + hi); ++k) {
        const T* xr = xp + (base + k) * spatial;
        for (int64_t i = 0; i < spatial; ++i) sq[i] += static_cast<double>(xr[i]) * xr[i];
      }
      const T* xr = xp + nc * spatial;
      T* yr = yp + nc * spatial;
      for (int64_t i = 0; i < spatial; ++i)
        yr[i] = static_cast<T>(xr[i] / std::pow(bias + alpha / static_cast<double>(size) * sq[i], beta));
    }
  });
}

}  // namespace

void register_norm_misc_ops(OpRegistry& r) {
  using enum AttrType;
  // LpNormalization: abs/square + accumulate, divide: 3 ops per element.
  r.add_op(OpDef{"LpNormalization",
                 "",
                 1,
                 INT_MAX,
                 infer_lpnorm,
                 [](const CostContext& c) { return per_element_cost(c, 3); },
                 ref_lpnorm,
                 {{"axis", INT}, {"p", INT}}});
  // MVN: mean, variance (sub, mul-add), normalise (sub, mul): 5 ops per element.
  r.add_op(OpDef{"MeanVarianceNormalization",
                 "",
                 9,
                 INT_MAX,
                 infer_mvn,
                 [](const CostContext& c) { return per_element_cost(c, 5); },
                 ref_mvn,
                 {{"axes", INTS}}});
  // LRN: `size` square-accumulates per element + scale, pow, divide.
  r.add_op(OpDef{"LRN",
                 "",
                 1,
                 INT_MAX,
                 infer_lrn,
                 [](const CostContext& c) {
                   return per_element_cost(c, 3.0 + static_cast<double>(c.node.attrs.get_int("size", 1)));
                 },
                 ref_lrn,
                 {{"alpha", FLOAT}, {"beta", FLOAT}, {"bias", FLOAT}, {"size", INT}}});
}

}  // namespace layerscope
