#include "ir/float8.h"

#include <cmath>

#include "ir/error.h"

namespace layerscope {

namespace {

// One float8 format: 1 sign bit, 7 - mbits exponent bits, mbits mantissa bits.
struct Format {
  int mbits;
  int bias;
  uint8_t max_bits;  // the largest finite value's pattern
  double max_value;  // and its value
  bool has_inf;      // E5M2: exponent all ones is infinity (mantissa 0) or NaN
  bool uz;           // "unsigned zero": 0x80 is the only NaN, there is no -0
};

const Format& format_of(DType t) {
  static const Format e4m3fn{3, 7, 0x7E, 448.0, false, false};
  static const Format e4m3fnuz{3, 8, 0x7F, 240.0, false, true};
  static const Format e5m2{2, 15, 0x7B, 57344.0, true, false};
  static const Format e5m2fnuz{2, 16, 0x7F, 57344.0, false, true};
  switch (t) {
    case DType::F8E4M3FN: return e4m3fn;
    case DType::F8E4M3FNUZ: return e4m3fnuz;
    case DType::F8E5M2: return e5m2;
    case DType::F8E5M2FNUZ: return e5m2fnuz;
    default: fail("element type ", dtype_name(t), " is not a float8 type");
  }
}

}  // namespace

bool is_float8(DType t) {
  return t == DType::F8E4M3FN || t == DType::F8E4M3FNUZ || t == DType::F8E5M2 || t == DType::F8E5M2FNUZ;
}

bool float8_is_nan(uint8_t bits, DType t) {
  const Format& f = format_of(t);
  if (f.uz) return bits == 0x80;
  if (f.has_inf) return (bits & 0x7F) > 0x7C;  // exponent all ones, mantissa not 0
  return (bits & 0x7F) == 0x7F;                // E4M3FN: exponent and mantissa all ones
}

float float8_to_float(uint8_t bits, DType t) {
  const Format& f = format_of(t);
  if (float8_is_nan(bits, t)) return NAN;
  const bool negative = (bits & 0x80) != 0;
  const int ebits = 7 - f.mbits;
  const int e = (bits >> f.mbits) & ((1 << ebits) - 1);
  const int m = bits & ((1 << f.mbits) - 1);
  double v;
  if (f.has_inf && e == (1 << ebits) - 1) v = INFINITY;      // mantissa 0: NaNs were handled above
  else if (e == 0) v = std::ldexp(m, 1 - f.bias - f.mbits);  // subnormal: m units of the last place
  else v = std::ldexp(m + (1 << f.mbits), e - f.bias - f.mbits);
  return static_cast<float>(negative ? -v : v);
}

uint8_t float_to_float8(double x, DType t, bool saturate) {
  const Format& f = format_of(t);
  const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
  const uint8_t nan = f.uz ? 0x80 : static_cast<uint8_t>(0x7F | sign);
  if (std::isnan(x)) return nan;
  // Beyond the largest finite value after rounding, or infinite: the Cast spec's two tables.
  const uint8_t overflow =
      saturate ? static_cast<uint8_t>(sign | f.max_bits) : (f.has_inf ? static_cast<uint8_t>(sign | 0x7C) : nan);
  const uint8_t zero = f.uz ? 0x00 : sign;
  const double a = std::fabs(x);
  if (std::isinf(a)) return overflow;
  if (a == 0) return zero;
  int e;
  std::frexp(a, &e);
  e -= 1;  // a is in [2^e, 2^(e+1))
  // One unit in the last place is 2^q: 2^(e - mbits) for normal values, and for values below the
  // smallest normal one 2^(emin - mbits), the subnormals' fixed spacing. Scaling by 2^-q is exact,
  // so nearbyint (ties to even in the default floating-point environment) is the only rounding.
  const int emin = 1 - f.bias;
  int q = (e < emin ? emin : e) - f.mbits;
  double m = std::nearbyint(std::ldexp(a, -q));  // 0 .. 2^(mbits+1)
  if (m == 0) return zero;
  if (std::ldexp(m, q) > f.max_value) return overflow;
  if (m < (1 << f.mbits)) return static_cast<uint8_t>(sign | static_cast<int>(m));  // subnormal
  if (m == (2 << f.mbits)) {  // rounded up to the next power of two
    m /= 2;
    ++q;
  }
  // A subnormal rounding up to 2^mbits lands here too, as the smallest normal (exponent field 1).
  const int exponent_field = q + f.mbits + f.bias;
  return static_cast<uint8_t>(sign | (exponent_field << f.mbits) | (static_cast<int>(m) - (1 << f.mbits)));
}

}  // namespace layerscope
