// Resize (10, 11, 13, 18, 19) and Upsample (7, 9): attributes and geometry in resize_params.
//
// Every output coordinate maps, axis by axis, to a source coordinate x (resize_source_coord)
// and a set of taps (input index, weight) along that axis:
//   nearest  one tap (nearest_mode rounding)
//   linear   taps floor(x), floor(x)+1 with weights 1-r, r (r = x - floor(x))
//   cubic    taps floor(x)-1 .. floor(x)+2, Keys kernel with coefficient A = cubic_coeff_a
//   antialias (18+, linear/cubic): the kernel is stretched by 1/scale when downsampling and
//            the weights renormalised, so more input pixels contribute.
// When x is an integer the reference treats it as ratio 1 from the pixel on its left; the
// weights then select exactly pixel x. Tap indices outside the input are clamped (edge
// padding) or, with exclude_outside, dropped and the weights renormalised. With
// tf_crop_and_resize an output whose coordinate falls outside [0, len-1] on any axis is
// extrapolation_value. The N-D result is the tensor product of the per-axis weights, applied
// as one separable pass per resized axis in double precision.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/nn/norm_common.h"
#include "ops/nn/resize_params.h"
#include "ops/op_registry.h"

namespace layerscope {

namespace {

struct AxisTaps {
  std::vector<int64_t> begin;  // out index j -> taps [begin[j], begin[j+1])
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<char> outside;  // tf_crop_and_resize: coordinate outside the input
  bool identity = true;
};

double cubic_kernel(double d, double a) {
  d = std::abs(d);
  if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

AxisTaps axis_taps(const ResizeAttrs& a, const ResizeGeometry& g, int d) {
  const int64_t in = g.input_shape[d], out = g.output_shape[d];
  const double s = g.scales[d];
  AxisTaps t;
  t.outside.assign(out, 0);
  std::vector<double> w;
  std::vector<int64_t> idx;
  for (int64_t j = 0; j < out; ++j) {
    t.begin.push_back(static_cast<int64_t>(t.index.size()));
    double x = resize_source_coord(a, g, d, j);
    if (a.coord_mode == ResizeCoordMode::TfCropAndResize && !resize_coord_inside(x, in)) {
      t.outside[j] = 1;
      t.identity = false;
      continue;
    }
    w.clear();
    idx.clear();
    if (a.mode == ResizeMode::Nearest) {
      idx.push_back(resize_nearest_index(a.nearest_mode, x, s, in));
      w.push_back(1.0);
    } else {
      double base = std::floor(x), ratio = x - base;
      if (ratio == 0) base -= 1, ratio = 1;
      const bool aa = a.antialias && s < 1;
      const double ss = aa ? s : 1.0;
      // Tap offsets relative to base: [first, 1 - first], i.e. the kernel support (radius 1
      // linear, 2 cubic) stretched by 1/scale under antialias.
      const double radius = a.mode == ResizeMode::Linear ? 1 : 2;
      const int64_t first = static_cast<int64_t>(std::floor(-radius / ss)) + 1, last = 1 - first;
      for (int64_t i = first; i <= last; ++i) {
        double dist = (static_cast<double>(i) - ratio) * ss;
        double wt =
            a.mode == ResizeMode::Linear ? std::max(0.0, 1 - std::abs(dist)) : cubic_kernel(dist, a.cubic_coeff_a);
        idx.push_back(static_cast<int64_t>(base) + i);
        w.push_back(wt);
      }
      double sum = 0;
      for (size_t k = 0; k < w.size(); ++k) {
        if (a.exclude_outside && (idx[k] < 0 || idx[k] >= in)) w[k] = 0;
        sum += w[k];
      }
      if ((aa || a.exclude_outside) && sum != 0)
        for (double& v : w) v /= sum;
    }
    for (size_t k = 0; k < w.size(); ++k) {
      if (w[k] == 0) continue;
      t.index.push_back(std::clamp<int64_t>(idx[k], 0, in - 1));
      t.weight.push_back(w[k]);
    }
    int64_t n = static_cast<int64_t>(t.index.size()) - t.begin.back();
    if (in != out || n != 1 || t.index.back() != j || t.weight.back() != 1.0) t.identity = false;
  }
  t.begin.push_back(static_cast<int64_t>(t.index.size()));
  return t;
}

const Tensor* optional_value(const InferContext& ctx, int slot) {
  if (slot < 0 || !ctx.has_input(slot) || shape_numel(ctx.shape(slot)) == 0) return nullptr;
  return &ctx.value(slot);  // a value input (OpDef::value_inputs): known when infer() runs
}

const Tensor* optional_input(std::span<const Tensor* const> in, int slot) {
  if (slot < 0 || slot >= static_cast<int>(in.size()) || !in[slot] || in[slot]->numel() == 0) return nullptr;
  return in[slot];
}

void infer_resize(InferContext& ctx) {
  const Node& node = ctx.node();
  ResizeInputSlots slots = resize_input_slots(node);
  int max_in = std::max({slots.roi, slots.scales, slots.sizes}) + 1;
  // Resize-11/12 require X, roi, scales (sizes optional); 13+ make everything after X optional.
  int min_in = std::max(max_in, 1);
  if (node.op_type == "Resize" && node.opset >= 11) min_in = node.opset >= 13 ? 1 : 3;
  ctx.expect_inputs(min_in, std::max(max_in, 1));
  ResizeAttrs a = parse_resize_attrs(node);
  DType dt = ctx.dtype(0);
  if (a.mode == ResizeMode::Nearest) {
    if (dt == DType::String || dt == DType::F16 || dt == DType::BF16)
      ctx.error("input X has type ", dtype_name(dt), ", which this runtime does not support for ", node.op_type);
  } else {
    expect_float_dtype(ctx, 0);
  }
  if (ctx.rank(0) == 0) ctx.error("input X must have rank >= 1");
  const Tensor* roi = a.coord_mode == ResizeCoordMode::TfCropAndResize ? optional_value(ctx, slots.roi) : nullptr;
  ResizeGeometry g = compute_resize_geometry(node, a, ctx.shape(0), roi, optional_value(ctx, slots.scales),
                                             optional_value(ctx, slots.sizes));
  ctx.set_output(0, dt, g.output_shape);
}

// Gather for nearest mode: exact for every element type.
template <typename T>
void nearest_gather(const Tensor& x, Tensor& y, const std::vector<AxisTaps>& taps, T extrapolation) {
  const int r = x.rank();
  const Shape& os = y.shape();
  std::vector<int64_t> in_strides = contiguous_strides(x.shape());
  const T* xp = x.data_as<T>();
  T* yp = y.data_as<T>();
  const int64_t last = os[r - 1], rows = y.numel() / std::max<int64_t>(last, 1);
  if (y.numel() == 0) return;
#pragma omp parallel for schedule(static) if (y.numel() >= kParallelMinElements)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, off = 0;
    bool outside = false;
    for (int d = r - 2; d >= 0; --d) {
      int64_t j = rem % os[d];
      rem /= os[d];
      outside |= taps[d].outside[j] != 0;
      if (!outside) off += taps[d].index[taps[d].begin[j]] * in_strides[d];
    }
    T* yr = yp + row * last;
    const AxisTaps& t = taps[r - 1];
    for (int64_t j = 0; j < last; ++j) yr[j] = outside || t.outside[j] ? extrapolation : xp[off + t.index[t.begin[j]]];
  }
}

// One separable pass along axis d: src viewed as [outer, in_len, inner] -> [outer, out_len, inner].
void interpolate_axis(const std::vector<double>& src, std::vector<double>& dst, int64_t outer, int64_t in_len,
                      int64_t inner, const AxisTaps& t, double extrapolation) {
  const int64_t out_len = static_cast<int64_t>(t.begin.size()) - 1;
  dst.assign(outer * out_len * inner, 0.0);
#pragma omp parallel for schedule(static) if (outer * out_len * inner >= kParallelMinElements)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < out_len; ++j) {
      double* yr = &dst[(o * out_len + j) * inner];
      if (t.outside[j]) {
        std::fill(yr, yr + inner, extrapolation);
        continue;
      }
      const double* xo = &src[o * in_len * inner];
      if (inner == 1) {  // innermost axis: a short dot product per output
        double acc = 0;
        for (int64_t k = t.begin[j]; k < t.begin[j + 1]; ++k) acc += t.weight[k] * xo[t.index[k]];
        *yr = acc;
        continue;
      }
      for (int64_t k = t.begin[j]; k < t.begin[j + 1]; ++k) {
        const double* xr = xo + t.index[k] * inner;
        const double w = t.weight[k];
        for (int64_t i = 0; i < inner; ++i) yr[i] += w * xr[i];
      }
    }
}

void ref_resize(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Tensor& x = *in[0];
  Tensor& y = *out[0];
  ResizeInputSlots slots = resize_input_slots(node);
  ResizeAttrs a = parse_resize_attrs(node);
  ResizeGeometry g = compute_resize_geometry(node, a, x.shape(), optional_input(in, slots.roi),
                                             optional_input(in, slots.scales), optional_input(in, slots.sizes));
  const int r = x.rank();
  std::vector<AxisTaps> taps;
  for (int d = 0; d < r; ++d) taps.push_back(axis_taps(a, g, d));
  if (a.mode == ResizeMode::Nearest) {
    if (x.dtype() == DType::Bool) {
      nearest_gather<uint8_t>(x, y, taps, a.extrapolation_value != 0);
      return;
    }
    dispatch_numeric(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      nearest_gather<T>(x, y, taps, static_cast<T>(a.extrapolation_value));
    });
    return;
  }
  std::vector<double> cur(x.numel()), next;
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_as<T>();
    for (size_t i = 0; i < cur.size(); ++i) cur[i] = xp[i];
  });
  Shape shape = x.shape();
  for (int d = r - 1; d >= 0; --d) {
    if (taps[d].identity) continue;
    interpolate_axis(cur, next, product(shape, 0, d), shape[d], product(shape, d + 1, r), taps[d],
                     a.extrapolation_value);
    shape[d] = g.output_shape[d];
    cur.swap(next);
  }
  dispatch_float(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* yp = y.data_as<T>();
    for (size_t i = 0; i < cur.size(); ++i) yp[i] = static_cast<T>(cur[i]);
  });
}

// nearest: 1 op per output (a copy). linear / cubic: one multiply-add per tap, i.e.
// 2 (linear) or 4 (cubic) taps per resized axis -> 4 / 16 per output for 2-D resizes;
// antialias stretches the tap count by 1/scale when downsampling.
Cost resize_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  const Shape& is = c.inputs[0].shape;
  const Shape& os = c.outputs[0].shape;
  double per = 1;
  ResizeMode mode = ResizeMode::Nearest;
  bool antialias = false;
  try {
    ResizeAttrs a = parse_resize_attrs(c.node);
    mode = a.mode;
    antialias = a.antialias;
  } catch (const Error&) {
  }
  if (mode != ResizeMode::Nearest)
    for (size_t d = 0; d < is.size() && d < os.size(); ++d) {
      if (is[d] == os[d] || os[d] == 0) continue;
      double base = mode == ResizeMode::Linear ? 2 : 4;
      double s = static_cast<double>(os[d]) / static_cast<double>(is[d]);
      per *= antialias && s < 1 ? base * std::ceil(1 / s) : base;
    }
  cost.other_ops = per * static_cast<double>(shape_numel(os));
  return cost;
}

}  // namespace

void register_resize_ops(OpRegistry& r) {
  using enum AttrType;
  auto add = [&](const char* op, int since, int until, std::vector<AttrSpec> attributes) {
    OpDef d{op, "", since, until, infer_resize, resize_cost, ref_resize, std::move(attributes)};
    d.data_movement = true;  // interpolation reads a few neighbours per output: memory traffic
    // roi, scales, sizes (resize_input_slots): Upsample-9 and Resize-10 read scales at input 1.
    if (std::string(op) == "Resize" && since >= 11) d.value_inputs = {1, 2, 3};
    else if (since >= 9) d.value_inputs = {1};
    r.add_op(std::move(d));
  };
  add("Upsample", 7, 8, {{"mode", STRING}, {"scales", FLOATS}});  // scales attribute
  add("Upsample", 9, INT_MAX, {{"mode", STRING}});                // scales input (deprecated at 10)
  add("Resize", 10, 10, {{"mode", STRING}});
  const std::vector<AttrSpec> r11 = {{"mode", STRING},         {"coordinate_transformation_mode", STRING},
                                     {"nearest_mode", STRING}, {"cubic_coeff_a", FLOAT},
                                     {"exclude_outside", INT}, {"extrapolation_value", FLOAT}};
  std::vector<AttrSpec> r18 = r11;
  r18.insert(r18.end(), {{"antialias", INT}, {"axes", INTS}, {"keep_aspect_ratio_policy", STRING}});
  add("Resize", 11, 12, r11);
  add("Resize", 13, 17, r11);
  add("Resize", 18, 18, r18);
  add("Resize", 19, INT_MAX, r18);
}

}  // namespace layerscope
