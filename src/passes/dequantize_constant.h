// (q - zero) * scale of a constant integer tensor, in float, as DequantizeLinear defines it:
// what the passes for CPUs without an int8 dot product turn int8 weights into, once, at plan time.
#pragma once
#include "layerscope/tensor.h"

namespace layerscope {

// q: int8, uint8 or int32; scale: float32, one value, or one per index of `axis` (normalised
// to >= 0; -1 with one value); zero: null (0), or as many values as scale, of q's type.
Tensor dequantize_constant(const Tensor& q, const Tensor& scale, const Tensor* zero, int axis);

}  // namespace layerscope
