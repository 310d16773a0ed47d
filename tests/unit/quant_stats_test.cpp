// src/quant/tensor_stats.* and quant_params.*: the calibration ranges on data whose answer is
// known, and the int8 parameters in onnxruntime's S8S8 conventions.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "quant/quant_params.h"
#include "quant/tensor_stats.h"

namespace layerscope::quant {
namespace {

TensorStats stats_of(const std::vector<float>& v, bool histograms = true) {
  TensorStats s(histograms);
  s.add(v.data(), static_cast<int64_t>(v.size()));
  return s;
}

TEST(QuantStats, MinMaxIsTheExtremesOverEveryBatch) {
  TensorStats s(false);
  const std::vector<float> a = {0.5f, -2.f, 3.f}, b = {7.f, -1.f}, c = {-9.5f};
  s.add(a.data(), 3);
  s.add(b.data(), 2);
  s.add(c.data(), 1);
  EXPECT_EQ(minmax_range(s), Range(-9.5, 7.0));
  EXPECT_EQ(s.count(), 6u);
}

TEST(QuantStats, NonFiniteValuesAreCountedAndLeftOut) {
  const std::vector<float> v = {1.f, NAN, -2.f, INFINITY};
  TensorStats s = stats_of(v);
  EXPECT_EQ(s.nonfinite(), 2u);
  EXPECT_EQ(minmax_range(s), Range(-2.0, 1.0));
}

TEST(QuantStats, GrowingTheHistogramKeepsEveryCount) {
  // The second batch is 8x wider: the top doubles three times, merging bins exactly.
  std::vector<float> a(1000), b(1000);
  for (int i = 0; i < 1000; ++i) {
    a[i] = i / 1000.f;
    b[i] = -8.f * i / 1000.f;
  }
  TensorStats s;
  s.add(a.data(), 1000);
  s.add(b.data(), 1000);
  uint64_t pos = 0, neg = 0;
  for (uint64_t c : s.positive_bins()) pos += c;
  for (uint64_t c : s.negative_bins()) neg += c;
  EXPECT_EQ(pos, 1000u + 1u);  // b[0] is -0.0, which counts as non-negative
  EXPECT_EQ(neg, 999u);
  EXPECT_GE(s.top(), 7.992);
  EXPECT_LT(s.top(), 2 * 7.992);
}

TEST(QuantStats, PercentileClipsTheStatedShareAtEachEnd) {
  // 0.01, 0.02, ..., 1000.00: the 99.9th percentile is 999.0; no negative values, so the
  // lower end is the observed minimum (the int8 range then starts at 0 anyway).
  std::vector<float> v(100000);
  for (int i = 0; i < 100000; ++i) v[i] = (i + 1) / 100.f;
  const Range r = percentile_range(stats_of(v), 99.9);
  const double bin = 1000.0 * (1 + 1e-6) / kHistogramBins;
  EXPECT_NEAR(r.second, 999.0, bin);
  EXPECT_NEAR(r.first, 0.01, 1e-6);
  // Symmetric data: both ends clipped alike.
  std::vector<float> w(v);
  for (float x : v) w.push_back(-x);
  const Range s = percentile_range(stats_of(w), 99.9);
  EXPECT_NEAR(s.second, 999.0, 2 * bin);
  EXPECT_NEAR(s.first, -999.0, 2 * bin);
  // 100 keeps everything.
  EXPECT_EQ(percentile_range(stats_of(w), 100.0), Range(-1000.0, 1000.0));
}

TEST(QuantStats, EntropyThresholdIgnoresRareOutliers) {
  // N(0,1) with a handful of values at 100: minmax would spend the int8 range on them; the
  // KL threshold stays a few sigma out.
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> v(200000);
  for (float& x : v) x = normal(gen);
  for (int i = 0; i < 5; ++i) v[i] = 100.f;
  const Range r = entropy_range(stats_of(v));
  EXPECT_GT(r.second, 2.0);
  EXPECT_LT(r.second, 10.0);
  // Signed data: (-t, t), each end limited to what was observed (N(0,1)'s minimum here).
  EXPECT_LT(r.first, -2.0);
  EXPECT_GE(r.first, -r.second);
}

TEST(QuantStats, EntropyThresholdKeepsAUniformRange) {
  // Uniform data has no tail to cut: clipping anywhere below the top loses mass.
  std::vector<float> v(100000);
  for (int i = 0; i < 100000; ++i) v[i] = static_cast<float>(i) / 100000.f;
  const Range r = entropy_range(stats_of(v));
  EXPECT_EQ(r.first, 0.0);  // never negative: range [0, t]
  EXPECT_GT(r.second, 0.9);
}

TEST(QuantStats, KlThresholdOfAHistogramWithAFarBin) {
  // 1000 bins of mass near zero plus one lone count at the end: cutting just after the mass
  // beats keeping the far bin (keeping it would quantize the mass into a handful of levels).
  std::vector<uint64_t> bins(2048, 0);
  for (int i = 0; i < 256; ++i) bins[i] = 1000 - 3 * i;
  bins[2047] = 1;
  const int kept = kl_threshold_bins(bins, 128);
  EXPECT_GE(kept, 256);
  EXPECT_LT(kept, 400);
  EXPECT_EQ(kl_threshold_bins(std::vector<uint64_t>(2048, 0), 128), 2048);
}

TEST(QuantParams, ActivationsAreAsymmetricInt8AsOnnxruntimeWritesThem) {
  // Range widened to contain 0; scale = (hi - lo) / 255; zero point = round(-128 - lo / scale).
  ActivationParams relu = activation_params({0.0, 2.55});
  EXPECT_FLOAT_EQ(relu.scale, 0.01f);
  EXPECT_EQ(relu.zero_point, -128);
  ActivationParams pos = activation_params({0.5, 2.55});  // lo raised to 0
  EXPECT_FLOAT_EQ(pos.scale, 0.01f);
  EXPECT_EQ(pos.zero_point, -128);
  ActivationParams sym = activation_params({-1.0, 1.5});
  EXPECT_FLOAT_EQ(sym.scale, 2.5f / 255);
  EXPECT_EQ(sym.zero_point, -26);  // -128 + 1 / (2.5 / 255) = -128 + 102
  ActivationParams skew = activation_params({-3.0, 1.0});
  EXPECT_EQ(skew.zero_point, static_cast<int8_t>(std::nearbyint(-128 + 3.0 / (4.0 / 255))));
  ActivationParams zero = activation_params({0.0, 0.0});
  EXPECT_EQ(zero.scale, 1.f);
  EXPECT_EQ(zero.zero_point, 0);
}

TEST(QuantParams, WeightsAreSymmetricPerChannel) {
  Tensor w(DType::F32, {2, 3});
  const float values[] = {1.27f, -0.635f, 0.f, 0.f, 0.f, 0.f};  // channel 1 is all zero
  std::copy(values, values + 6, w.data_as<float>());
  QuantizedWeight q = quantize_weight(w, 0);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_FLOAT_EQ(q.scales[0], 0.01f);
  EXPECT_EQ(q.scales[1], 1.f);  // all-zero channel
  const int8_t* v = q.values.data_as<int8_t>();
  EXPECT_EQ(v[0], 127);
  EXPECT_EQ(v[1], -64);  // -63.5 -> -64 (half to even)
  EXPECT_EQ(v[2], 0);
  // Along axis 1 (a MatMul weight's output columns) and per tensor.
  QuantizedWeight cols = quantize_weight(w, 1);
  ASSERT_EQ(cols.scales.size(), 3u);
  EXPECT_FLOAT_EQ(cols.scales[1], 0.635f / 127);
  EXPECT_EQ(cols.values.data_as<int8_t>()[1], -127);
  QuantizedWeight all = quantize_weight(w, -1);
  ASSERT_EQ(all.scales.size(), 1u);
  EXPECT_FLOAT_EQ(all.scales[0], 0.01f);
}

TEST(QuantParams, BiasIsInt32AtInputScaleTimesWeightScale) {
  Tensor b(DType::F32, {2});
  b.data_as<float>()[0] = 0.5f;
  b.data_as<float>()[1] = -1e9f;  // beyond int32 at this scale: saturated and counted
  QuantizedBias q = quantize_bias(b, 0.1f, {0.01f, 1e-3f});
  EXPECT_FLOAT_EQ(q.scales[0], 0.001f);
  EXPECT_EQ(q.values.data_as<int32_t>()[0], 500);
  EXPECT_EQ(q.values.data_as<int32_t>()[1], INT32_MIN);
  EXPECT_EQ(q.clipped, 1);
}

}  // namespace
}  // namespace layerscope::quant
