// The vector operations of the native recurrent kernel (recurrent_steps.cpp), for AVX-512 (16
// lanes) and AVX2 + FMA (8 lanes), and the gate activations written once over them: exp,
// sigmoid and tanh evaluated in registers, so a cell's gates never leave them between the
// recurrent product and the state update.
//
// Accuracy (the formulas and coefficients of elementwise_math.cpp, within ~2 ulp of float):
//   e^x = 2^n e^r, n = round(x / ln 2), |r| <= ln 2 / 2, e^r by a degree-6 polynomial; 2^n is
//       built in the exponent bits, so x is clamped to [-87.3, 88.3] (n in [-126, 127]): below,
//       the result is 2^-126-ish instead of a subnormal or 0, which no gate can tell apart.
//   sigmoid(x) = 1 / (1 + e^-x);
//   tanh(x) = x p(x^2) for |x| < 0.625, else sign(x) (1 - 2 / (e^(2|x|) + 1)).
// NaN propagates (the clamps keep a NaN operand).
#pragma once
#include "util/simd.h"

namespace layerscope::native::simd {

#if defined(__AVX512F__)
#define LAYERSCOPE_RECURRENT_AVX512 1
struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  // Stores lanes [0, n), n in [1, kLanes].
  static void store_first(float* p, V v, int n) { _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1u), v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V zero() { return _mm512_setzero_ps(); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }    // a b + c
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a b
  static V min(V a, V b) { return _mm512_min_ps(a, b); }                // b when either is NaN
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V round(V x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n for integral n in [-126, 127].
  static V pow2(V n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static V abs(V x) { return _mm512_abs_ps(x); }
  // |mag| with the sign bit of `sign` (mag non-negative).
  static V with_sign_of(V mag, V sign) {
    const __m512i s = _mm512_and_si512(_mm512_castps_si512(sign), _mm512_set1_epi32(int(0x80000000u)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(mag), s));
  }
  // a < bound ? if_less : otherwise, per lane.
  static V select_less(V a, V bound, V if_less, V otherwise) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, bound, _CMP_LT_OQ), otherwise, if_less);
  }
};
#endif

#if defined(__AVX2__) && defined(__FMA__)
#define LAYERSCOPE_RECURRENT_AVX2 1
struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void store_first(float* p, V v, int n) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane), v);
  }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V round(V x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V pow2(V n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static V abs(V x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.f), x); }
  static V with_sign_of(V mag, V sign) { return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.f))); }
  static V select_less(V a, V bound, V if_less, V otherwise) {
    return _mm256_blendv_ps(otherwise, if_less, _mm256_cmp_ps(a, bound, _CMP_LT_OQ));
  }
};
#endif

template <class S>
inline typename S::V exp(typename S::V x) {
  using V = typename S::V;
  x = S::min(S::set1(88.3f), S::max(S::set1(-87.3f), x));
  const V n = S::round(S::mul(x, S::set1(1.44269504089f)));
  V r = S::fnmadd(n, S::set1(0.693145751953125f), x);  // ln 2 split: n * hi is exact
  r = S::fnmadd(n, S::set1(1.428606765330187e-06f), r);
  V p = S::set1(1.394110848e-03f);
  p = S::fmadd(p, r, S::set1(8.375125937e-03f));
  p = S::fmadd(p, r, S::set1(4.166635126e-02f));
  p = S::fmadd(p, r, S::set1(1.666641533e-01f));
  p = S::fmadd(p, r, S::set1(0.5f));
  p = S::fmadd(p, r, S::set1(1.0f));
  p = S::fmadd(p, r, S::set1(1.0f));
  return S::mul(p, S::pow2(n));
}

template <class S>
inline typename S::V sigmoid(typename S::V x) {
  const typename S::V one = S::set1(1.0f);
  return S::div(one, S::add(one, exp<S>(S::sub(S::zero(), x))));
}

template <class S>
inline typename S::V tanh(typename S::V x) {
  using V = typename S::V;
  const V a = S::abs(x), u = S::mul(a, a);
  V p = S::set1(-5.657135043e-03f);
  p = S::fmadd(p, u, S::set1(2.058819123e-02f));
  p = S::fmadd(p, u, S::set1(-5.372010916e-02f));
  p = S::fmadd(p, u, S::set1(1.333111376e-01f));
  p = S::fmadd(p, u, S::set1(-3.333325982e-01f));
  p = S::fmadd(p, u, S::set1(1.0f));
  const V small = S::mul(a, p);
  const V e = exp<S>(S::add(a, a));
  const V big = S::sub(S::set1(1.0f), S::div(S::set1(2.0f), S::add(e, S::set1(1.0f))));
  return S::with_sign_of(S::select_less(a, S::set1(0.625f), small, big), x);
}

}  // namespace layerscope::native::simd
