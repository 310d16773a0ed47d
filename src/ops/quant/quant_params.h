// Scales and zero points of the quantization ops: how their tensors map onto the elements of
// the tensor they quantize, and reading them whatever their element type.
//
// ONNX has three granularities (QuantizeLinear / DequantizeLinear, opsets 10-21):
//   per tensor: a scalar (or one-element 1-D) scale applies to every element;
//   per axis (13+): a 1-D scale of x.shape[axis] elements, one per index along `axis`;
//   blocked (21+, block_size > 0): a scale of x's rank, equal to x's shape except along `axis`,
//     where it has ceil(x.shape[axis] / block_size) elements, each serving block_size
//     consecutive indices.
// The zero point, when given, has the scale's shape.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/op_def.h"

namespace layerscope::quant {

// x seen as [outer, axis_dim, inner] around the quantization axis.
struct ParamLayout {
  bool per_tensor = true;
  int axis = 0;          // normalized; meaningless per tensor
  int64_t outer = 1;     // prod(x.shape[:axis])
  int64_t axis_dim = 1;  // x.shape[axis]
  int64_t inner = 1;     // prod(x.shape[axis+1:])
  int64_t block = 0;     // block_size when blocked, else 0
  int64_t blocks = 1;    // scale elements along the axis when blocked: ceil(axis_dim / block)

  // The scale / zero point element that serves element i (row-major) of x.
  int64_t index(int64_t i) const {
    if (per_tensor) return 0;
    const int64_t c = (i / inner) % axis_dim;
    if (block == 0) return c;
    const int64_t o = i / (inner * axis_dim);
    return (o * blocks + c / block) * inner + i % inner;
  }
};

// Resolves and checks the layout of a scale of shape `scale` for x of shape `x` (errors name
// the node: a scale shape that fits neither granularity, an axis out of range, a bad block
// size). `axis` and `block_size` are the node's attributes (defaults 1 and 0); per-axis scales
// are allowed only when `per_axis_allowed` (opset 13+), blocked ones when block_size > 0.
ParamLayout param_layout(const InferContext& ctx, const Shape& x, const Shape& scale, int64_t axis, int64_t block_size,
                         bool per_axis_allowed);
// The same without a context, at run time (the shapes were checked by infer()).
ParamLayout param_layout(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size);

// A zero point (input `zp_index`), when present, must have the scale's shape and type `want`.
void check_zero_point(const InferContext& ctx, int zp_index, const char* zp_name, int scale_index, DType want);

// The scale types: float32 always, float16 / bfloat16 where the op's opset allows them.
bool is_scale_type(DType t);
// Values of a float32 / float16 / bfloat16 tensor as float.
std::vector<float> floats_of(const Tensor& t);
// Values of a 4-, 8-, 16- or 32-bit integer tensor as int32; an omitted tensor (nullptr) gives
// one 0 (the default zero point).
std::vector<int32_t> ints_of(const Tensor* t);
// v rounded to the precision of `t` (float16 / bfloat16 arithmetic is float arithmetic
// rounded to the type after every operation, as numpy does it), returned as float.
float round_to(DType t, double v);
// Writes v (already float) as element i of a float32 / float16 / bfloat16 tensor.
void store_float(Tensor& t, int64_t i, float v);
// Reads element i of a float32 / float16 / bfloat16 / int32 tensor as float.
float load_float(const Tensor& t, int64_t i);

// Calls f(T{}) for the integer quantized types int8, uint8, int16, uint16, int32.
template <typename F>
void dispatch_quant_int(DType dt, F&& f) {
  switch (dt) {
    case DType::I8: f(int8_t{}); break;
    case DType::U8: f(uint8_t{}); break;
    case DType::I16: f(int16_t{}); break;
    case DType::U16: f(uint16_t{}); break;
    case DType::I32: f(int32_t{}); break;
    default: fail("quantized element type ", dtype_name(dt), " is not supported");
  }
}

// "INT8, UINT8" for error messages.
std::string type_list(std::span<const DType> types);

}  // namespace layerscope::quant
