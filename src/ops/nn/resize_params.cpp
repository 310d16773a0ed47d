// Resize / Upsample attributes and output geometry (see resize_params.h).
// Numeric conventions follow the ONNX reference implementation, which generated the node
// tests: output length from scales = floor(float(in) * scale) in float32 (as ONNX shape
// inference and onnxruntime do), align_corners / tf_crop_and_resize divide by the
// unrounded in * scale, keep_aspect_ratio rounds half up.
#include "ops/nn/resize_params.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

namespace layerscope {

namespace {

template <typename E>
E parse_enum(const Node& node, const char* attr, const std::string& dflt,
             std::initializer_list<std::pair<const char*, E>> choices) {
  std::string v = node.attrs.get_string(attr, dflt);
  std::string names;
  for (const auto& [name, e] : choices) {
    if (v == name) return e;
    names += std::string(names.empty() ? "" : ", ") + name;
  }
  fail(Graph::describe(node), ": attribute '", attr, "' = '", v, "' is not supported; expected one of ", names);
}

bool parse_bool(const Node& node, const char* attr) {
  int64_t v = node.attrs.get_int(attr, 0);
  if (v != 0 && v != 1) fail(Graph::describe(node), ": attribute '", attr, "' must be 0 or 1, got ", v);
  return v == 1;
}

std::vector<double> float_values(const Node& node, const Tensor& t, const char* what) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::F32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data_as<float>()[i];
  } else if (t.dtype() == DType::F64) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.data_as<double>()[i];
  } else {
    fail(Graph::describe(node), ": input '", what, "' must be float or double, got ", dtype_name(t.dtype()));
  }
  return v;
}

}  // namespace

ResizeInputSlots resize_input_slots(const Node& node) {
  if (node.op_type == "Upsample") return node.opset >= 9 ? ResizeInputSlots{-1, 1, -1} : ResizeInputSlots{};
  if (node.opset < 11) return ResizeInputSlots{-1, 1, -1};
  return ResizeInputSlots{1, 2, 3};
}

ResizeAttrs parse_resize_attrs(const Node& node) {
  ResizeAttrs a;
  const bool legacy = node.op_type == "Upsample" || node.opset < 11;
  if (legacy) {
    a.mode = parse_enum<ResizeMode>(node, "mode", "nearest",
                                    {{"nearest", ResizeMode::Nearest}, {"linear", ResizeMode::Linear}});
    a.coord_mode = ResizeCoordMode::Asymmetric;
    a.nearest_mode = ResizeNearestMode::Legacy;
    if (node.op_type == "Upsample" && node.opset < 9) {
      if (!node.attrs.has("scales")) fail(Graph::describe(node), ": required attribute 'scales' is missing");
      a.attr_scales = node.attrs.get_floats("scales");
    }
    return a;
  }
  a.mode = parse_enum<ResizeMode>(
      node, "mode", "nearest",
      {{"nearest", ResizeMode::Nearest}, {"linear", ResizeMode::Linear}, {"cubic", ResizeMode::Cubic}});
  // tf_half_pixel_for_nn left the spec at 13 but exporters and onnxruntime still accept it.
  if (node.opset >= 19) {
    a.coord_mode = parse_enum<ResizeCoordMode>(node, "coordinate_transformation_mode", "half_pixel",
                                               {{"half_pixel", ResizeCoordMode::HalfPixel},
                                                {"half_pixel_symmetric", ResizeCoordMode::HalfPixelSymmetric},
                                                {"pytorch_half_pixel", ResizeCoordMode::PytorchHalfPixel},
                                                {"align_corners", ResizeCoordMode::AlignCorners},
                                                {"asymmetric", ResizeCoordMode::Asymmetric},
                                                {"tf_half_pixel_for_nn", ResizeCoordMode::TfHalfPixelForNN},
                                                {"tf_crop_and_resize", ResizeCoordMode::TfCropAndResize}});
  } else {
    a.coord_mode = parse_enum<ResizeCoordMode>(node, "coordinate_transformation_mode", "half_pixel",
                                               {{"half_pixel", ResizeCoordMode::HalfPixel},
                                                {"pytorch_half_pixel", ResizeCoordMode::PytorchHalfPixel},
                                                {"align_corners", ResizeCoordMode::AlignCorners},
                                                {"asymmetric", ResizeCoordMode::Asymmetric},
                                                {"tf_half_pixel_for_nn", ResizeCoordMode::TfHalfPixelForNN},
                                                {"tf_crop_and_resize", ResizeCoordMode::TfCropAndResize}});
  }
  a.nearest_mode = parse_enum<ResizeNearestMode>(node, "nearest_mode", "round_prefer_floor",
                                                 {{"round_prefer_floor", ResizeNearestMode::RoundPreferFloor},
                                                  {"round_prefer_ceil", ResizeNearestMode::RoundPreferCeil},
                                                  {"floor", ResizeNearestMode::Floor},
                                                  {"ceil", ResizeNearestMode::Ceil}});
  a.cubic_coeff_a = node.attrs.get_float("cubic_coeff_a", -0.75f);
  a.exclude_outside = parse_bool(node, "exclude_outside");
  a.extrapolation_value = node.attrs.get_float("extrapolation_value", 0.0f);
  if (node.opset >= 18) {
    a.antialias = parse_bool(node, "antialias");
    a.axes = node.attrs.get_ints("axes");
    a.keep_aspect_ratio_policy = parse_enum<ResizeAspectPolicy>(node, "keep_aspect_ratio_policy", "stretch",
                                                                {{"stretch", ResizeAspectPolicy::Stretch},
                                                                 {"not_larger", ResizeAspectPolicy::NotLarger},
                                                                 {"not_smaller", ResizeAspectPolicy::NotSmaller}});
  }
  return a;
}

ResizeGeometry compute_resize_geometry(const Node& node, const ResizeAttrs& a, const Shape& in, const Tensor* roi,
                                       const Tensor* scales, const Tensor* sizes) {
  const std::string who = Graph::describe(node);
  const int r = static_cast<int>(in.size());
  if (roi && roi->numel() == 0) roi = nullptr;
  if (scales && scales->numel() == 0) scales = nullptr;
  if (sizes && sizes->numel() == 0) sizes = nullptr;

  std::vector<int> axes;
  if (a.axes.empty()) {
    for (int d = 0; d < r; ++d) axes.push_back(d);
  } else {
    std::vector<bool> seen(r, false);
    for (int64_t ax : a.axes) {
      int64_t d = ax < 0 ? ax + r : ax;
      if (d < 0 || d >= r) fail(who, ": axis ", ax, " in 'axes' is out of range for rank ", r);
      if (seen[d]) fail(who, ": axis ", ax, " appears twice in 'axes'");
      seen[d] = true;
      axes.push_back(static_cast<int>(d));
    }
  }
  const size_t n = axes.size();

  ResizeGeometry g;
  g.input_shape = in;
  g.output_shape = in;
  g.scales.assign(r, 1.0);
  g.resized_lengths.assign(in.begin(), in.end());
  g.roi_start.assign(r, 0.0);
  g.roi_end.assign(r, 1.0);

  if (a.coord_mode == ResizeCoordMode::TfCropAndResize) {
    if (!roi) fail(who, ": coordinate_transformation_mode 'tf_crop_and_resize' needs the 'roi' input");
    std::vector<double> v = float_values(node, *roi, "roi");
    if (v.size() != 2 * n) fail(who, ": 'roi' has ", v.size(), " values; expected ", 2 * n, " (2 x ", n, " axes)");
    for (size_t i = 0; i < n; ++i) {
      g.roi_start[axes[i]] = v[i];
      g.roi_end[axes[i]] = v[n + i];
    }
  }

  std::vector<double> scale_values;
  if (!a.attr_scales.empty()) scale_values.assign(a.attr_scales.begin(), a.attr_scales.end());
  else if (scales) {
    if (scales->dtype() != DType::F32) fail(who, ": input 'scales' must be float, got ", dtype_name(scales->dtype()));
    scale_values = float_values(node, *scales, "scales");
  }
  if (!scale_values.empty() && sizes) fail(who, ": only one of 'scales' and 'sizes' may be given");
  if (scale_values.empty() && !sizes) fail(who, ": one of 'scales' and 'sizes' must be given (non-empty)");

  if (!scale_values.empty()) {
    if (scale_values.size() != n) fail(who, ": 'scales' has ", scale_values.size(), " values; expected ", n);
    for (size_t i = 0; i < n; ++i) {
      int d = axes[i];
      double s = scale_values[i];
      if (!(s > 0)) fail(who, ": scales[", i, "] = ", s, " must be > 0");
      if (node.op_type == "Upsample" && s < 1) fail(who, ": Upsample scales[", i, "] = ", s, " must be >= 1");
      g.scales[d] = s;
      float len = static_cast<float>(in[d]);
      if (a.coord_mode == ResizeCoordMode::TfCropAndResize)
        len = static_cast<float>(len * (g.roi_end[d] - g.roi_start[d]));
      g.output_shape[d] = static_cast<int64_t>(std::floor(len * static_cast<float>(s)));
      g.resized_lengths[d] = static_cast<double>(in[d]) * s;
    }
    return g;
  }

  if (sizes->dtype() != DType::I64) fail(who, ": input 'sizes' must be int64, got ", dtype_name(sizes->dtype()));
  if (static_cast<size_t>(sizes->numel()) != n) fail(who, ": 'sizes' has ", sizes->numel(), " values; expected ", n);
  const int64_t* sz = sizes->data_as<int64_t>();
  for (size_t i = 0; i < n; ++i) {
    if (sz[i] < 0) fail(who, ": sizes[", i, "] = ", sz[i], " must be >= 0");
    if (in[axes[i]] == 0 && sz[i] != 0) fail(who, ": cannot resize an empty dimension to ", sz[i]);
  }
  if (a.keep_aspect_ratio_policy == ResizeAspectPolicy::Stretch) {
    for (size_t i = 0; i < n; ++i) {
      int d = axes[i];
      g.output_shape[d] = sz[i];
      g.scales[d] = in[d] ? static_cast<double>(sz[i]) / static_cast<double>(in[d]) : 1.0;
      g.resized_lengths[d] = static_cast<double>(sz[i]);
    }
    return g;
  }
  // One common scale for all axes: the largest that fits (not_larger) or the smallest that
  // covers (not_smaller) the requested sizes; lengths round half up.
  double common = a.keep_aspect_ratio_policy == ResizeAspectPolicy::NotLarger ? INFINITY : 0.0;
  for (size_t i = 0; i < n; ++i) {
    int d = axes[i];
    if (in[d] == 0) continue;
    double s = static_cast<double>(sz[i]) / static_cast<double>(in[d]);
    common = a.keep_aspect_ratio_policy == ResizeAspectPolicy::NotLarger ? std::min(common, s) : std::max(common, s);
  }
  if (!std::isfinite(common)) common = 1.0;
  for (size_t i = 0; i < n; ++i) {
    int d = axes[i];
    g.scales[d] = common;
    g.resized_lengths[d] = common * static_cast<double>(in[d]);
    g.output_shape[d] = static_cast<int64_t>(g.resized_lengths[d] + 0.5);
  }
  return g;
}

double resize_source_coord(const ResizeAttrs& a, const ResizeGeometry& g, int dim, int64_t x_out) {
  const double x = static_cast<double>(x_out);
  const double s = g.scales[dim];
  const double in = static_cast<double>(g.input_shape[dim]);
  const double len = g.resized_lengths[dim];
  switch (a.coord_mode) {
    case ResizeCoordMode::HalfPixel: return (x + 0.5) / s - 0.5;
    case ResizeCoordMode::HalfPixelSymmetric: {
      // Centres the (possibly rounded) output window on the input: shift by the rounding.
      double adjustment = static_cast<double>(g.output_shape[dim]) / len;
      double offset = in / 2 * (1 - adjustment);
      return offset + (x + 0.5) / s - 0.5;
    }
    case ResizeCoordMode::PytorchHalfPixel: return g.output_shape[dim] > 1 ? (x + 0.5) / s - 0.5 : 0.0;
    case ResizeCoordMode::AlignCorners: return len == 1 ? 0.0 : x * (in - 1) / (len - 1);
    case ResizeCoordMode::Asymmetric: return x / s;
    case ResizeCoordMode::TfHalfPixelForNN: return (x + 0.5) / s;
    case ResizeCoordMode::TfCropAndResize: {
      double rs = g.roi_start[dim], re = g.roi_end[dim];
      if (len == 1) return 0.5 * (rs + re) * (in - 1);
      return rs * (in - 1) + x * (re - rs) * (in - 1) / (len - 1);
    }
  }
  return x;
}

int64_t resize_nearest_index(ResizeNearestMode mode, double x, double scale, int64_t in_len) {
  double f = std::floor(x);
  double frac = x - f;
  double r = f;
  switch (mode) {
    case ResizeNearestMode::RoundPreferFloor: r = frac <= 0.5 ? f : f + 1; break;
    case ResizeNearestMode::RoundPreferCeil: r = frac < 0.5 ? f : f + 1; break;
    case ResizeNearestMode::Floor: r = f; break;
    case ResizeNearestMode::Ceil: r = std::ceil(x); break;
    case ResizeNearestMode::Legacy: r = scale < 1 ? std::ceil(x) : f; break;
  }
  if (frac == 0) r = f;
  int64_t i = static_cast<int64_t>(r);
  return std::clamp<int64_t>(i, 0, std::max<int64_t>(in_len - 1, 0));
}

}  // namespace layerscope
