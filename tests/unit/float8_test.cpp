// The float8 conversions (ir/float8.h) against the facts of the ONNX spec (the Cast operator's
// tables, onnx.numpy_helper's decoding): every bit pattern of every flavour, the saturate tables,
// NaN, infinities, signed zeros, and ties to even between every pair of neighbouring values.
#include "ir/float8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace layerscope {
namespace {

const DType kFlavours[] = {DType::F8E4M3FN, DType::F8E4M3FNUZ, DType::F8E5M2, DType::F8E5M2FNUZ};

// The finite positive values of `t`, ascending (bit patterns 0x01 .. largest finite).
std::vector<double> positive_values(DType t) {
  std::vector<double> v;
  for (int b = 1; b < 0x80; ++b) {
    const float f = float8_to_float(static_cast<uint8_t>(b), t);
    if (std::isfinite(f)) v.push_back(f);
  }
  return v;
}

bool even_mantissa(uint8_t bits) { return (bits & 1) == 0; }

TEST(Float8, DecodesKnownPatterns) {
  // 1.0: exponent field = bias.
  EXPECT_EQ(float8_to_float(0x38, DType::F8E4M3FN), 1.f);
  EXPECT_EQ(float8_to_float(0x40, DType::F8E4M3FNUZ), 1.f);
  EXPECT_EQ(float8_to_float(0x3C, DType::F8E5M2), 1.f);
  EXPECT_EQ(float8_to_float(0x40, DType::F8E5M2FNUZ), 1.f);
  // Largest finite values.
  EXPECT_EQ(float8_to_float(0x7E, DType::F8E4M3FN), 448.f);
  EXPECT_EQ(float8_to_float(0xFE, DType::F8E4M3FN), -448.f);
  EXPECT_EQ(float8_to_float(0x7F, DType::F8E4M3FNUZ), 240.f);
  EXPECT_EQ(float8_to_float(0x7B, DType::F8E5M2), 57344.f);
  EXPECT_EQ(float8_to_float(0x7F, DType::F8E5M2FNUZ), 57344.f);
  // Smallest subnormals: 2^(1 - bias - mbits).
  EXPECT_EQ(float8_to_float(0x01, DType::F8E4M3FN), std::ldexp(1.f, -9));
  EXPECT_EQ(float8_to_float(0x01, DType::F8E4M3FNUZ), std::ldexp(1.f, -10));
  EXPECT_EQ(float8_to_float(0x01, DType::F8E5M2), std::ldexp(1.f, -16));
  EXPECT_EQ(float8_to_float(0x01, DType::F8E5M2FNUZ), std::ldexp(1.f, -17));
  // Zeros: -0 exists only where 0x80 is not the NaN.
  EXPECT_TRUE(std::signbit(float8_to_float(0x80, DType::F8E4M3FN)));
  EXPECT_EQ(float8_to_float(0x80, DType::F8E5M2), 0.f);
  EXPECT_TRUE(std::isnan(float8_to_float(0x80, DType::F8E4M3FNUZ)));
  EXPECT_TRUE(std::isnan(float8_to_float(0x80, DType::F8E5M2FNUZ)));
  // NaN and infinity patterns.
  EXPECT_TRUE(std::isnan(float8_to_float(0x7F, DType::F8E4M3FN)));
  EXPECT_TRUE(std::isnan(float8_to_float(0xFF, DType::F8E4M3FN)));
  EXPECT_EQ(float8_to_float(0x7C, DType::F8E5M2), INFINITY);
  EXPECT_EQ(float8_to_float(0xFC, DType::F8E5M2), -INFINITY);
  for (int b : {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF})
    EXPECT_TRUE(std::isnan(float8_to_float(static_cast<uint8_t>(b), DType::F8E5M2))) << b;
  // Only E5M2 has infinities; only the NaN patterns above are NaN.
  for (DType t : kFlavours) {
    int nans = 0, infs = 0;
    for (int b = 0; b < 256; ++b) {
      const float f = float8_to_float(static_cast<uint8_t>(b), t);
      nans += std::isnan(f);
      infs += std::isinf(f);
      EXPECT_EQ(std::isnan(f), float8_is_nan(static_cast<uint8_t>(b), t)) << dtype_name(t) << " " << b;
    }
    EXPECT_EQ(nans, t == DType::F8E5M2 ? 6 : t == DType::F8E4M3FN ? 2 : 1) << dtype_name(t);
    EXPECT_EQ(infs, t == DType::F8E5M2 ? 2 : 0) << dtype_name(t);
  }
}

TEST(Float8, EveryBitPatternRoundTrips) {
  for (DType t : kFlavours) {
    for (int b = 0; b < 256; ++b) {
      const uint8_t bits = static_cast<uint8_t>(b);
      const float f = float8_to_float(bits, t);
      for (bool saturate : {true, false}) {
        const uint8_t back = float_to_float8(f, t, saturate);
        if (std::isnan(f)) {
          EXPECT_TRUE(float8_is_nan(back, t)) << dtype_name(t) << " " << b;
        } else if (std::isinf(f) && saturate) {
          EXPECT_EQ(back, (bits & 0x80) | 0x7B) << "infinity saturates to the largest finite value, " << b;
        } else {
          EXPECT_EQ(back, bits) << dtype_name(t) << " pattern " << b << " (" << f << "), saturate " << saturate;
        }
      }
    }
  }
}

TEST(Float8, NaNKeepsItsSignWhereTheFormatHasOne) {
  EXPECT_EQ(float_to_float8(NAN, DType::F8E4M3FN, true), 0x7F);
  EXPECT_EQ(float_to_float8(-NAN, DType::F8E4M3FN, true), 0xFF);
  EXPECT_EQ(float_to_float8(NAN, DType::F8E5M2, false), 0x7F);
  EXPECT_EQ(float_to_float8(-NAN, DType::F8E5M2, false), 0xFF);
  EXPECT_EQ(float_to_float8(-NAN, DType::F8E4M3FNUZ, true), 0x80);
  EXPECT_EQ(float_to_float8(NAN, DType::F8E5M2FNUZ, false), 0x80);
}

// The Cast spec's two tables, row by row: 0, -0, NaN, +-Inf, [x] > FLT_MAX, [x] < -FLT_MAX.
TEST(Float8, SaturateTables) {
  struct Row {
    DType t;
    double x;
    int saturated, unsaturated;
  };
  const Row rows[] = {
      {DType::F8E4M3FN, 0.0, 0x00, 0x00},
      {DType::F8E4M3FN, -0.0, 0x80, 0x80},
      {DType::F8E4M3FN, INFINITY, 0x7E, 0x7F},
      {DType::F8E4M3FN, -INFINITY, 0xFE, 0xFF},
      {DType::F8E4M3FN, 1e6, 0x7E, 0x7F},
      {DType::F8E4M3FN, -1e6, 0xFE, 0xFF},
      {DType::F8E4M3FNUZ, -0.0, 0x00, 0x00},
      {DType::F8E4M3FNUZ, INFINITY, 0x7F, 0x80},
      {DType::F8E4M3FNUZ, -INFINITY, 0xFF, 0x80},
      {DType::F8E4M3FNUZ, 1e6, 0x7F, 0x80},
      {DType::F8E4M3FNUZ, -1e6, 0xFF, 0x80},
      {DType::F8E5M2, -0.0, 0x80, 0x80},
      {DType::F8E5M2, INFINITY, 0x7B, 0x7C},
      {DType::F8E5M2, -INFINITY, 0xFB, 0xFC},
      {DType::F8E5M2, 1e6, 0x7B, 0x7C},
      {DType::F8E5M2, -1e6, 0xFB, 0xFC},
      {DType::F8E5M2FNUZ, -0.0, 0x00, 0x00},
      {DType::F8E5M2FNUZ, INFINITY, 0x7F, 0x80},
      {DType::F8E5M2FNUZ, -1e6, 0xFF, 0x80},
      // Just past the largest finite value: [x] is what counts. E4M3FN: 464 is the tie between 448
      // and 480 (the NaN pattern's value), so it rounds to even 448; above it rounds to 480 > max.
      // (onnx.helper and onnxruntime 1.20 give 448 for x in [480, 496) without saturate: the spec's
      // table says NaN.)
      {DType::F8E4M3FN, 460, 0x7E, 0x7E},
      {DType::F8E4M3FN, 464, 0x7E, 0x7E},
      {DType::F8E4M3FN, 465, 0x7E, 0x7F},
      {DType::F8E4M3FN, 480, 0x7E, 0x7F},
      {DType::F8E4M3FN, 490, 0x7E, 0x7F},
      // E4M3FNUZ: 248 is the tie between 240 and 256 = 2^8, even is 2^8: past the max.
      {DType::F8E4M3FNUZ, 247.9, 0x7F, 0x7F},
      {DType::F8E4M3FNUZ, 248, 0x7F, 0x80},
      // E5M2: 61440 is the tie between 57344 and 65536 = 2^16: even is 2^16, past the max, so
      // infinity unsaturated (onnx.helper and onnxruntime give the NaN 0x7F there).
      {DType::F8E5M2, 61439, 0x7B, 0x7B},
      {DType::F8E5M2, 61440, 0x7B, 0x7C},
      {DType::F8E5M2, -65000, 0xFB, 0xFC},
      {DType::F8E5M2FNUZ, 61440, 0x7F, 0x80},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(float_to_float8(r.x, r.t, true), r.saturated) << dtype_name(r.t) << " " << r.x << " saturated";
    EXPECT_EQ(float_to_float8(r.x, r.t, false), r.unsaturated) << dtype_name(r.t) << " " << r.x << " unsaturated";
  }
}

TEST(Float8, TinyValuesRoundToZeroOfTheirSign) {
  for (DType t : kFlavours) {
    const double half_smallest = float8_to_float(0x01, t) / 2;  // a tie with 0: even is 0
    const bool uz = t == DType::F8E4M3FNUZ || t == DType::F8E5M2FNUZ;
    EXPECT_EQ(float_to_float8(half_smallest, t, true), 0x00) << dtype_name(t);
    EXPECT_EQ(float_to_float8(-half_smallest, t, true), uz ? 0x00 : 0x80) << dtype_name(t);
    EXPECT_EQ(float_to_float8(half_smallest * 1.0001, t, true), 0x01) << dtype_name(t);
    EXPECT_EQ(float_to_float8(-1e-30, t, false), uz ? 0x00 : 0x80) << dtype_name(t);
  }
}

// Between every two neighbouring finite values (subnormals, normals, across exponents): the
// midpoint goes to the one with the even mantissa, anything off the midpoint to the nearer one.
TEST(Float8, TiesGoToEvenEverywhere) {
  for (DType t : kFlavours) {
    const std::vector<double> v = positive_values(t);
    ASSERT_GT(v.size(), 100u);
    for (size_t k = 0; k + 1 < v.size(); ++k) {
      const double lo = v[k], hi = v[k + 1], mid = (lo + hi) / 2;
      const uint8_t lo_bits = float_to_float8(lo, t, true), hi_bits = float_to_float8(hi, t, true);
      ASSERT_EQ(hi_bits, lo_bits + 1) << dtype_name(t) << " " << lo;
      const uint8_t even = even_mantissa(lo_bits) ? lo_bits : hi_bits;
      for (double sign : {1.0, -1.0}) {
        const uint8_t s = sign < 0 ? 0x80 : 0x00;
        EXPECT_EQ(float_to_float8(sign * mid, t, false), s | even) << dtype_name(t) << " tie " << sign * mid;
        EXPECT_EQ(float_to_float8(sign * std::nextafter(mid, 0.0), t, false), s | lo_bits) << dtype_name(t) << mid;
        EXPECT_EQ(float_to_float8(sign * std::nextafter(mid, 1e9), t, false), s | hi_bits) << dtype_name(t) << mid;
      }
    }
  }
}

// float inputs (the common case) round once, like double ones: the value just below a tie as a
// float still rounds down.
TEST(Float8, FloatInputsRoundOnce) {
  const float below_tie = std::nextafter(1.0625f, 0.f);  // E4M3FN: 1.0625 is the tie of 1 and 1.125
  EXPECT_EQ(float_to_float8(below_tie, DType::F8E4M3FN, true), 0x38);
  EXPECT_EQ(float_to_float8(1.0625f, DType::F8E4M3FN, true), 0x38);           // tie: even (1.0)
  EXPECT_EQ(float_to_float8(1.1875f, DType::F8E4M3FN, true), 0x3A);           // tie of 1.125 and 1.25: even (1.25)
  EXPECT_EQ(float_to_float8(0.4789254665374756, DType::F8E4M3FN, true), 47);  // a backend test's value
}

}  // namespace
}  // namespace layerscope
