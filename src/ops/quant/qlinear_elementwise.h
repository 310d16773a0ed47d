// What the reference kernels of com.microsoft QLinearSigmoid, QLinearLeakyRelu and QLinearMul
// compute per element (contrib_qlinear.cpp), shared with their native kernels
// (kernels/native/qlinear_elementwise.cpp) so both give the same bytes.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

#include "ops/quant/quant_math.h"

namespace layerscope::quant {

// Y = q(f(dq(X))) for each of the 256 bit patterns of the 8-bit type T, indexed by the pattern
// read as uint8. `op` is "QLinearSigmoid" or "QLinearLeakyRelu" (slope `alpha`).
template <typename T>
void qlinear_unary_table(std::string_view op, float alpha, float sx, int32_t zx, float sy, int32_t zy, T table[256]) {
  for (int v = 0; v < 256; ++v) {
    const T q = static_cast<T>(v);  // every bit pattern of the 8-bit type once
    const float x = dequantize(q, sx, zx);
    const float f = op == "QLinearSigmoid" ? 1.f / (1.f + std::exp(-x)) : (x >= 0 ? x : alpha * x);
    table[static_cast<uint8_t>(q)] = quantize<T>(f, sy, zy);
  }
}

// QLinearMul's element: (a - za) * (b - zb) * (sa * sb / sc) in float, rounded half to even,
// plus zc, saturated; `rab` = sa * sb / sc.
template <typename T>
inline T qlinear_mul(T a, T b, float rab, int32_t za, int32_t zb, int32_t zc) {
  const float v = rab * static_cast<float>(a - za) * static_cast<float>(b - zb);
  return saturate<T>(static_cast<double>(round_half_even(v)) + zc);
}

}  // namespace layerscope::quant
