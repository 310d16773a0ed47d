// BatchNormalization (inference), LayerNormalization, InstanceNormalization, GroupNormalization.
//
// All but BatchNormalization normalise contiguous blocks of the input with their own
// statistics: y = (x - mean) / sqrt(var + epsilon) * scale + bias, with the biased variance
// mean((x - mean)^2) (two passes in double: exact enough to be an oracle).
//   LayerNormalization    block = one row of [prod(dims[:axis]), prod(dims[axis:])]
//   InstanceNormalization block = one (n, c) spatial plane
//   GroupNormalization    block = one (n, group): C/G consecutive channel planes
#include <cmath>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

// Normalises `blocks` contiguous blocks of `len` elements. The affine parameters are constant
// over segments of `seg` elements: param(block, segment) -> {scale, bias}. mean / inv_std
// (optional) receive one value per block.
template <typename T, typename Param>
void normalize_blocks(const T* x, T* y, int64_t blocks, int64_t len, int64_t seg, double eps, Param param,
                      double* mean_out = nullptr, double* inv_std_out = nullptr) {
#pragma omp parallel for schedule(static) if (blocks * len >= kParallelMinElements)
  for (int64_t b = 0; b < blocks; ++b) {
    const T* xb = x + b * len;
    T* yb = y + b * len;
    double sum = 0;
    for (int64_t j = 0; j < len; ++j) sum += xb[j];
    double mean = len ? sum / static_cast<double>(len) : 0.0;
    double sq = 0;
    for (int64_t j = 0; j < len; ++j) sq += (xb[j] - mean) * (xb[j] - mean);
    double inv_std = 1.0 / std::sqrt((len ? sq / static_cast<double>(len) : 0.0) + eps);
    if (mean_out) mean_out[b] = mean;
    if (inv_std_out) inv_std_out[b] = inv_std;
    for (int64_t s0 = 0; s0 < len; s0 += seg) {
      auto [scale, bias] = param(b, s0 / seg);
      double a = inv_std * scale;
      for (int64_t j = s0; j < s0 + seg && j < len; ++j) yb[j] = static_cast<T>((xb[j] - mean) * a + bias);
    }
  }
}

// Block statistics + normalise + affine: sum, (sub, mul-add) for the variance, (sub, mul)
// and (mul, add) to write: 7 ops per element.
Cost norm7_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  cost.other_ops = 7.0 * static_cast<double>(shape_numel(c.inputs[0].shape));
  return cost;
}

void expect_param(const InferContext& ctx, int i, const Shape& shape, const char* what) {
  expect_float_dtype(ctx, i);
  if (ctx.shape(i) != shape)
    ctx.error("input ", i, " (", what, ") has shape ", shape_to_string(ctx.shape(i)), "; expected ",
              shape_to_string(shape));
}

// ---- BatchNormalization --------------------------------------------------------------------
// Inference: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (dim 1), or per
// activation (all of dims[1:]) when spatial = 0 (opsets 1-8). Training-mode statistics are
// not supported; they are requested by training_mode = 1 (14+) or extra outputs (< 14).

void infer_batchnorm(InferContext& ctx) {
  const int opset = ctx.node().opset;
  ctx.expect_inputs(5, 5);
  expect_float_dtype(ctx, 0);
  if (ctx.rank(0) < 2) ctx.error("input X must have rank >= 2 (N x C x ...), got ", shape_to_string(ctx.shape(0)));
  if (opset >= 14 && ctx.attrs().get_int("training_mode", 0) != 0)
    ctx.error("training_mode = 1 is not supported: this runtime only runs inference");
  for (int k = 1; k < ctx.num_outputs(); ++k)
    if (ctx.node().outputs[k] >= 0)
      ctx.error("output ", k, " (batch statistics) is only produced in training mode, which is not supported");
  const bool spatial = opset >= 9 || ctx.attrs().get_int("spatial", 1) != 0;
  Shape pshape = spatial ? Shape{ctx.shape(0)[1]} : Shape(ctx.shape(0).begin() + 1, ctx.shape(0).end());
  const char* names[] = {"", "scale", "B", "mean", "var"};
  for (int i = 1; i < 5; ++i) expect_param(ctx, i, pshape, names[i]);
  // Type constraints: one T for everything up to 13; 14: mean/var share U; 15+: scale/B
  // share T1 and mean/var share T2, independently of X.
  auto same = [&](int i, int j) {
    if (ctx.dtype(i) != ctx.dtype(j))
      ctx.error("inputs ", names[i], " and ", j ? names[j] : "X", " must have the same type at opset ", opset, ", got ",
                dtype_name(ctx.dtype(i)), " and ", dtype_name(ctx.dtype(j)));
  };
  if (opset < 15) same(1, 0), same(2, 0);
  else same(2, 1);
  if (opset < 14) same(3, 0);
  same(4, 3);
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_batchnorm(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  const bool spatial = node.opset >= 9 || node.attrs.get_int("spatial", 1) != 0;
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  const int64_t n = x.dim(0), c = x.dim(1), inner = product(x.shape(), 2, x.shape().size());
  const int64_t params = spatial ? c : c * inner;
  std::vector<double> a(params), b(params);
  for (int64_t p = 0; p < params; ++p) {
    a[p] = load_as_double(*in[1], p) / std::sqrt(load_as_double(*in[4], p) + eps);
    b[p] = load_as_double(*in[2], p) - load_as_double(*in[3], p) * a[p];
  }
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_as<T>();
    T* yp = out[0]->data_as<T>();
#pragma omp parallel for schedule(static) if (x.numel() >= kParallelMinElements)
    for (int64_t nc = 0; nc < n * c; ++nc) {
      const int64_t ch = nc % c;
      const T* xr = xp + nc * inner;
      T* yr = yp + nc * inner;
      if (spatial) {
        for (int64_t i = 0; i < inner; ++i) yr[i] = static_cast<T>(xr[i] * a[ch] + b[ch]);
      } else {
        const double* ar = &a[ch * inner];
        const double* br = &b[ch * inner];
        for (int64_t i = 0; i < inner; ++i) yr[i] = static_cast<T>(xr[i] * ar[i] + br[i]);
      }
    }
  });
}

// Folded to y = x * a + b per channel: 2 ops per element.
Cost batchnorm_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  cost.other_ops = 2.0 * static_cast<double>(shape_numel(c.inputs[0].shape));
  return cost;
}

// ---- LayerNormalization (17) ---------------------------------------------------------------

DType stash_dtype(const InferContext& ctx) {
  int64_t st = ctx.attrs().get_int("stash_type", 1);
  if (st == 1) return DType::F32;
  if (st == 11) return DType::F64;
  ctx.error("attribute 'stash_type' = ", st, " is not supported; expected 1 (FLOAT) or 11 (DOUBLE)");
}

void infer_layernorm(InferContext& ctx) {
  ctx.expect_inputs(2, 3);
  expect_float_dtype(ctx, 0);
  const int r = ctx.rank(0);
  if (r == 0) ctx.error("input X must have rank >= 1");
  int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", -1), r);
  Shape norm_shape(ctx.shape(0).begin() + axis, ctx.shape(0).end());
  for (int i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    expect_float_dtype(ctx, i);
    Shape b;
    if (ctx.rank(i) > static_cast<int>(norm_shape.size()) || !try_broadcast_shapes(norm_shape, ctx.shape(i), &b) ||
        b != norm_shape)
      ctx.error("input ", i, " (", i == 1 ? "Scale" : "B", ") has shape ", shape_to_string(ctx.shape(i)),
                ", which does not broadcast to the normalized shape ", shape_to_string(norm_shape));
  }
  DType stash = stash_dtype(ctx);
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  Shape stat_shape = ctx.shape(0);
  for (int d = axis; d < r; ++d) stat_shape[d] = 1;
  for (int k = 1; k < std::min(ctx.num_outputs(), 3); ++k) ctx.set_output(k, stash, stat_shape);
  if (ctx.num_outputs() > 3) ctx.error("expected at most 3 outputs, got ", ctx.num_outputs());
}

// Scale / B broadcast to the normalized shape, flattened.
std::vector<double> expand_param(const Tensor* t, const Shape& norm_shape, double dflt) {
  int64_t len = shape_numel(norm_shape);
  std::vector<double> v(len, dflt);
  if (!t) return v;
  std::vector<int64_t> st = broadcast_strides(t->shape(), norm_shape);
  std::vector<int64_t> idx(norm_shape.size(), 0);
  for (int64_t j = 0; j < len; ++j) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * st[d];
    v[j] = load_as_double(*t, off);
    for (size_t d = idx.size(); d-- > 0;)
      if (++idx[d] < norm_shape[d]) break;
      else idx[d] = 0;
  }
  return v;
}

template <typename U>
void store_stats(Tensor* t, const std::vector<double>& v) {
  if (!t) return;
  for (size_t i = 0; i < v.size(); ++i) t->data_as<U>()[i] = static_cast<U>(v[i]);
}

void ref_layernorm(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  const int r = x.rank();
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += r;
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  Shape norm_shape(x.shape().begin() + axis, x.shape().end());
  const int64_t len = shape_numel(norm_shape), blocks = product(x.shape(), 0, axis);
  std::vector<double> scale = expand_param(in[1], norm_shape, 1.0);
  std::vector<double> bias = expand_param(in.size() > 2 ? in[2] : nullptr, norm_shape, 0.0);
  std::vector<double> mean(blocks), inv_std(blocks);
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto param = [&](int64_t, int64_t j) { return std::pair<double, double>{scale[j], bias[j]}; };
    normalize_blocks<T>(x.data_as<T>(), out[0]->data_as<T>(), blocks, len, 1, eps, param, mean.data(), inv_std.data());
  });
  for (size_t k = 1; k < out.size() && k < 3; ++k) {
    if (!out[k]) continue;
    const std::vector<double>& v = k == 1 ? mean : inv_std;
    if (out[k]->dtype() == DType::F64) store_stats<double>(out[k], v);
    else store_stats<float>(out[k], v);
  }
}

// ---- InstanceNormalization / GroupNormalization ----------------------------------------------

void infer_instancenorm(InferContext& ctx) {
  ctx.expect_inputs(3, 3);
  expect_float_dtype(ctx, 0);
  if (ctx.rank(0) < 2) ctx.error("input must have rank >= 2 (N x C x ...), got ", shape_to_string(ctx.shape(0)));
  expect_param(ctx, 1, {ctx.shape(0)[1]}, "scale");
  expect_param(ctx, 2, {ctx.shape(0)[1]}, "B");
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_instancenorm(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  const int64_t c = x.dim(1), spatial = product(x.shape(), 2, x.shape().size());
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  auto param = [&](int64_t block, int64_t) {
    return std::pair<double, double>{load_as_double(*in[1], block % c), load_as_double(*in[2], block % c)};
  };
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    normalize_blocks<T>(x.data_as<T>(), out[0]->data_as<T>(), x.dim(0) * c, spatial, std::max<int64_t>(spatial, 1), eps,
                        param);
  });
}

// Opset 18: scale / bias hold one value per group; 21: one value per channel.
void infer_groupnorm(InferContext& ctx) {
  ctx.expect_inputs(3, 3);
  expect_float_dtype(ctx, 0);
  if (ctx.rank(0) < 2) ctx.error("input must have rank >= 2 (N x C x ...), got ", shape_to_string(ctx.shape(0)));
  if (!ctx.attrs().has("num_groups")) ctx.error("required attribute 'num_groups' is missing");
  int64_t g = ctx.attrs().get_int("num_groups", 1), c = ctx.shape(0)[1];
  if (g <= 0 || c % g != 0) ctx.error("num_groups = ", g, " must be > 0 and divide the channel count ", c);
  if (ctx.node().opset >= 21) {
    if (ctx.attrs().has("stash_type")) stash_dtype(ctx);
    expect_param(ctx, 1, {c}, "scale (one per channel since opset 21)");
    expect_param(ctx, 2, {c}, "bias (one per channel since opset 21)");
  } else {
    expect_param(ctx, 1, {g}, "scale (one per group before opset 21)");
    expect_param(ctx, 2, {g}, "bias (one per group before opset 21)");
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

void ref_groupnorm(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  const int64_t g = node.attrs.get_int("num_groups", 1), c = x.dim(1), cpg = c / g;
  const int64_t spatial = product(x.shape(), 2, x.shape().size());
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  const bool per_channel = node.opset >= 21;
  auto param = [&](int64_t block, int64_t seg) {
    int64_t grp = block % g;
    int64_t p = per_channel ? grp * cpg + seg : grp;
    return std::pair<double, double>{load_as_double(*in[1], p), load_as_double(*in[2], p)};
  };
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    normalize_blocks<T>(x.data_as<T>(), out[0]->data_as<T>(), x.dim(0) * g, cpg * spatial,
                        std::max<int64_t>(spatial, 1), eps, param);
  });
}

}  // namespace

void register_normalization_ops(OpRegistry& r) {
  using enum AttrType;
  // 1-6: is_test / spatial / consumed_inputs attributes; 7: is_test removed; 9: spatial
  // removed; 14: training_mode + separate mean/var type; 15: separate scale/bias type.
  // momentum only matters when training and is_test only says whether we are (the extra
  // outputs a training node asks for are refused by infer_batchnorm).
  const std::vector<AttrSpec> bn = {{"epsilon", FLOAT}, {"momentum", FLOAT}};
  auto batchnorm = [&](int since, int until, std::vector<AttrSpec> extra) {
    extra.insert(extra.begin(), bn.begin(), bn.end());
    r.add_op(OpDef{"BatchNormalization", "", since, until, infer_batchnorm, batchnorm_cost, ref_batchnorm,
                   std::move(extra)});
  };
  batchnorm(1, 6, {{"spatial", INT}, {"is_test", INT}, legacy_consumed_inputs()});
  batchnorm(7, 8, {{"spatial", INT}});
  batchnorm(9, 13, {});
  batchnorm(14, 14, {{"training_mode", INT}});
  batchnorm(15, INT_MAX, {{"training_mode", INT}});
  r.add_op(OpDef{"LayerNormalization",
                 "",
                 17,
                 INT_MAX,
                 infer_layernorm,
                 norm7_cost,
                 ref_layernorm,
                 {{"axis", INT}, {"epsilon", FLOAT}, {"stash_type", INT}}});
  r.add_op(OpDef{"InstanceNormalization",
                 "",
                 1,
                 INT_MAX,
                 infer_instancenorm,
                 norm7_cost,
                 ref_instancenorm,
                 {{"epsilon", FLOAT}, legacy_consumed_inputs()}});
  r.add_op(OpDef{"GroupNormalization",
                 "",
                 18,
                 20,
                 infer_groupnorm,
                 norm7_cost,
                 ref_groupnorm,
                 {{"epsilon", FLOAT}, {"num_groups", INT}}});
  r.add_op(OpDef{"GroupNormalization",
                 "",
                 21,
                 INT_MAX,
                 infer_groupnorm,
                 norm7_cost,
                 ref_groupnorm,
                 {{"epsilon", FLOAT}, {"num_groups", INT}, {"stash_type", INT}}});
}

}  // namespace layerscope
