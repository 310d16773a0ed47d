// Signal family (DFT, STFT, HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix): the
// FFT against the direct DFT, inference (incl. errors) and reference results. The backend
// tests cover the ONNX examples; these cover lengths, dft_length, onesided, types and errors.
#include <cmath>
#include <complex>

#include "ops/signal/fft.h"
#include "ops/tensor/common.h"
#include "shape_test_util.h"

namespace layerscope::shape_test {
namespace {

using C = std::complex<double>;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<C> direct_dft(const std::vector<C>& x, bool inverse) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<C> y(n);
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t j = 0; j < n; ++j) y[k] += x[j] * std::polar(1.0, (inverse ? 2 : -2) * M_PI * double(j * k % n) / n);
    if (inverse) y[k] /= double(n);
  }
  return y;
}

TEST(SignalOps, FftMatchesDirectDftForEveryLength) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int64_t n = 1; n <= 72; ++n)
    for (bool inverse : {false, true}) {
      std::vector<C> x(n), got;
      for (C& v : x) v = {u(rng), u(rng)};
      FftPlan plan(n, inverse);
      plan.run(x, got);
      const std::vector<C> want = direct_dft(x, inverse);
      for (int64_t k = 0; k < n; ++k) ASSERT_LT(std::abs(got[k] - want[k]), 1e-9) << "n=" << n << " k=" << k;
    }
  // Cost: n * (sum of prime factors): 2 n log2 n for powers of two, n^2 for primes.
  EXPECT_EQ(fft_complex_macs(8), 8.0 * 6);
  EXPECT_EQ(fft_complex_macs(7), 49.0);
  EXPECT_EQ(fft_complex_macs(12), 12.0 * 7);
}

// A real cosine of frequency 3 over 16 samples: X[3] = X[13] = 8, all other bins 0.
Tensor cosine(int64_t n, int64_t freq) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(std::cos(2 * M_PI * freq * i / n));
  return f32({1, n, 1}, v);
}

TEST(SignalOps, DftRealInputFullAndOnesided) {
  Tensor y = run_ref("DFT", 17, {{cosine(16, 3)}});
  ASSERT_EQ(y.shape(), (Shape{1, 16, 2}));
  const auto v = values_of<float>(y);
  for (int k = 0; k < 16; ++k) {
    EXPECT_NEAR(v[2 * k], (k == 3 || k == 13) ? 8.0 : 0.0, 1e-4) << k;
    EXPECT_NEAR(v[2 * k + 1], 0.0, 1e-4) << k;
  }
  Tensor half = run_ref("DFT", 17, {{cosine(16, 3)}}, {{"onesided", int64_t{1}}});
  EXPECT_EQ(half.shape(), (Shape{1, 9, 2}));
  // dft_length pads with zeros (or truncates): a 10-point signal as 16 points.
  EXPECT_EQ(infer("DFT", 17, {{Tensor(DType::F32, {2, 10, 1})}, {i64({}, {16})}})[0].shape, (Shape{2, 16, 2}));
  EXPECT_EQ(infer("DFT", 17, {{Tensor(DType::F32, {2, 10, 1})}, {i64({}, {15})}}, {{"onesided", int64_t{1}}})[0].shape,
            (Shape{2, 8, 2}));
  Tensor padded = run_ref("DFT", 17, {{f32({1, 2, 1}, {1, 2})}, {i64({}, {4})}});
  // [1, 2, 0, 0] -> X[k] = 1 + 2 e^{-i pi k/2}: 3, 1-2i, -1, 1+2i
  const std::vector<float> want = {3, 0, 1, -2, -1, 0, 1, 2};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(values_of<float>(padded)[i], want[i], 1e-6) << i;
}

TEST(SignalOps, DftInverseUndoesForwardAlongAnyAxis) {
  std::vector<float> v(2 * 5 * 3 * 2);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(0.7 * i) + 0.1 * i);
  Tensor x = f32({2, 5, 3, 2}, v);
  for (int64_t axis : {1, 2, -3, -2}) {
    Tensor y = run_ref("DFT", 20, {{x}, omitted(), {i64({}, {axis})}});
    Tensor back = run_ref("DFT", 20, {{y}, omitted(), {i64({}, {axis})}}, {{"inverse", int64_t{1}}});
    const auto got = values_of<float>(back);
    for (size_t i = 0; i < v.size(); ++i) ASSERT_NEAR(got[i], v[i], 1e-4) << "axis " << axis << " element " << i;
  }
  // Opset 20's default axis is -2, opset 17's is 1.
  EXPECT_EQ(infer("DFT", 20, {{Tensor(DType::F32, {2, 5, 3, 1})}}, {{"onesided", int64_t{1}}})[0].shape,
            (Shape{2, 5, 2, 2}));
  EXPECT_EQ(infer("DFT", 17, {{Tensor(DType::F32, {2, 5, 3, 1})}}, {{"onesided", int64_t{1}}})[0].shape,
            (Shape{2, 3, 3, 2}));
  // double and float16 compute the same transform, stored in their own type.
  EXPECT_EQ(infer("DFT", 17, {{Tensor(DType::F64, {1, 4, 1})}})[0].dtype, DType::F64);
  Tensor h(DType::F16, {1, 2, 1});
  store_double(DType::F16, h.data(), 0, 1.0);
  store_double(DType::F16, h.data(), 1, 2.0);
  Tensor hy = run_ref("DFT", 17, {{h}});
  EXPECT_EQ(element_as_double(hy, 0), 3.0);
  EXPECT_EQ(element_as_double(hy, 2), -1.0);
}

TEST(SignalOps, DftErrors) {
  Tensor x(DType::F32, {1, 8, 1});
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{Tensor(DType::F32, {1, 8, 3})}}), "last dimension of 1 (real) or 2"));
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{x}}, {{"axis", int64_t{2}}}), "axis 2 is out of range for rank 3"));
  EXPECT_TRUE(contains(infer_error("DFT", 20, {{x}, omitted(), {i64({}, {-1})}}), "axis -1 is out of range"));
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{x}, {i64({}, {0})}}), "dft_length must be positive"));
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{x}, {i64({2}, {4, 4})}}), "must be a scalar"));
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{x}}, {{"inverse", int64_t{2}}}), "'inverse' must be 0 or 1"));
  EXPECT_TRUE(contains(infer_error("DFT", 17, {{Tensor(DType::I32, {1, 8, 1})}}), "input 0 has type INT32"));
  EXPECT_TRUE(contains(infer_error("DFT", 20, {{x}}, {{"axis", int64_t{1}}}), "unknown attribute 'axis'"));
  EXPECT_TRUE(deferred("DFT", 17, {{x}, unknown(i64({}, {8}))}));
}

TEST(SignalOps, StftFramesAreWindowedDfts) {
  std::vector<float> sig(20);
  for (int i = 0; i < 20; ++i) sig[i] = static_cast<float>(std::cos(0.3 * i * i));
  Tensor x = f32({1, 20, 1}, sig);
  Tensor window = f32({8}, {0.1f, 0.5f, 1, 1, 1, 1, 0.5f, 0.1f});
  Tensor y = run_ref("STFT", 17, {{x}, {i64({}, {4})}, {window}}, {{"onesided", int64_t{0}}});
  ASSERT_EQ(y.shape(), (Shape{1, 4, 8, 2}));  // 1 + (20 - 8) / 4 frames
  const auto got = values_of<float>(y);
  for (int64_t f = 0; f < 4; ++f) {
    std::vector<C> frame(8);
    for (int j = 0; j < 8; ++j) frame[j] = sig[f * 4 + j] * values_of<float>(window)[j];
    const std::vector<C> want = direct_dft(frame, false);
    for (int k = 0; k < 8; ++k) {
      EXPECT_NEAR(got[(f * 8 + k) * 2], want[k].real(), 1e-4);
      EXPECT_NEAR(got[(f * 8 + k) * 2 + 1], want[k].imag(), 1e-4);
    }
  }
  // onesided is STFT's default: bins 0..n/2.
  EXPECT_EQ(infer("STFT", 17, {{x}, {i64({}, {3})}, omitted(), {i64({}, {6})}})[0].shape, (Shape{1, 5, 4, 2}));
  EXPECT_TRUE(contains(infer_error("STFT", 17, {{x}, {i64({}, {4})}, {window}, {i64({}, {6})}}),
                       "the window has 8 elements but frame_length is 6"));
  EXPECT_TRUE(contains(infer_error("STFT", 17, {{x}, {i64({}, {0})}, {window}}), "frame_step must be positive"));
  EXPECT_TRUE(contains(infer_error("STFT", 17, {{x}, {i64({}, {1})}, omitted(), {i64({}, {21})}}),
                       "frame length 21 must be in [1, 20]"));
  EXPECT_TRUE(contains(infer_error("STFT", 17, {{f32({20}, sig)}, {i64({}, {4})}}), "signal must be [batch, length"));
}

TEST(SignalOps, Windows) {
  auto window = [](const char* op, int64_t n, int64_t periodic) {
    Tensor y = run_ref(op, 17, {{i64({}, {n})}}, {{"periodic", periodic}});
    return values_of<float>(y);
  };
  auto near = [](const std::vector<float>& got, const std::vector<double>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  };
  near(window("HannWindow", 4, 1), {0, 0.5, 1, 0.5});
  near(window("HannWindow", 5, 0), {0, 0.5, 1, 0.5, 0});
  near(window("HammingWindow", 4, 1), {4.0 / 46, 25.0 / 46, 46.0 / 46, 25.0 / 46});
  near(window("BlackmanWindow", 3, 0), {0.42 - 0.5 + 0.08, 0.42 + 0.5 + 0.08, 0.42 - 0.5 + 0.08});
  near(window("HannWindow", 1, 0), {1});  // a one-sample symmetric window is [1], not 0/0
  EXPECT_EQ(window("BlackmanWindow", 0, 1).size(), 0u);
  Tensor d = run_ref("HannWindow", 17, {{i32({}, {4})}}, {{"output_datatype", int64_t{11}}});
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(values_of<double>(d)[2], 1.0);
  EXPECT_TRUE(contains(infer_error("HannWindow", 17, {{i64({}, {4})}}, {{"output_datatype", int64_t{8}}}),
                       "'output_datatype' = 8 is not a supported element type"));
  EXPECT_TRUE(contains(infer_error("HannWindow", 17, {{i64({}, {-1})}}), "size must not be negative"));
  EXPECT_TRUE(contains(infer_error("HannWindow", 17, {{f32({}, {4})}}), "input 0 has type FLOAT"));
  EXPECT_TRUE(deferred("HammingWindow", 17, {unknown(i64({}, {4}))}));
}

TEST(SignalOps, MelWeightMatrix) {
  auto in = [](int64_t bins, int64_t dft, int64_t rate, float lo, float hi) {
    return std::vector<In>{{i64({}, {bins})}, {i64({}, {dft})}, {i64({}, {rate})}, {f32({}, {lo})}, {f32({}, {hi})}};
  };
  Tensor y = run_ref("MelWeightMatrix", 17, in(4, 32, 16000, 0, 8000));
  ASSERT_EQ(y.shape(), (Shape{17, 4}));
  // Every column is a triangle: peaks of 1, values in [0, 1].
  const auto v = values_of<float>(y);
  for (int c = 0; c < 4; ++c) {
    float top = 0;
    for (int r = 0; r < 17; ++r) {
      EXPECT_GE(v[r * 4 + c], 0.f);
      EXPECT_LE(v[r * 4 + c], 1.f);
      top = std::max(top, v[r * 4 + c]);
    }
    EXPECT_EQ(top, 1.f) << c;
  }
  EXPECT_TRUE(contains(infer_error("MelWeightMatrix", 17, in(4, 32, 16000, 0, 40000)), "lies above the spectrogram"));
  EXPECT_TRUE(contains(infer_error("MelWeightMatrix", 17, in(4, 32, 16000, 500, 100)), "lower_edge_hertz <= upper"));
  EXPECT_TRUE(contains(infer_error("MelWeightMatrix", 17, in(0, 32, 16000, 0, 100)), "must be positive"));
}

}  // namespace
}  // namespace layerscope::shape_test
