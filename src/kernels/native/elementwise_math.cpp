// Vectorised float32 math. The polynomial coefficients were fitted for this file by
// Chebyshev interpolation in long double on the stated intervals, then checked in float.
#include "kernels/native/elementwise_math.h"

#include <cmath>

#if defined(__AVX512F__)
#include "util/simd.h"
#endif

namespace layerscope::native {

void relu_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] < 0.f ? 0.f : x[i];  // NaN passes through
}

void square_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
}

#if defined(__AVX512F__)

namespace {

inline __m512 set1(float v) { return _mm512_set1_ps(v); }

// p(r) = c0 + c1 r + ... by Horner with FMAs.
template <int N>
inline __m512 horner(__m512 r, const float (&c)[N]) {
  __m512 p = set1(c[N - 1]);
  for (int i = N - 2; i >= 0; --i) p = _mm512_fmadd_ps(p, r, set1(c[i]));
  return p;
}

// e^x = 2^n e^r with n = round(x / ln 2), |r| <= ln2 / 2; e^r by a degree-6 polynomial
// (1.25 ulp); scalef applies 2^n with correct overflow to inf and gradual underflow.
// The clamp keeps r small for huge |x|; max/min operand order lets NaN through.
inline __m512 exp512(__m512 x) {
  static constexpr float kExp[] = {
      1.0f, 1.0f, 0.5f, 1.666641533e-01f, 4.166635126e-02f, 8.375125937e-03f, 1.394110848e-03f};
  x = _mm512_min_ps(set1(88.8f), _mm512_max_ps(set1(-104.0f), x));
  __m512 n =
      _mm512_roundscale_ps(_mm512_mul_ps(x, set1(1.44269504089f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, set1(0.693145751953125f), x);  // ln 2 split: n * hi is exact
  r = _mm512_fnmadd_ps(n, set1(1.428606765330187e-06f), r);
  return _mm512_scalef_ps(horner(r, kExp), n);
}

inline __m512 abs512(__m512 x) { return _mm512_abs_ps(x); }

// Sign of `s` applied to non-negative `v`.
inline __m512 with_sign_of(__m512 v, __m512 s) {
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(int(0x80000000u)));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(v), sign));
}

// erf(a) / a as a polynomial in u = a^2 on [0, 1] (a < 1).
constexpr float kErfSmall[] = {1.128379107e+00f,  -3.761234283e-01f, 1.128031686e-01f,
                               -2.671505511e-02f, 4.921761807e-03f,  -5.648059887e-04f};
// erfc(a) e^(a^2) on [1, 3.92] as a polynomial in t = (a - 2.46) / 1.46.
constexpr float kErfcxMid = 2.46f, kErfcxScale = 6.849315166e-01f;
constexpr float kErfcx[] = {2.138206810e-01f, -1.115171984e-01f, 5.525618419e-02f, -2.616173588e-02f,
                            1.189763006e-02f, -5.249400623e-03f, 2.222521231e-03f, -8.343130467e-04f,
                            3.361408599e-04f, -2.097090473e-04f, 7.802067557e-05f};
// Beyond this erf(a) rounds to 1 in float.
constexpr float kErfOne = 3.92f;

// erfc(a) for a >= 1 (a clamped to kErfOne), as e^(-a^2) erfcx(a).
inline __m512 erfc_mid512(__m512 a) {
  a = _mm512_min_ps(set1(kErfOne), a);
  __m512 t = _mm512_mul_ps(_mm512_sub_ps(a, set1(kErfcxMid)), set1(kErfcxScale));
  __m512 e = exp512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a));
  return _mm512_mul_ps(e, horner(t, kErfcx));
}

inline __m512 erf512(__m512 x) {
  const __m512 a = abs512(x);
  const __mmask16 small = _mm512_cmp_ps_mask(a, set1(1.0f), _CMP_LT_OQ);
  __m512 r = _mm512_mul_ps(a, horner(_mm512_mul_ps(a, a), kErfSmall));
  if (small != 0xFFFF) {  // skip the erfc branch when no lane needs it
    __m512 big = _mm512_sub_ps(set1(1.0f), erfc_mid512(a));
    big = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, set1(kErfOne), _CMP_GE_OQ), big, set1(1.0f));
    r = _mm512_mask_blend_ps(small, big, r);
  }
  return with_sign_of(r, x);
}

// tanh(a) / a as a polynomial in u = a^2 on [0, 0.625^2]; above, 1 - 2 / (e^(2a) + 1),
// which loses at most a bit to cancellation there.
constexpr float kTanhSmall[] = {1.000000000e+00f,  -3.333325982e-01f, 1.333111376e-01f,
                                -5.372010916e-02f, 2.058819123e-02f,  -5.657135043e-03f};

inline __m512 tanh512(__m512 x) {
  const __m512 a = abs512(x);
  const __mmask16 small = _mm512_cmp_ps_mask(a, set1(0.625f), _CMP_LT_OQ);
  __m512 r = _mm512_mul_ps(a, horner(_mm512_mul_ps(a, a), kTanhSmall));
  if (small != 0xFFFF) {
    __m512 e = exp512(_mm512_add_ps(a, a));
    __m512 big = _mm512_sub_ps(set1(1.0f), _mm512_div_ps(set1(2.0f), _mm512_add_ps(e, set1(1.0f))));
    r = _mm512_mask_blend_ps(small, big, r);
  }
  return with_sign_of(r, x);
}

inline __m512 sigmoid512(__m512 x) {
  __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), x));
  return _mm512_div_ps(set1(1.0f), _mm512_add_ps(set1(1.0f), e));
}

// x * Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2. With a = |x| / sqrt 2: for x < 0,
// Phi = erfc(a) / 2 is computed directly (no 1 - erf cancellation in the negative tail).
inline __m512 gelu512(__m512 x) {
  const __m512 a = abs512(_mm512_mul_ps(x, set1(0.70710678118654752f)));
  const __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __mmask16 small = _mm512_cmp_ps_mask(a, set1(1.0f), _CMP_LT_OQ);
  // half_erfc = erfc(a) / 2
  __m512 half_erfc = _mm512_fnmadd_ps(_mm512_mul_ps(a, horner(_mm512_mul_ps(a, a), kErfSmall)), set1(0.5f), set1(0.5f));
  if (small != 0xFFFF) {
    __m512 big = _mm512_mul_ps(set1(0.5f), erfc_mid512(a));
    big = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, set1(kErfOne), _CMP_GE_OQ), big, _mm512_setzero_ps());
    half_erfc = _mm512_mask_blend_ps(small, big, half_erfc);
  }
  __m512 phi = _mm512_mask_blend_ps(neg, _mm512_sub_ps(set1(1.0f), half_erfc), half_erfc);
  return _mm512_mul_ps(x, phi);
}

// 0.5 x (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
inline __m512 gelu_tanh512(__m512 x) {
  __m512 x3 = _mm512_mul_ps(_mm512_mul_ps(x, x), x);
  __m512 two_u = _mm512_mul_ps(_mm512_fmadd_ps(x3, set1(0.044715f), x), set1(2.0f * 0.7978845608028654f));
  return _mm512_mul_ps(x, sigmoid512(two_u));
}

// Applies f to 16 floats at a time; the tail uses masked loads/stores (masked-off lanes are
// zero, harmless for every f here).
template <typename F>
inline void map512(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace

void sqrt_f32(const float* x, float* y, int64_t n) {
  map512(x, y, n, [](__m512 v) { return _mm512_sqrt_ps(v); });
}
void pow_half_f32(const float* x, float* y, int64_t n) {
  map512(x, y, n, [](__m512 v) {
    __m512 r = _mm512_add_ps(_mm512_sqrt_ps(v), _mm512_setzero_ps());  // -0 + 0 = +0
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, set1(-INFINITY), _CMP_EQ_OQ), r, set1(INFINITY));
  });
}
void exp_f32(const float* x, float* y, int64_t n) { map512(x, y, n, exp512); }
void sigmoid_f32(const float* x, float* y, int64_t n) { map512(x, y, n, sigmoid512); }
void tanh_f32(const float* x, float* y, int64_t n) { map512(x, y, n, tanh512); }
void erf_f32(const float* x, float* y, int64_t n) { map512(x, y, n, erf512); }
void gelu_f32(const float* x, float* y, int64_t n) { map512(x, y, n, gelu512); }
void gelu_tanh_f32(const float* x, float* y, int64_t n) { map512(x, y, n, gelu_tanh512); }

#else  // portable fallback: the C library, one element at a time

void sqrt_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]);
}
void pow_half_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::pow(x[i], 0.5f);
}
void exp_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void sigmoid_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
}
void tanh_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void erf_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
}
void gelu_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * std::erfc(-x[i] * 0.70710678118654752f);
}
void gelu_tanh_f32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    y[i] = 0.5f * v * (1.f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  }
}

#endif

}  // namespace layerscope::native
