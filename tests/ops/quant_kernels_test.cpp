// The int8 kernels against the quantization ops' reference kernels (ops/quant/), through the
// kernel harness: onednn:qconv (QLinearConv: per-tensor and per-channel weight scales, int8
// and uint8 activations, zero points, int32 bias, groups/depthwise, strides and pads; Plain
// layouts, so the NHWC staging path), onednn:qmatmul (QLinearMatMul: constant weights with
// per-column scales, an activation B with a zero point, batched), native:quantize,
// native:dequantize and native:qadd. Integer outputs match the reference byte for byte (the
// int32 accumulator is exact and requantized with the same float multiplier), except
// onednn:qconv with int8 sources: one step in a few elements (see check_qconv).
#include <gtest/gtest.h>

#include <random>

#include "common/kernel_check.h"
#include "kernels/cpu_features.h"

namespace layerscope {
namespace {

using testing::CaseInput;
using testing::check_kernels;
using testing::constant;
using testing::make_node;

Tensor random_int(std::mt19937& rng, DType t, Shape s, int lo, int hi) {
  Tensor x(t, std::move(s));
  std::uniform_int_distribution<int> d(lo, hi);
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (t == DType::I8) x.data_as<int8_t>()[i] = static_cast<int8_t>(d(rng));
    else if (t == DType::U8) x.data_as<uint8_t>()[i] = static_cast<uint8_t>(d(rng));
    else x.data_as<int32_t>()[i] = d(rng);
  }
  return x;
}

Tensor scalar_f32(float v) { return testing::tensor<float>(DType::F32, {}, {v}); }
Tensor scalar_int(DType t, int v) {
  Tensor x(t, {});
  if (t == DType::I8) *x.data_as<int8_t>() = static_cast<int8_t>(v);
  else *x.data_as<uint8_t>() = static_cast<uint8_t>(v);
  return x;
}

// Scales: powers of two times small odd numbers keep a_scale * w_scale / y_scale exact-ish and
// away from ties at most magnitudes; the check is still byte for byte.
// The oneDNN int8 kernels serve only CPUs with an exact int8 dot product (VNNI); elsewhere they
// decline and Int8KernelsDeclineWithoutAnInt8DotProduct checks that.
#define SKIP_WITHOUT_INT8_DOT_PRODUCT()                                                              \
  if (!cpu_has_int8_dot_product())                                                                   \
  GTEST_SKIP() << "this CPU has no VNNI: oneDNN's int8 kernels would saturate or halve weights, so " \
                  "they decline here"

float scale(std::mt19937& rng) { return static_cast<float>(1 + rng() % 7) / 64.f; }

struct QConvCase {
  DType x_type = DType::U8;
  Shape x;
  int64_t c_out = 8, k = 3, group = 1, stride = 1, pad = 1;
  bool per_channel = true, bias = true;
};

testing::KernelCheck check_qconv(const QConvCase& c, std::mt19937& rng, int threads = 1) {
  const int64_t c_in = c.x[1];
  const int lo = c.x_type == DType::I8 ? -128 : 0, hi = c.x_type == DType::I8 ? 127 : 255;
  std::vector<float> w_scales;
  for (int64_t i = 0; i < (c.per_channel ? c.c_out : 1); ++i) w_scales.push_back(scale(rng) / 4.f);
  std::vector<CaseInput> in = {
      {random_int(rng, c.x_type, c.x, lo, hi)},
      constant(scalar_f32(scale(rng))),
      constant(scalar_int(c.x_type, c.x_type == DType::I8 ? -3 : 128)),
      constant(random_int(rng, DType::I8, {c.c_out, c_in / c.group, c.k, c.k}, -127, 127)),
      constant(testing::tensor<float>(DType::F32, {static_cast<int64_t>(w_scales.size())}, w_scales)),
      constant(Tensor(DType::I8, {static_cast<int64_t>(w_scales.size())})),
      constant(scalar_f32(2.f + static_cast<float>(rng() % 5))),
      constant(scalar_int(c.x_type, c.x_type == DType::I8 ? 5 : 100)),
  };
  if (c.bias) in.push_back(constant(random_int(rng, DType::I32, {c.c_out}, -5000, 5000)));
  Attributes a = testing::attrs({{"group", c.group},
                                 {"strides", std::vector<int64_t>{c.stride, c.stride}},
                                 {"pads", std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad}},
                                 {"kernel_shape", std::vector<int64_t>{c.k, c.k}}});
  Node n = make_node("QLinearConv", 10, in.size(), 1, a);
  // int8 sources: oneDNN shifts them to uint8 and subtracts a compensation, which rounds a
  // value lying within float error of a half step differently in a few elements.
  return check_kernels(n, in, {.threads = threads, .tolerance = 0, .quant_steps = c.x_type == DType::I8 ? 1 : 0});
}

TEST(QuantKernels, QLinearConvOnOnednnMatchesTheReference) {
  SKIP_WITHOUT_INT8_DOT_PRODUCT();
  std::mt19937 rng(41);
  struct Named {
    const char* what;
    QConvCase c;
  };
  const Named cases[] = {
      {"u8 3x3 per-channel", {DType::U8, {1, 16, 9, 9}, 32, 3, 1, 1, 1, true, true}},
      {"s8 3x3 per-channel", {DType::I8, {1, 16, 9, 9}, 32, 3, 1, 1, 1, true, true}},
      {"s8 1x1 per-tensor no bias", {DType::I8, {2, 32, 7, 7}, 64, 1, 1, 1, 0, false, false}},
      {"u8 stride 2", {DType::U8, {1, 8, 15, 15}, 16, 3, 1, 2, 1, true, true}},
      {"s8 depthwise", {DType::I8, {1, 32, 12, 12}, 32, 3, 32, 1, 1, true, true}},
      {"s8 grouped", {DType::I8, {1, 16, 10, 10}, 16, 3, 4, 1, 1, true, true}},
      {"s8 7x7 stride 2 over 3 channels", {DType::I8, {1, 3, 32, 32}, 16, 7, 1, 2, 3, true, true}},
  };
  for (const Named& t : cases) {
    SCOPED_TRACE(t.what);
    const testing::KernelCheck r = check_qconv(t.c, rng, 1 + static_cast<int>(rng() % 2));
    EXPECT_TRUE(r.ran_kernel("onednn:qconv")) << t.what;
  }
}

TEST(QuantKernels, Int8KernelsDeclineWithoutAnInt8DotProduct) {
  if (cpu_has_int8_dot_product()) GTEST_SKIP() << "this CPU has VNNI: the int8 kernels serve it";
  std::mt19937 rng(40);
  // Full-range uint8 sources: where oneDNN's int16 pairs would saturate, the reference serves.
  const testing::KernelCheck r = check_qconv({DType::U8, {1, 16, 9, 9}, 32, 3, 1, 1, 1, true, true}, rng);
  EXPECT_FALSE(r.ran_kernel("onednn:qconv"));
}

TEST(QuantKernels, QLinearConvDeclinesNonZeroWeightZeroPoints) {
  std::mt19937 rng(42);
  Tensor w_zero(DType::I8, {4});
  w_zero.data_as<int8_t>()[2] = 1;
  std::vector<CaseInput> in = {{random_int(rng, DType::U8, {1, 4, 5, 5}, 0, 255)},
                               constant(scalar_f32(0.05f)),
                               constant(scalar_int(DType::U8, 128)),
                               constant(random_int(rng, DType::I8, {4, 4, 3, 3}, -127, 127)),
                               constant(testing::f32s({0.01f, 0.02f, 0.03f, 0.04f})),
                               constant(w_zero),
                               constant(scalar_f32(0.5f)),
                               constant(scalar_int(DType::U8, 0))};
  const testing::KernelCheck r = check_kernels(make_node("QLinearConv", 10, in.size(), 1), in, {.tolerance = 0});
  EXPECT_FALSE(r.ran_kernel("onednn:qconv"));
}

TEST(QuantKernels, QLinearMatMulOnOnednnMatchesTheReference) {
  SKIP_WITHOUT_INT8_DOT_PRODUCT();
  std::mt19937 rng(43);
  for (int iter = 0; iter < 8; ++iter) {
    const bool weights = iter % 2 == 0;  // constant B with per-column scales, else an activation B
    const DType at = iter % 4 < 2 ? DType::I8 : DType::U8;
    const int64_t m = 1 + rng() % 20, k = 8 + rng() % 60, n = 4 + rng() % 40;
    const Shape a_shape = iter >= 4 ? Shape{2, 3, m, k} : Shape{m, k};
    const Shape b_shape = weights || iter < 4 ? Shape{k, n} : Shape{2, 3, k, n};
    std::vector<float> b_scales;
    for (int64_t i = 0; i < (weights ? n : 1); ++i) b_scales.push_back(scale(rng) / 4.f);
    const int lo = at == DType::I8 ? -128 : 0, hi = at == DType::I8 ? 127 : 255;
    Tensor b_zero(DType::I8, weights ? Shape{n} : Shape{});
    if (!weights) *b_zero.data_as<int8_t>() = -7;
    std::vector<CaseInput> in = {
        {random_int(rng, at, a_shape, lo, hi)},
        constant(scalar_f32(scale(rng))),
        constant(scalar_int(at, at == DType::I8 ? 3 : 120)),
        weights ? constant(random_int(rng, DType::I8, b_shape, -127, 127))
                : CaseInput{random_int(rng, DType::I8, b_shape, -128, 127)},
        constant(testing::tensor<float>(DType::F32, {static_cast<int64_t>(b_scales.size())}, b_scales)),
        constant(b_zero),
        constant(scalar_f32(1.f + static_cast<float>(rng() % 9))),
        constant(scalar_int(at, at == DType::I8 ? -2 : 90)),
    };
    if (!weights) in[4] = constant(scalar_f32(b_scales[0]));
    SCOPED_TRACE("iter " + std::to_string(iter));
    const testing::KernelCheck r =
        check_kernels(make_node("QLinearMatMul", 10, in.size(), 1), in, {.threads = 1 + iter % 2, .tolerance = 0});
    EXPECT_TRUE(r.ran_kernel("onednn:qmatmul")) << "iter " << iter;
  }
}

TEST(QuantKernels, NativeQuantizeDequantizeAndAddMatchTheReference) {
  std::mt19937 rng(44);
  for (DType t : {DType::I8, DType::U8}) {
    const int zero = t == DType::I8 ? -10 : 130;
    // Values over and beyond the range (saturation), exact half steps (ties to even), NaN.
    Tensor x = testing::random_f32(rng, {3, 70001}, -40.f, 40.f);
    float* xp = x.data_as<float>();
    xp[0] = 2.5f * 0.125f;
    xp[1] = -2.5f * 0.125f;
    xp[2] = 1e9f;
    xp[3] = -1e9f;
    xp[4] = std::numeric_limits<float>::quiet_NaN();
    std::vector<CaseInput> q = {{x}, constant(scalar_f32(0.125f)), constant(scalar_int(t, zero))};
    EXPECT_TRUE(check_kernels(make_node("QuantizeLinear", 13, 3, 1), q, {.threads = 2, .tolerance = 0})
                    .ran_kernel("native:quantize"));

    std::vector<CaseInput> dq = {{random_int(rng, t, {5, 999}, t == DType::I8 ? -128 : 0, t == DType::I8 ? 127 : 255)},
                                 constant(scalar_f32(0.37f)),
                                 constant(scalar_int(t, zero))};
    EXPECT_TRUE(check_kernels(make_node("DequantizeLinear", 13, 3, 1), dq, {.threads = 2, .tolerance = 0})
                    .ran_kernel("native:dequantize"));

    const int lo = t == DType::I8 ? -128 : 0, hi = t == DType::I8 ? 127 : 255;
    std::vector<CaseInput> add = {{random_int(rng, t, {1, 64, 33, 33}, lo, hi)},
                                  constant(scalar_f32(0.05f)),
                                  constant(scalar_int(t, zero)),
                                  {random_int(rng, t, {1, 64, 33, 33}, lo, hi)},
                                  constant(scalar_f32(0.11f)),
                                  constant(scalar_int(t, zero + 3)),
                                  constant(scalar_f32(0.09f)),
                                  constant(scalar_int(t, zero - 1))};
    EXPECT_TRUE(
        check_kernels(make_node("QLinearAdd", 1, 8, 1, {}, "com.microsoft"), add, {.threads = 2, .tolerance = 0})
            .ran_kernel("native:qadd"));
    EXPECT_TRUE(
        check_kernels(make_node("QLinearMul", 1, 8, 1, {}, "com.microsoft"), add, {.threads = 2, .tolerance = 0})
            .ran_kernel("native:qmul"));

    // Every one of the 256 inputs and then some, through the table of each unary op.
    Tensor all = random_int(rng, t, {3, 4111}, lo, hi);
    for (int v = 0; v < 256; ++v) all.data_as<uint8_t>()[v] = static_cast<uint8_t>(v);
    std::vector<CaseInput> unary = {{all},
                                    constant(scalar_f32(0.053f)),
                                    constant(scalar_int(t, zero)),
                                    constant(scalar_f32(1.f / 255)),
                                    constant(scalar_int(t, t == DType::I8 ? -128 : 0))};
    EXPECT_TRUE(
        check_kernels(make_node("QLinearSigmoid", 1, 5, 1, {}, "com.microsoft"), unary, {.threads = 2, .tolerance = 0})
            .ran_kernel("native:qlut"));
    EXPECT_TRUE(
        check_kernels(make_node("QLinearLeakyRelu", 1, 5, 1, testing::attrs({{"alpha", 0.2f}}), "com.microsoft"), unary,
                      {.threads = 2, .tolerance = 0})
            .ran_kernel("native:qlut"));
  }
}

TEST(QuantKernels, PerAxisDequantizeStaysOnTheReference) {
  std::mt19937 rng(45);
  std::vector<CaseInput> dq = {{random_int(rng, DType::I8, {4, 3}, -128, 127)},
                               constant(testing::f32s({0.1f, 0.2f, 0.3f, 0.4f})),
                               constant(Tensor(DType::I8, {4}))};
  const testing::KernelCheck r = check_kernels(
      make_node("DequantizeLinear", 13, 3, 1, testing::attrs({{"axis", int64_t{0}}})), dq, {.tolerance = 0});
  EXPECT_FALSE(r.ran_kernel("native:dequantize"));
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// QLinearConvAdd (fuse_qdq's QLinearConv -> QLinearAdd): the sum post-op against the fused op's
// reference (exact int32 sums, the formula in double): one step apart in a few elements at most.
TEST(QuantKernels, QLinearConvAddOnOnednnMatchesTheReference) {
  SKIP_WITHOUT_INT8_DOT_PRODUCT();
  std::mt19937 rng(46);
  for (DType t : {DType::U8, DType::I8}) {
    for (bool bias : {true, false}) {
      const int lo = t == DType::I8 ? -128 : 0, hi = t == DType::I8 ? 127 : 255;
      std::vector<float> w_scales;
      for (int i = 0; i < 16; ++i) w_scales.push_back(scale(rng) / 4.f);
      std::vector<CaseInput> in = {
          {random_int(rng, t, {1, 8, 9, 9}, lo, hi)},
          constant(scalar_f32(scale(rng))),
          constant(scalar_int(t, t == DType::I8 ? -128 : 0)),
          constant(random_int(rng, DType::I8, {16, 8, 3, 3}, -127, 127)),
          constant(testing::tensor<float>(DType::F32, {16}, w_scales)),
          constant(Tensor(DType::I8, {16})),
          constant(scalar_f32(0.5f)),  // the convolution's own scale: narrow, so its range clips
          constant(scalar_int(t, t == DType::I8 ? -20 : 100)),
          bias ? constant(random_int(rng, DType::I32, {16}, -3000, 3000)) : testing::omitted_input(),
          {random_int(rng, t, {1, 16, 9, 9}, lo, hi)},
          constant(scalar_f32(0.7f)),
          constant(scalar_int(t, t == DType::I8 ? 4 : 131)),
          constant(scalar_f32(3.5f)),
          constant(scalar_int(t, t == DType::I8 ? 9 : 120)),
      };
      Attributes a = testing::attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
      SCOPED_TRACE(std::string(dtype_name(t)) + (bias ? " bias" : " no bias"));
      const testing::KernelCheck r = check_kernels(make_node("QLinearConvAdd", 1, in.size(), 1, a, kFusedDomain), in,
                                                   {.threads = 2, .tolerance = 0, .quant_steps = 1});
      EXPECT_TRUE(r.ran_kernel("onednn:qconv"));
    }
  }
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// com.microsoft QGemm on onednn:qmatmul (fuse_qdq's rewrite of QDQ Gemm): transB 0 and 1,
// per-column weight scales, an int32 bias, int8 and float outputs, against QGemm's reference.
TEST(QuantKernels, QGemmOnOnednnMatchesTheReference) {
  SKIP_WITHOUT_INT8_DOT_PRODUCT();
  std::mt19937 rng(47);
  for (int iter = 0; iter < 8; ++iter) {
    const bool tb = iter % 2 == 1, float_out = iter % 4 >= 2, bias = iter < 6;
    const DType at = iter < 4 ? DType::U8 : DType::I8;
    const int64_t m = 1 + rng() % 30, k = 16 + rng() % 50, n = 8 + rng() % 40;
    std::vector<float> b_scales;
    for (int64_t i = 0; i < n; ++i) b_scales.push_back(scale(rng) / 8.f);
    const int lo = at == DType::I8 ? -128 : 0, hi = at == DType::I8 ? 127 : 255;
    std::vector<CaseInput> in = {
        {random_int(rng, at, {m, k}, lo, hi)},
        constant(scalar_f32(scale(rng))),
        constant(scalar_int(at, at == DType::I8 ? -5 : 128)),
        constant(random_int(rng, DType::I8, tb ? Shape{n, k} : Shape{k, n}, -127, 127)),
        constant(testing::tensor<float>(DType::F32, {n}, b_scales)),
        constant(Tensor(DType::I8, {n})),
        bias ? constant(random_int(rng, DType::I32, {n}, -4000, 4000)) : testing::omitted_input(),
    };
    if (!float_out) {
      in.push_back(constant(scalar_f32(1.f + static_cast<float>(rng() % 5))));
      in.push_back(constant(scalar_int(at, at == DType::I8 ? 3 : 110)));
    }
    SCOPED_TRACE("iter " + std::to_string(iter));
    Node node = make_node("QGemm", 1, in.size(), 1, testing::attrs({{"transB", int64_t{tb ? 1 : 0}}}), "com.microsoft");
    const testing::KernelCheck r =
        check_kernels(node, in, {.threads = 1 + iter % 2, .tolerance = float_out ? 1e-5 : 0});
    EXPECT_TRUE(r.ran_kernel("onednn:qmatmul")) << "iter " << iter;
  }
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// QLinearMatMulAdd (fuse_qdq's QLinearMatMul -> QLinearAdd): a constant bias row (binary post-op)
// and a residual of the output's shape (sum post-op), against the two ops' references in a row.
TEST(QuantKernels, QLinearMatMulAddOnOnednnMatchesTheReference) {
  SKIP_WITHOUT_INT8_DOT_PRODUCT();
  std::mt19937 rng(48);
  for (int iter = 0; iter < 4; ++iter) {
    const bool row = iter % 2 == 0;
    const DType t = iter < 2 ? DType::U8 : DType::I8;
    const int lo = t == DType::I8 ? -128 : 0, hi = t == DType::I8 ? 127 : 255;
    const int64_t m = 4 + rng() % 30, k = 16 + rng() % 40, n = 8 + rng() % 40;
    std::vector<float> b_scales;
    for (int64_t i = 0; i < n; ++i) b_scales.push_back(scale(rng) / 8.f);
    std::vector<CaseInput> in = {
        {random_int(rng, t, {1, m, k}, lo, hi)},
        constant(scalar_f32(scale(rng))),
        constant(scalar_int(t, t == DType::I8 ? -3 : 125)),
        constant(random_int(rng, DType::I8, {k, n}, -127, 127)),
        constant(testing::tensor<float>(DType::F32, {n}, b_scales)),
        constant(Tensor(DType::I8, {n})),
        constant(scalar_f32(0.6f)),  // the matmul's own scale: narrow enough to clip
        constant(scalar_int(t, t == DType::I8 ? 2 : 120)),
        row ? constant(random_int(rng, t, {n}, lo, hi)) : CaseInput{random_int(rng, t, {1, m, n}, lo, hi)},
        constant(scalar_f32(0.3f)),
        constant(scalar_int(t, t == DType::I8 ? -7 : 131)),
        constant(scalar_f32(0.9f)),
        constant(scalar_int(t, t == DType::I8 ? 6 : 127)),
    };
    SCOPED_TRACE("iter " + std::to_string(iter));
    const testing::KernelCheck r = check_kernels(make_node("QLinearMatMulAdd", 1, in.size(), 1, {}, kFusedDomain), in,
                                                 {.threads = 1 + iter % 2, .tolerance = 0, .quant_steps = 1});
    EXPECT_TRUE(r.ran_kernel("onednn:qmatmul")) << "iter " << iter;
  }
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// native:qgap (com.microsoft QLinearGlobalAveragePool) against the reference: int8 and uint8,
// one and several planes per thread (its NHWC path runs in the quantized model ctests).
TEST(QuantKernels, NativeQLinearGlobalAveragePoolMatchesTheReference) {
  std::mt19937 rng(49);
  for (DType t : {DType::I8, DType::U8}) {
    for (const Shape& shape : {Shape{1, 64, 7, 7}, Shape{2, 3, 33, 17}, Shape{1, 2048, 1, 1}}) {
      const int lo = t == DType::I8 ? -128 : 0, hi = t == DType::I8 ? 127 : 255;
      std::vector<CaseInput> in = {{random_int(rng, t, shape, lo, hi)},
                                   constant(scalar_f32(0.07f)),
                                   constant(scalar_int(t, t == DType::I8 ? -9 : 120)),
                                   constant(scalar_f32(0.05f)),
                                   constant(scalar_int(t, t == DType::I8 ? 4 : 110))};
      SCOPED_TRACE(shape_to_string(shape));
      const testing::KernelCheck r = check_kernels(make_node("QLinearGlobalAveragePool", 1, 5, 1, {}, "com.microsoft"),
                                                   in, {.threads = 2, .tolerance = 0});
      EXPECT_TRUE(r.ran_kernel("native:qgap"));
    }
  }
}

}  // namespace
}  // namespace layerscope
