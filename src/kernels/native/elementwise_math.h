// Vectorised float32 math over contiguous arrays (AVX-512 when compiled for it, else plain
// loops over the C library functions). Accuracy of the AVX-512 versions against long-double
// references, sampled densely over the whole useful range: exp 1.1 ulp, sigmoid 2.4, tanh 1.4,
// erf 2.4, sqrt 0.5. gelu is ~3 ulp where |y| > 1e-6; in the far negative tail (|y| < 1e-6)
// the rounding of x^2 inside exp(-x^2/2) costs up to ~30 ulp relative (absolute < 1e-13).
#pragma once
#include <cstdint>

namespace layerscope::native {

void relu_f32(const float* x, float* y, int64_t n);
void sqrt_f32(const float* x, float* y, int64_t n);
void square_f32(const float* x, float* y, int64_t n);
// pow(x, 0.5): sqrt except pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf (C99 Annex F).
void pow_half_f32(const float* x, float* y, int64_t n);
void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);
void tanh_f32(const float* x, float* y, int64_t n);
void erf_f32(const float* x, float* y, int64_t n);
// Gelu: x * Phi(x) (exact) and 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu_f32(const float* x, float* y, int64_t n);
void gelu_tanh_f32(const float* x, float* y, int64_t n);

}  // namespace layerscope::native
