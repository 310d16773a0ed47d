// The quantization ops (src/ops/quant/): rounding ties, saturation, per-axis and blocked scales,
// requantization, and the errors for inputs that do not fit (expected values computed by hand).
#include <gtest/gtest.h>

#include <cmath>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "ops/quant/quant_math.h"
#include "registry/registry.h"

namespace layerscope {
namespace {

using testing::attrs;
using testing::constant;
using testing::f32;
using testing::tensor;

// Runs the reference kernel of `op` (inputs all constant, as initializers) and returns output 0.
Tensor run(const std::string& op, int opset, std::vector<Tensor> in, Attributes a = {},
           const std::string& domain = "") {
  Node n = testing::make_node(op, opset, in.size(), 1, std::move(a), domain);
  testing::expect_declared_attributes(n);
  std::vector<testing::CaseInput> inputs;
  for (Tensor& t : in) inputs.push_back(t.empty() ? testing::omitted_input() : constant(std::move(t)));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].omitted) n.inputs[i] = -1;
  return testing::check_kernels(n, inputs).reference.at(0);
}

std::string error_of(const std::string& op, int opset, std::vector<Tensor> in, Attributes a = {}) {
  try {
    run(op, opset, std::move(in), std::move(a));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

template <typename T>
std::vector<int> ints(const Tensor& t) {
  std::vector<int> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.data_as<T>()[i]);
  return v;
}

std::vector<float> floats(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.numel()}; }

TEST(QuantMath, RoundsHalvesToEvenAndSaturates) {
  EXPECT_EQ(quant::round_half_even(2.5f), 2.f);
  EXPECT_EQ(quant::round_half_even(-2.5f), -2.f);
  EXPECT_EQ(quant::round_half_even(3.5f), 4.f);
  EXPECT_EQ(quant::saturate<int8_t>(300.0), 127);
  EXPECT_EQ(quant::saturate<int8_t>(-300.0), -128);
  EXPECT_EQ(quant::saturate<uint8_t>(-1.0), 0);
  // 250 * 0.01 = 2.5 -> 2, then + zero point 3: 5; 350 * 0.01 = 3.5 -> 4 (+3 = 7).
  EXPECT_EQ(quant::requantize<int8_t>(250, 0.01f, 3), 5);
  EXPECT_EQ(quant::requantize<int8_t>(-250, 0.01f, 0), -2);
  EXPECT_EQ(quant::requantize<int8_t>(100000, 0.01f, 0), 127);
}

TEST(QuantizeLinear, TiesRoundToEvenAndSaturate) {
  Tensor x = f32({8}, {2.5f, -2.5f, 3.5f, 0.5f, -0.5f, 1.5f, 1000.f, -1000.f});
  Tensor y = run("QuantizeLinear", 13, {x, f32({}, {1.f}), tensor<int8_t>(DType::I8, {}, {0})});
  EXPECT_EQ(ints<int8_t>(y), (std::vector<int>{2, -2, 4, 0, 0, 2, 127, -128}));
  // uint8 with zero point 10: -20 / 2 = -10 -> 0; 3 / 2 = 1.5 -> 2 (+10 = 12); 1000 -> 255.
  Tensor u =
      run("QuantizeLinear", 13, {f32({3}, {-20.f, 3.f, 1000.f}), f32({}, {2.f}), tensor<uint8_t>(DType::U8, {}, {10})});
  EXPECT_EQ(ints<uint8_t>(u), (std::vector<int>{0, 12, 255}));
  // No zero point: uint8 output.
  Tensor d = run("QuantizeLinear", 10, {f32({2}, {-1.f, 7.f}), f32({}, {1.f}), Tensor()});
  EXPECT_EQ(d.dtype(), DType::U8);
  EXPECT_EQ(ints<uint8_t>(d), (std::vector<int>{0, 7}));
}

TEST(QuantizeLinear, PerAxisAndNegativeAxis) {
  // x [2, 3]; axis 1: column j uses scale[j], zero point[j].
  Tensor x = f32({2, 3}, {1.f, 2.f, 4.f, -1.f, -2.f, -4.f});
  Tensor scale = f32({3}, {1.f, 2.f, 4.f});
  Tensor zp = tensor<int8_t>(DType::I8, {3}, {0, 1, 2});
  for (int64_t axis : {1, -1}) {
    Tensor y = run("QuantizeLinear", 13, {x, scale, zp}, attrs({{"axis", axis}}));
    EXPECT_EQ(ints<int8_t>(y), (std::vector<int>{1, 2, 3, -1, 0, 1})) << "axis " << axis;
    Tensor back = run("DequantizeLinear", 13, {y, scale, zp}, attrs({{"axis", axis}}));
    EXPECT_EQ(floats(back), (std::vector<float>{1.f, 2.f, 4.f, -1.f, -2.f, -4.f}));
  }
  // axis 0: row i uses scale[i].
  Tensor y0 = run("QuantizeLinear", 13, {x, f32({2}, {1.f, 0.5f}), tensor<int8_t>(DType::I8, {2}, {0, 0})},
                  attrs({{"axis", int64_t{0}}}));
  EXPECT_EQ(ints<int8_t>(y0), (std::vector<int>{1, 2, 4, -2, -4, -8}));
}

TEST(QuantizeLinear, BlockedScales) {
  // x [1, 5], axis 1, block_size 2: blocks {0,1}, {2,3}, {4} use scales 1, 2, 4.
  Tensor x = f32({1, 5}, {3.f, 3.f, 3.f, 3.f, 3.f});
  Tensor y = run("QuantizeLinear", 21, {x, f32({1, 3}, {1.f, 2.f, 4.f}), tensor<int8_t>(DType::I8, {1, 3}, {0, 0, 0})},
                 attrs({{"axis", int64_t{1}}, {"block_size", int64_t{2}}}));
  EXPECT_EQ(ints<int8_t>(y), (std::vector<int>{3, 3, 2, 2, 1}));  // 1.5 -> 2, 0.75 -> 1
}

TEST(DequantizeLinear, Int32AndInt16) {
  Tensor y = run("DequantizeLinear", 13, {tensor<int32_t>(DType::I32, {2}, {-1000, 7}), f32({}, {0.5f}), Tensor()});
  EXPECT_EQ(floats(y), (std::vector<float>{-500.f, 3.5f}));
  Tensor z =
      run("DequantizeLinear", 21,
          {tensor<int16_t>(DType::I16, {2}, {-32768, 32767}), f32({}, {1.f}), tensor<int16_t>(DType::I16, {}, {-1})});
  EXPECT_EQ(floats(z), (std::vector<float>{-32767.f, 32768.f}));
}

// float8 outputs (opset 19): x / scale rounded once to the type, the zero point added when it is
// not 0, saturating unless saturate = 0.
TEST(QuantizeLinear, Float8RoundsOnceAndSaturates) {
  Tensor x = f32({6}, {2.f, 1000.f, -1000.f, -0.f, 2.125f, std::nanf("")});
  const Tensor zero(DType::F8E4M3FN, {});
  Tensor y = run("QuantizeLinear", 19, {x, f32({}, {2.f}), zero});
  EXPECT_EQ(y.dtype(), DType::F8E4M3FN);
  // 1.0; 500 -> 448; -448; -0 keeps its sign (a zero zero point adds nothing); 1.0625 is the tie of 1 and
  // 1.125: even, 1.0; NaN.
  EXPECT_EQ(ints<uint8_t>(y), (std::vector<int>{0x38, 0x7E, 0xFE, 0x80, 0x38, 0x7F}));
  Tensor u = run("QuantizeLinear", 19, {x, f32({}, {2.f}), zero}, attrs({{"saturate", int64_t{0}}}));
  EXPECT_EQ(ints<uint8_t>(u), (std::vector<int>{0x38, 0x7F, 0xFF, 0x80, 0x38, 0x7F}));
  Tensor e5 =
      run("QuantizeLinear", 19, {x, f32({}, {2.f}), Tensor(DType::F8E5M2, {})}, attrs({{"saturate", int64_t{0}}}));
  EXPECT_EQ(ints<uint8_t>(e5)[1], 0x60);  // E5M2: 500 = 1.95 * 2^8 rounds to 2^9 (2 mantissa bits)
  // Per axis, with a non-zero float8 zero point: y = x / s + zp.
  Tensor pa = run("QuantizeLinear", 19,
                  {f32({2}, {1.f, 1.f}), f32({2}, {1.f, 4.f}), tensor<uint8_t>(DType::F8E4M3FNUZ, {2}, {0x40, 0xC0})},
                  attrs({{"axis", int64_t{0}}}));
  EXPECT_EQ(ints<uint8_t>(pa), (std::vector<int>{0x48, 0xBC}));  // 1 + 1 = 2; 0.25 - 1 = -0.75
  // output_dtype (21) picks a float8 type without a zero point.
  Tensor od =
      run("QuantizeLinear", 21, {f32({1}, {3.f}), f32({}, {1.f}), Tensor()}, attrs({{"output_dtype", int64_t{20}}}));
  EXPECT_EQ(od.dtype(), DType::F8E5M2FNUZ);
  EXPECT_EQ(ints<uint8_t>(od), (std::vector<int>{0x46}));  // 3 = 1.5 * 2^1: exponent field 17
}

TEST(QuantizeLinear, Int4SaturatesPerAxisAndBlocked) {
  // INT4 per axis: zero points 1 and -8.
  Tensor x = f32({2, 2}, {5.f, -100.f, 7.f, 100.f});
  Tensor y = run("QuantizeLinear", 21, {x, f32({2}, {2.f, 2.f}), tensor<int8_t>(DType::I4, {2}, {1, -8})},
                 attrs({{"axis", int64_t{0}}}));
  EXPECT_EQ(y.dtype(), DType::I4);
  EXPECT_EQ(ints<int8_t>(y), (std::vector<int>{3, -8, -4, 7}));  // 2.5 -> 2 (+1); -50 -> -8; 3.5 -> 4 (-8)
  // UINT4 blocked along axis 1 (block 2 over 3 columns: scales 1 and 4).
  Tensor b = run("QuantizeLinear", 21,
                 {f32({1, 3}, {3.f, 20.f, 6.f}), f32({1, 2}, {1.f, 4.f}), tensor<uint8_t>(DType::U4, {1, 2}, {0, 2})},
                 attrs({{"axis", int64_t{1}}, {"block_size", int64_t{2}}}));
  EXPECT_EQ(ints<uint8_t>(b), (std::vector<int>{3, 15, 4}));  // 3; 20 -> 15; 6 / 4 = 1.5 -> 2, + 2
}

TEST(DequantizeLinear, Float8AndInt4) {
  // (x - zp) * scale: E5M2 0x3C = 1, 0xC0 = -2, 0x7C = inf, 0x7F NaN; zero point 1.
  Tensor y = run("DequantizeLinear", 19,
                 {tensor<uint8_t>(DType::F8E5M2, {4}, {0x3C, 0xC0, 0x7C, 0x7F}), f32({}, {0.5f}),
                  tensor<uint8_t>(DType::F8E5M2, {}, {0x3C})});
  const std::vector<float> v = floats(y);
  EXPECT_EQ(v[0], 0.f);
  EXPECT_EQ(v[1], -1.5f);
  EXPECT_EQ(v[2], INFINITY);
  EXPECT_TRUE(std::isnan(v[3]));
  // INT4 with a negative zero point, per axis; UINT4.
  Tensor i =
      run("DequantizeLinear", 21,
          {tensor<int8_t>(DType::I4, {2}, {-8, 7}), f32({2}, {1.f, 2.f}), tensor<int8_t>(DType::I4, {2}, {-8, -1})},
          attrs({{"axis", int64_t{0}}}));
  EXPECT_EQ(floats(i), (std::vector<float>{0.f, 16.f}));
  Tensor u = run("DequantizeLinear", 21, {tensor<uint8_t>(DType::U4, {2}, {15, 0}), f32({}, {0.5f}), Tensor()});
  EXPECT_EQ(floats(u), (std::vector<float>{7.5f, 0.f}));
}

TEST(QuantizeLinear, NarrowTypesNeedTheirOpset) {
  Tensor x = f32({1}, {1.f});
  std::string e = error_of("QuantizeLinear", 13, {x, f32({}, {1.f}), Tensor(DType::F8E4M3FN, {})});
  EXPECT_NE(e.find("zero point y_zero_point has type FLOAT8E4M3FN; expected one of INT8, UINT8 (at opset 13)"),
            std::string::npos)
      << e;
  e = error_of("DequantizeLinear", 19, {Tensor(DType::I4, {1}), f32({}, {1.f}), Tensor()});
  EXPECT_NE(e.find("input x has type INT4"), std::string::npos) << e;
  // The zero point's type must be the output's.
  e = error_of("DequantizeLinear", 21, {Tensor(DType::I4, {1}), f32({}, {1.f}), Tensor(DType::U4, {})});
  EXPECT_NE(e.find("zero point x_zero_point has type UINT4; expected INT4"), std::string::npos) << e;
}

TEST(QuantizeLinear, ErrorsNameTheProblem) {
  Tensor x = f32({2, 3}, {0, 0, 0, 0, 0, 0});
  // A scale that fits neither per tensor nor the axis.
  std::string e = error_of("QuantizeLinear", 13, {x, f32({2}, {1.f, 1.f}), tensor<int8_t>(DType::I8, {2}, {0, 0})});
  EXPECT_NE(e.find("scale has shape (2), which is neither a scalar (per tensor) nor (3)"), std::string::npos) << e;
  EXPECT_NE(e.find("QuantizeLinear"), std::string::npos) << e;
  // Per-axis before opset 13.
  e = error_of("QuantizeLinear", 10, {x, f32({3}, {1.f, 1.f, 1.f}), tensor<int8_t>(DType::I8, {3}, {0, 0, 0})});
  EXPECT_NE(e.find("per tensor only"), std::string::npos) << e;
  // Zero point of another shape than the scale.
  e = error_of("QuantizeLinear", 13, {x, f32({3}, {1.f, 1.f, 1.f}), tensor<int8_t>(DType::I8, {}, {0})});
  EXPECT_NE(e.find("zero point y_zero_point has shape () but its scale has shape (3)"), std::string::npos) << e;
  // Zero point type != x's (DequantizeLinear).
  e = error_of("DequantizeLinear", 13,
               {tensor<int8_t>(DType::I8, {2}, {0, 0}), f32({}, {1.f}), tensor<uint8_t>(DType::U8, {}, {0})});
  EXPECT_NE(e.find("zero point x_zero_point has type UINT8; expected INT8"), std::string::npos) << e;
  // output_dtype (21) disagreeing with the zero point.
  e = error_of("QuantizeLinear", 21, {x, f32({}, {1.f}), tensor<int8_t>(DType::I8, {}, {0})},
               attrs({{"output_dtype", int64_t{2}}}));
  EXPECT_NE(e.find("output_dtype (UINT8) and the zero point's type (INT8) differ"), std::string::npos) << e;
  // A bad block: the scale must cover ceil(3 / 2) = 2 blocks.
  e = error_of("DequantizeLinear", 21,
               {tensor<int8_t>(DType::I8, {2, 3}, {0, 0, 0, 0, 0, 0}), f32({2, 3}, {1, 1, 1, 1, 1, 1}), Tensor()},
               attrs({{"axis", int64_t{1}}, {"block_size", int64_t{2}}}));
  EXPECT_NE(e.find("needs (2,2)"), std::string::npos) << e;
}

TEST(QLinearConv, PerChannelWeightsAndBias) {
  // 1x1 conv, 2 input channels, 2 output channels with their own weight scales.
  // x (uint8, zp 128): channel 0 = [130, 126], channel 1 = [128, 138] -> x - zp: [2, -2], [0, 10]
  // w (int8): oc0 = [1, 1], oc1 = [2, -1]; acc oc0 = [2, 8], oc1 = [4, -14]; bias [10, -4]
  // -> [12, 18], [0, -18]; multipliers 0.5 * w_scale / 1: oc0 0.5 * 0.25, oc1 0.5 * 1
  // -> oc0 [1.5 -> 2, 2.25 -> 2], oc1 [0, -9]; + y_zp 100: [102, 102], [100, 91].
  Tensor x = tensor<uint8_t>(DType::U8, {1, 2, 1, 2}, {130, 126, 128, 138});
  Tensor w = tensor<int8_t>(DType::I8, {2, 2, 1, 1}, {1, 1, 2, -1});
  Tensor y = run("QLinearConv", 10,
                 {x, f32({}, {0.5f}), tensor<uint8_t>(DType::U8, {}, {128}), w, f32({2}, {0.25f, 1.f}),
                  tensor<int8_t>(DType::I8, {2}, {0, 0}), f32({}, {1.f}), tensor<uint8_t>(DType::U8, {}, {100}),
                  tensor<int32_t>(DType::I32, {2}, {10, -4})});
  EXPECT_EQ(ints<uint8_t>(y), (std::vector<int>{102, 102, 100, 91}));
  // A weight scale per channel must count the output channels.
  std::string e =
      error_of("QLinearConv", 10,
               {x, f32({}, {0.5f}), tensor<uint8_t>(DType::U8, {}, {128}), w, f32({3}, {1.f, 1.f, 1.f}),
                tensor<int8_t>(DType::I8, {2}, {0, 0}), f32({}, {1.f}), tensor<uint8_t>(DType::U8, {}, {100})});
  EXPECT_NE(e.find("w_scale has shape (3); expected a scalar or (2) (one per output channel)"), std::string::npos) << e;
}

TEST(MatMulInteger, PerRowAndPerColumnZeroPoints) {
  // A [2, 2] - a_zp per row [1, 2]; B [2, 2] - b_zp per column [0, 1].
  Tensor a = tensor<uint8_t>(DType::U8, {2, 2}, {1, 2, 3, 4});  // -> [0, 1], [1, 2]
  Tensor b = tensor<int8_t>(DType::I8, {2, 2}, {1, 2, 3, 4});   // -> [1, 1], [3, 3]
  Tensor y =
      run("MatMulInteger", 10, {a, b, tensor<uint8_t>(DType::U8, {2}, {1, 2}), tensor<int8_t>(DType::I8, {2}, {0, 1})});
  EXPECT_EQ(ints<int32_t>(y), (std::vector<int>{3, 3, 7, 7}));
}

TEST(ContribQLinear, AddRoundsTiesToEven) {
  // scales all 1, zero points 0: 1 + 1 = 2 exactly; saturation at 127.
  Tensor a = tensor<int8_t>(DType::I8, {3}, {1, 100, -100});
  Tensor b = tensor<int8_t>(DType::I8, {3}, {1, 100, -100});
  Tensor one = f32({}, {1.f});
  Tensor zero = tensor<int8_t>(DType::I8, {}, {0});
  Tensor y = run("QLinearAdd", 1, {a, one, zero, b, one, zero, one, zero}, {}, "com.microsoft");
  EXPECT_EQ(ints<int8_t>(y), (std::vector<int>{2, 127, -128}));
  // Output scale 4: 2 / 4 = 0.5 -> 0 (ties to even), 6 / 4 = 1.5 -> 2.
  Tensor h = run("QLinearAdd", 1,
                 {tensor<int8_t>(DType::I8, {2}, {1, 3}), one, zero, tensor<int8_t>(DType::I8, {2}, {1, 3}), one, zero,
                  f32({}, {4.f}), zero},
                 {}, "com.microsoft");
  EXPECT_EQ(ints<int8_t>(h), (std::vector<int>{0, 2}));
}

}  // namespace
}  // namespace layerscope
