// int8 quantization parameters in onnxruntime's S8S8 QDQ conventions (quantize_static with
// QuantType.QInt8 for activations and weights), so onnxruntime and our own int8 kernels read the
// files the same way:
//   activations  asymmetric: range widened to contain 0, scale = (hi - lo) / 255,
//                zero_point = round(-128 - lo / scale) in [-128, 127]
//   weights      symmetric: scale = max|w| / 127, zero point 0, values in [-127, 127],
//                per output channel (or per tensor)
//   biases       int32, scale = input scale * weight scale (per channel), zero point 0
// round() is round-half-to-even, as numpy's. A range or channel that is all zero gets scale 1.
#pragma once
#include <cstdint>
#include <vector>

#include "layerscope/tensor.h"
#include "quant/tensor_stats.h"

namespace layerscope::quant {

struct ActivationParams {
  float scale = 1;
  int8_t zero_point = 0;
};
ActivationParams activation_params(const Range& range);

// A weight tensor quantized to int8; `scales` has one entry per slice along `axis`
// (axis -1: one scale for the whole tensor).
struct QuantizedWeight {
  Tensor values;  // I8, the weight's shape
  std::vector<float> scales;
  int axis = -1;
};
// `weight` is F32; `axis` in [0, rank) or -1 for per-tensor.
QuantizedWeight quantize_weight(const Tensor& weight, int axis);

// `bias` F32 of n elements; `weight_scales` of n entries, or one (per-tensor weight).
struct QuantizedBias {
  Tensor values;  // I32
  std::vector<float> scales;
  int clipped = 0;  // values beyond the int32 range (saturated)
};
QuantizedBias quantize_bias(const Tensor& bias, float input_scale, const std::vector<float>& weight_scales);

}  // namespace layerscope::quant
