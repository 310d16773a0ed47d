// The arithmetic of linear quantization, in one place for the reference kernels of the
// quantization ops (ops/quant/) and the fused int8 layers built on them:
//   quantize:    q = saturate(round_half_even(x / scale) + zero_point)
//   dequantize:  x = (q - zero_point) * scale
//   requantize:  an int32 accumulator of (a - a_zp) * (b - b_zp) products, whose real value is
//                acc * a_scale * b_scale, brought to the output's scale and zero point:
//                q = saturate(round_half_even(acc * multiplier) + y_zp),
//                multiplier = a_scale * b_scale / y_scale.
// Rounding is to the nearest integer with ties to even (2.5 -> 2, -2.5 -> -2, 3.5 -> 4), as
// ONNX (numpy's rint) and onnxruntime round; std::nearbyint does this in the default
// floating-point environment, which nothing in the library changes.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace layerscope::quant {

// Nearest integer, halves to even.
inline double round_half_even(double v) { return std::nearbyint(v); }
inline float round_half_even(float v) { return std::nearbyint(v); }

// v clamped to T's range and converted (NaN gives 0: a defined choice, the spec leaves it open).
template <typename T>
T saturate(double v) {
  if (std::isnan(v)) return T(0);
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  return static_cast<T>(v < lo ? lo : (v > hi ? hi : v));
}

// x / scale is divided in float, as ONNX's reference and onnxruntime do, so a value that lands
// exactly on a half step rounds the same way here; the zero point is added after rounding.
template <typename T>
T quantize(float x, float scale, int32_t zero_point) {
  return saturate<T>(static_cast<double>(round_half_even(x / scale)) + zero_point);
}

// (q - zero_point) * scale: the difference is exact in float for every 8- and 16-bit type.
inline float dequantize(int32_t q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int64_t>(q) - zero_point) * scale;
}

// acc * multiplier in float (float(acc) is exact below 2^24), rounded half to even, plus the
// output zero point, saturated to T. Float, as onnxruntime's requantization (MLAS) computes it:
// ONNX's reference multiplies in double, and the two differ by one step wherever the float
// product rounds across a half; ORT's rounding is the one a quantized model is calibrated and
// compared on (one QLinearConv of MobileNetV2 on random input: 0 differences in float, 1 in
// double), and the backend node tests pass with either. `multiplier` = a_scale * b_scale /
// y_scale, computed by the caller in the scales' own precision.
template <typename T>
T requantize(int32_t acc, float multiplier, int32_t zero_point) {
  return saturate<T>(static_cast<double>(round_half_even(static_cast<float>(acc) * multiplier)) + zero_point);
}

}  // namespace layerscope::quant
