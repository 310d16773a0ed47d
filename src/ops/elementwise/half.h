// float16 / bfloat16 bit conversions for Cast: exact decoding, and encoding with IEEE
// round-to-nearest-even (including subnormals, overflow to infinity and NaN).
#pragma once
#include <cmath>
#include <cstdint>

namespace layerscope::elementwise {

// Encodes x in a binary format with 1 sign, `ebits` exponent and `mbits` mantissa bits.
// Rounding happens once, from double, so float and double inputs both round correctly:
// the value is scaled by a power of two (exact) so that one unit in the last place is 1,
// and nearbyint rounds to the nearest integer, ties to even (the default FP environment).
inline uint16_t encode_small_float(double x, int ebits, int mbits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const uint32_t sign = std::signbit(x) ? 1u << (ebits + mbits) : 0u;
  const uint32_t exp_all_ones = ((1u << ebits) - 1) << mbits;
  if (std::isnan(x)) return static_cast<uint16_t>(sign | exp_all_ones | (1u << (mbits - 1)));  // quiet NaN
  const double a = std::fabs(x);
  if (std::isinf(a)) return static_cast<uint16_t>(sign | exp_all_ones);
  if (a == 0) return static_cast<uint16_t>(sign);
  int e;
  std::frexp(a, &e);
  e -= 1;  // a is in [2^e, 2^(e+1))
  const int emin = 1 - bias;
  if (e < emin) {
    // Subnormal: units of 2^(emin - mbits). Rounding up to 2^mbits yields exactly the
    // smallest normal's encoding (exponent field 1, mantissa 0).
    const double m = std::nearbyint(std::ldexp(a, mbits - emin));
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(m));
  }
  double m = std::nearbyint(std::ldexp(a, mbits - e));  // in [2^mbits, 2^(mbits+1)]
  if (m == std::ldexp(1.0, mbits + 1)) {
    m /= 2;
    ++e;
  }
  if (e > bias) return static_cast<uint16_t>(sign | exp_all_ones);  // overflow: infinity
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(e + bias) << mbits) |
                               (static_cast<uint32_t>(m) - (1u << mbits)));
}

inline float decode_small_float(uint16_t bits, int ebits, int mbits) {
  const int bias = (1 << (ebits - 1)) - 1;
  const bool neg = (bits >> (ebits + mbits)) & 1;
  const uint32_t e = (bits >> mbits) & ((1u << ebits) - 1);
  const uint32_t m = bits & ((1u << mbits) - 1);
  double v;
  if (e == (1u << ebits) - 1) v = m ? NAN : INFINITY;
  else if (e == 0) v = std::ldexp(static_cast<double>(m), 1 - bias - mbits);
  else v = std::ldexp(static_cast<double>(m + (1u << mbits)), static_cast<int>(e) - bias - mbits);
  return static_cast<float>(neg ? -v : v);
}

inline uint16_t float_to_half_bits(double x) { return encode_small_float(x, 5, 10); }
inline float half_bits_to_float(uint16_t h) { return decode_small_float(h, 5, 10); }
inline uint16_t float_to_bfloat16_bits(double x) { return encode_small_float(x, 8, 7); }
inline float bfloat16_bits_to_float(uint16_t h) { return decode_small_float(h, 8, 7); }

}  // namespace layerscope::elementwise
