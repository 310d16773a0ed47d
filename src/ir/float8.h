// The four float8 formats of ONNX (TensorProto FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2,
// FLOAT8E5M2FNUZ; opset 19): decoding a bit pattern to float and encoding a value, as the Cast
// operator's specification states it.
//
//   format      exponent bias  largest finite  infinity   NaN                  negative zero
//   E4M3FN      4 bits   7     0x7E = 448      none       0x7F, 0xFF           0x80
//   E4M3FNUZ    4 bits   8     0x7F = 240      none       0x80 only            none
//   E5M2        5 bits   15    0x7B = 57344    0x7C/0xFC  0x7D-0x7F, 0xFD-0xFF 0x80
//   E5M2FNUZ    5 bits   16    0x7F = 57344    none       0x80 only            none
//
// Encoding rounds x to the format's mantissa width, to nearest with ties to even, once (from
// the double it is given: float, float16 and the float8 types are all exact in double), then:
//   saturate (the default of Cast and QuantizeLinear): a rounded value beyond the largest finite
//     one, and an infinity, become the largest finite value of its sign;
//   without saturate: they become infinity of their sign in E5M2 and NaN in the others;
//   NaN stays NaN (0x7F with x's sign in E4M3FN and E5M2, 0x80 in the FNUZ formats);
//   zero and values rounding to zero keep their sign, except in the FNUZ formats (no -0: 0x00).
#pragma once
#include <cstdint>

#include "layerscope/tensor.h"

namespace layerscope {

// True for the four float8 types.
bool is_float8(DType t);
// The value of float8 bits `bits` of type `t` (exact; NaN for the NaN patterns).
float float8_to_float(uint8_t bits, DType t);
// x encoded as float8 of type `t`, rounded to nearest even, saturating when `saturate`.
uint8_t float_to_float8(double x, DType t, bool saturate);
// True when `bits` is a NaN of type `t`.
bool float8_is_nan(uint8_t bits, DType t);

}  // namespace layerscope
