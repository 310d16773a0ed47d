#include "quant/quant_params.h"

#include <algorithm>
#include <cmath>

#include "ir/error.h"

namespace layerscope::quant {

namespace {

// numpy's round (half to even) under the default rounding mode.
double round_even(double x) { return std::nearbyint(x); }

}  // namespace

ActivationParams activation_params(const Range& range) {
  const double lo = std::min(range.first, 0.0), hi = std::max(range.second, 0.0);
  ActivationParams p;
  const double scale = (hi - lo) / 255.0;
  if (!(scale > 0) || !std::isfinite(scale)) return p;  // all zero: scale 1, zero point 0
  p.scale = static_cast<float>(scale);
  // The zero point is computed from the float32 scale actually written, so lo maps to -128.
  const double zp = round_even(-128.0 - lo / static_cast<double>(p.scale));
  p.zero_point = static_cast<int8_t>(std::clamp(zp, -128.0, 127.0));
  return p;
}

QuantizedWeight quantize_weight(const Tensor& weight, int axis) {
  LS_CHECK(weight.dtype() == DType::F32, "quantize_weight: expected a FLOAT weight");
  LS_CHECK(axis >= -1 && axis < weight.rank(), "quantize_weight: axis ", axis, " out of range");
  QuantizedWeight q;
  q.axis = axis;
  q.values = Tensor(DType::I8, weight.shape());
  // Element e belongs to slice (e / inner) % channels along `axis` in row-major order.
  const int64_t channels = axis < 0 ? 1 : weight.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; axis >= 0 && d < weight.rank(); ++d) inner *= weight.dim(d);
  if (axis < 0) inner = weight.numel();
  const float* w = weight.data_as<float>();
  const int64_t n = weight.numel();
  std::vector<double> absmax(channels, 0.0);
  for (int64_t e = 0; e < n; ++e) {
    const int64_t c = (e / inner) % channels;
    absmax[c] = std::max(absmax[c], static_cast<double>(std::fabs(w[e])));
  }
  for (double a : absmax) q.scales.push_back(a > 0 && std::isfinite(a) ? static_cast<float>(a / 127.0) : 1.f);
  int8_t* out = q.values.data_as<int8_t>();
  for (int64_t e = 0; e < n; ++e) {
    const double v = round_even(w[e] / static_cast<double>(q.scales[(e / inner) % channels]));
    out[e] = static_cast<int8_t>(std::clamp(v, -127.0, 127.0));
  }
  return q;
}

QuantizedBias quantize_bias(const Tensor& bias, float input_scale, const std::vector<float>& weight_scales) {
  LS_CHECK(bias.dtype() == DType::F32, "quantize_bias: expected a FLOAT bias");
  const int64_t n = bias.numel();
  LS_CHECK(weight_scales.size() == 1 || static_cast<int64_t>(weight_scales.size()) == n, "quantize_bias: ", n,
           " bias values but ", weight_scales.size(), " weight scales");
  QuantizedBias q;
  q.values = Tensor(DType::I32, bias.shape());
  const float* b = bias.data_as<float>();
  int32_t* out = q.values.data_as<int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    const float s = input_scale * weight_scales[weight_scales.size() == 1 ? 0 : i];
    q.scales.push_back(s);
    const double v = round_even(b[i] / static_cast<double>(s));
    const double lim = 2147483647.0;
    q.clipped += v > lim || v < -lim - 1;
    out[i] = static_cast<int32_t>(std::clamp(v, -lim - 1, lim));
  }
  // Per-tensor weights: one bias scale, as the DequantizeLinear then has no axis.
  if (weight_scales.size() == 1) q.scales.resize(std::min<size_t>(q.scales.size(), 1));
  return q;
}

}  // namespace layerscope::quant
