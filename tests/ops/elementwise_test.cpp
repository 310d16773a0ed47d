// Elementwise family: shape/type inference (incl. errors) and reference results on small
// hand-computed examples. Native kernels vs reference: elementwise_native_test.cpp.
#include <cmath>
#include <limits>

#include "elementwise_test_util.h"
#include "ops/elementwise/half.h"

namespace layerscope::elementwise_test {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

void expect_floats(const Tensor& t, std::vector<float> want, float tol = 1e-6f) {
  ASSERT_EQ(t.dtype(), DType::F32);
  auto got = values_of<float>(t);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
    else if (std::isinf(want[i])) EXPECT_EQ(got[i], want[i]) << "element " << i;
    else EXPECT_NEAR(got[i], want[i], tol * std::max(1.f, std::fabs(want[i]))) << "element " << i;
  }
}

TEST(ElementwiseInfer, BroadcastShapes) {
  Tensor y = run_ref("Add", 14, {f32({2, 1, 3}, {1, 2, 3, 4, 5, 6}), f32({4, 1}, {10, 20, 30, 40})});
  EXPECT_EQ(y.shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(values_of<float>(y)[3], 21.f);   // [0,1,0] = a[0,0,0] + b[1,0]
  EXPECT_EQ(values_of<float>(y)[23], 46.f);  // [1,3,2] = a[1,0,2] + b[3,0]
  std::string e = infer_error("Mul", 14, {{DType::F32, {2, 3}}, {DType::F32, {4}}});
  EXPECT_NE(e.find("cannot be broadcast"), std::string::npos) << e;
  EXPECT_NE(e.find("'Mul' node 'n'"), std::string::npos) << e;
}

TEST(ElementwiseInfer, TypeErrors) {
  std::string e = infer_error("Add", 14, {{DType::F16, {2}}, {DType::F16, {2}}});
  EXPECT_NE(e.find("float16 is not supported"), std::string::npos) << e;
  e = infer_error("Add", 14, {{DType::F32, {2}}, {DType::I64, {2}}});
  EXPECT_NE(e.find("same type"), std::string::npos) << e;
  e = infer_error("Sqrt", 13, {{DType::I32, {2}}});
  EXPECT_NE(e.find("expected one of FLOAT, DOUBLE"), std::string::npos) << e;
  e = infer_error("And", 7, {{DType::F32, {2}}, {DType::F32, {2}}});
  EXPECT_NE(e.find("BOOL"), std::string::npos) << e;
  EXPECT_NE(infer_error("Cast", 13, {{DType::F32, {2}}}, attrs({{"to", int64_t{8}}})).find("STRING"),
            std::string::npos);
  // float8 from opset 19, INT4/UINT4 from 21; FLOAT4E2M1 (23) not at all.
  e = infer_error("Cast", 13, {{DType::F32, {2}}}, attrs({{"to", int64_t{17}}}));
  EXPECT_NE(e.find("target type 'to' is FLOAT8E4M3FN, a type this op has from opset 19 on (the node is opset 13)"),
            std::string::npos)
      << e;
  e = infer_error("Cast", 19, {{DType::I4, {2}}}, attrs({{"to", int64_t{1}}}));
  EXPECT_NE(e.find("input 0 is INT4, a type this op has from opset 21 on"), std::string::npos) << e;
  e = infer_error("CastLike", 19, {{DType::F32, {2}}, {DType::U4, {1}}});
  EXPECT_NE(e.find("input 1 (target_type) is UINT4"), std::string::npos) << e;
  EXPECT_NE(infer_error("Cast", 21, {{DType::F32, {2}}}, attrs({{"to", int64_t{23}}})).find("not a supported type"),
            std::string::npos);
}

TEST(ElementwiseInfer, AttributeErrors) {
  std::string e = infer_error("Gelu", 20, {{DType::F32, {2}}}, attrs({{"approximate", std::string("erf")}}));
  EXPECT_NE(e.find("'approximate' = 'erf' is not supported; expected one of none, tanh"), std::string::npos) << e;
  e = infer_error("BitShift", 11, {{DType::U8, {2}}, {DType::U8, {2}}}, attrs({{"direction", std::string("UP")}}));
  EXPECT_NE(e.find("direction"), std::string::npos) << e;
  e = infer_error("Mod", 13, {{DType::F32, {2}}, {DType::F32, {2}}});
  EXPECT_NE(e.find("'fmod' must be 1"), std::string::npos) << e;
  e = infer_error("Clip", 13, {{DType::F32, {2}}, {DType::F32, {2}}});
  EXPECT_NE(e.find("must be a scalar"), std::string::npos) << e;
  e = infer_error("PRelu", 16, {{DType::F32, {2, 3}}, {DType::F32, {2, 1, 3}}});
  EXPECT_NE(e.find("cannot be broadcast to input shape"), std::string::npos) << e;
}

TEST(ElementwiseUnary, Math) {
  expect_floats(run_ref("Round", 11, {f32({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f})}), {0, 2, 2, -0.f, -2, 3});
  expect_floats(run_ref("Sign", 13, {f32({4}, {-3, 0, 2, kNaN})}), {-1, 0, 1, kNaN});
  expect_floats(run_ref("Reciprocal", 13, {f32({2}, {4, -0.5f})}), {0.25f, -2});
  Tensor a = run_ref("Abs", 13, {make<int8_t>(DType::I8, {3}, {-128, -5, 7})});
  EXPECT_EQ(values_of<int8_t>(a), (std::vector<int8_t>{-128, 5, 7}));  // wraps like numpy
  Tensor n = run_ref("Neg", 13, {make<int32_t>(DType::I32, {2}, {5, -7})});
  EXPECT_EQ(values_of<int32_t>(n), (std::vector<int32_t>{-5, 7}));
  Tensor e = run_ref("Erf", 13, {make<int64_t>(DType::I64, {3}, {0, 1, 5})});
  EXPECT_EQ(values_of<int64_t>(e), (std::vector<int64_t>{0, 0, 0}));  // erf(5) = 0.99999... truncates
  Tensor inf = run_ref("IsInf", 10, {f32({4}, {kInf, -kInf, 1, kNaN})}, attrs({{"detect_positive", int64_t{0}}}));
  EXPECT_EQ(inf.dtype(), DType::Bool);
  EXPECT_EQ(values_of<uint8_t>(inf), (std::vector<uint8_t>{0, 1, 0, 0}));
  Tensor nan = run_ref("IsNaN", 13, {f32({2}, {kNaN, 1})});
  EXPECT_EQ(values_of<uint8_t>(nan), (std::vector<uint8_t>{1, 0}));
  Tensor nt = run_ref("Not", 1, {make<uint8_t>(DType::Bool, {2}, {1, 0})});
  EXPECT_EQ(values_of<uint8_t>(nt), (std::vector<uint8_t>{0, 1}));
  Tensor bn = run_ref("BitwiseNot", 18, {make<uint8_t>(DType::U8, {2}, {0, 0x0f})});
  EXPECT_EQ(values_of<uint8_t>(bn), (std::vector<uint8_t>{0xff, 0xf0}));
}

TEST(ElementwiseActivation, Formulas) {
  Tensor x = f32({4}, {-2, -0.5f, 0, 3});
  expect_floats(run_ref("Relu", 14, {x}), {0, 0, 0, 3});
  expect_floats(run_ref("LeakyRelu", 16, {x}), {-0.02f, -0.005f, 0, 3});
  expect_floats(run_ref("Elu", 6, {x}, attrs({{"alpha", 2.f}})), {2 * std::expm1(-2.f), 2 * std::expm1(-0.5f), 0, 3});
  expect_floats(run_ref("Selu", 6, {x}),
                {1.0507f * 1.67326f * std::expm1(-2.f), 1.0507f * 1.67326f * std::expm1(-0.5f), 0, 1.0507f * 3}, 1e-5f);
  expect_floats(run_ref("Celu", 12, {x}, attrs({{"alpha", 2.f}})),
                {2 * std::expm1(-1.f), 2 * std::expm1(-0.25f), 0, 3});
  expect_floats(run_ref("HardSigmoid", 6, {x}), {0.1f, 0.4f, 0.5f, 1});
  expect_floats(run_ref("HardSwish", 14, {x}), {-2 * (1.f / 6), -0.5f * (0.5f - 0.5f / 6), 0, 3});
  expect_floats(run_ref("Softsign", 1, {x}), {-2.f / 3, -0.5f / 1.5f, 0, 0.75f});
  expect_floats(run_ref("ThresholdedRelu", 10, {x}, attrs({{"alpha", 2.f}})), {0, 0, 0, 3});
  expect_floats(run_ref("Sigmoid", 13, {f32({3}, {0, -100, 100})}), {0.5f, 0, 1});
  // Softplus stays finite where exp overflows.
  expect_floats(run_ref("Softplus", 1, {f32({3}, {0, 100, -100})}), {std::log(2.f), 100, 0});
  expect_floats(run_ref("Mish", 18, {f32({2}, {0, 1})}), {0, std::tanh(std::log1p(std::exp(1.f)))});
  // Gelu(1) = Phi(1) = 0.8413447; tanh approximation 0.8411920.
  expect_floats(run_ref("Gelu", 20, {f32({3}, {1, 0, -1})}), {0.8413447f, 0, -0.1586553f});
  expect_floats(run_ref("Gelu", 20, {f32({1}, {1})}, attrs({{"approximate", std::string("tanh")}})), {0.841192f});
}

TEST(ElementwiseActivation, PReluBroadcastsSlope) {
  Tensor y = run_ref("PRelu", 16, {f32({2, 2, 1}, {-1, 2, -3, -4}), f32({2, 1}, {10, 100})});
  expect_floats(y, {-10, 2, -30, -400});
  Tensor legacy = run_ref("PRelu", 6, {f32({2}, {-1, 1}), f32({1}, {0.5f})});
  expect_floats(legacy, {-0.5f, 1});
  // Before opset 7 a 1-D slope is per channel (dim 1), not numpy-aligned to the last dim.
  Tensor per_channel = run_ref("PRelu", 6, {f32({1, 2, 2}, {-1, -2, -3, 4}), f32({2}, {10, 100})});
  expect_floats(per_channel, {-10, -20, -300, 4});
}

TEST(ElementwiseBinary, IntegerDivAndMod) {
  auto i32 = [](std::vector<int32_t> v) { return make<int32_t>(DType::I32, {static_cast<int64_t>(v.size())}, v); };
  Tensor a = i32({-7, 7, -7, 7}), b = i32({2, -2, -2, 2});
  EXPECT_EQ(values_of<int32_t>(run_ref("Div", 14, {a, b})), (std::vector<int32_t>{-3, -3, 3, 3}));
  Tensor m = i32({3, -3, -3, 3});
  // Python-style (sign of divisor) vs C fmod (sign of dividend).
  EXPECT_EQ(values_of<int32_t>(run_ref("Mod", 13, {a, m})), (std::vector<int32_t>{2, -2, -1, 1}));
  EXPECT_EQ(values_of<int32_t>(run_ref("Mod", 13, {a, m}, attrs({{"fmod", int64_t{1}}}))),
            (std::vector<int32_t>{-1, 1, -1, 1}));
  expect_floats(run_ref("Mod", 13, {f32({2}, {-7.5f, 7.5f}), f32({2}, {2, -2})}, attrs({{"fmod", int64_t{1}}})),
                {-1.5f, 1.5f});
  EXPECT_THROW(run_ref("Div", 14, {i32({1}), i32({0})}), Error);
  Tensor mn = i32({std::numeric_limits<int32_t>::min()});
  EXPECT_EQ(values_of<int32_t>(run_ref("Div", 14, {mn, i32({-1})}))[0], std::numeric_limits<int32_t>::min());
  Tensor u = make<uint8_t>(DType::U8, {2}, {250, 3});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Add", 14, {u, u})), (std::vector<uint8_t>{244, 6}));
}

TEST(ElementwiseBinary, PowMixedTypes) {
  Tensor bi = make<int32_t>(DType::I32, {4}, {2, 3, -2, 2});
  Tensor ei = make<int64_t>(DType::I64, {4}, {10, 3, 3, -1});
  EXPECT_EQ(values_of<int32_t>(run_ref("Pow", 15, {bi, ei})), (std::vector<int32_t>{1024, 27, -8, 0}));
  Tensor ef = f32({4}, {0.5f, 2, 3, 1});
  Tensor y = run_ref("Pow", 15, {bi, ef});
  EXPECT_EQ(y.dtype(), DType::I32);
  EXPECT_EQ(values_of<int32_t>(y), (std::vector<int32_t>{1, 9, -8, 2}));
  expect_floats(run_ref("Pow", 15, {f32({3}, {2, 4, -3}), make<int64_t>(DType::I64, {1}, {2})}), {4, 16, 9});
  expect_floats(run_ref("Pow", 15, {f32({2}, {4, 9}), f32({}, {0.5f})}), {2, 3});
}

TEST(ElementwiseBinary, LegacyBroadcast) {
  // Opset 6: b (3) broadcast over a (2,3,2) from axis 1.
  Tensor a = f32({2, 3, 2}, {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1});
  Tensor b = f32({3}, {10, 20, 30});
  Tensor y = run_ref("Add", 6, {a, b}, attrs({{"broadcast", int64_t{1}}, {"axis", int64_t{1}}}));
  expect_floats(y, {10, 10, 20, 20, 30, 30, 11, 11, 21, 21, 31, 31});
  // Size-1 dims of b repeat too (old PyTorch exports rely on it).
  expect_floats(
      run_ref("Add", 6, {f32({2, 2}, {1, 2, 3, 4}), f32({2, 1}, {10, 20})}, attrs({{"broadcast", int64_t{1}}})),
      {11, 12, 23, 24});
  std::string e = infer_error("Add", 6, {{DType::F32, {2, 3}}, {DType::F32, {3}}});
  EXPECT_NE(e.find("'broadcast' is not set"), std::string::npos) << e;
  e = infer_error("Sub", 6, {{DType::F32, {2, 3}}, {DType::F32, {2}}}, attrs({{"broadcast", int64_t{1}}}));
  EXPECT_NE(e.find("legacy broadcast"), std::string::npos) << e;
}

TEST(ElementwiseBinary, ComparisonLogicalBitwise) {
  Tensor c = run_ref("Less", 13, {f32({2, 2}, {1, 2, 3, 4}), f32({2}, {2, 3})});
  EXPECT_EQ(c.dtype(), DType::Bool);
  EXPECT_EQ(values_of<uint8_t>(c), (std::vector<uint8_t>{1, 1, 0, 0}));
  Tensor ge = run_ref("GreaterOrEqual", 16, {f32({3}, {1, 2, kNaN}), f32({3}, {1, 3, 1})});
  EXPECT_EQ(values_of<uint8_t>(ge), (std::vector<uint8_t>{1, 0, 0}));
  Tensor eq = run_ref("Equal", 13, {make<int64_t>(DType::I64, {2}, {5, 6}), make<int64_t>(DType::I64, {}, {6})});
  EXPECT_EQ(values_of<uint8_t>(eq), (std::vector<uint8_t>{0, 1}));
  Tensor t = make<uint8_t>(DType::Bool, {4}, {0, 0, 1, 1}), f = make<uint8_t>(DType::Bool, {4}, {0, 1, 0, 1});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Xor", 7, {t, f})), (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Or", 7, {t, f})), (std::vector<uint8_t>{0, 1, 1, 1}));
  Tensor s = make<uint8_t>(DType::U8, {3}, {1, 0x81, 0xff}), k = make<uint8_t>(DType::U8, {3}, {3, 1, 8});
  EXPECT_EQ(values_of<uint8_t>(run_ref("BitShift", 11, {s, k}, attrs({{"direction", std::string("LEFT")}}))),
            (std::vector<uint8_t>{8, 2, 0}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("BitShift", 11, {s, k}, attrs({{"direction", std::string("RIGHT")}}))),
            (std::vector<uint8_t>{0, 0x40, 0}));
  Tensor x = make<int16_t>(DType::I16, {2}, {0x0ff0, -1}), m = make<int16_t>(DType::I16, {2}, {0x00ff, 0x1234});
  EXPECT_EQ(values_of<int16_t>(run_ref("BitwiseAnd", 18, {x, m})), (std::vector<int16_t>{0x00f0, 0x1234}));
  EXPECT_EQ(values_of<int16_t>(run_ref("BitwiseXor", 18, {x, m})), (std::vector<int16_t>{0x0f0f, ~0x1234}));
}

TEST(ElementwiseVariadic, SumMeanMaxMin) {
  Tensor a = f32({2, 1}, {1, 2}), b = f32({3}, {10, 20, 30}), c = f32({}, {100});
  Tensor s = run_ref("Sum", 13, {a, b, c});
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  expect_floats(s, {111, 121, 131, 112, 122, 132});
  expect_floats(run_ref("Mean", 13, {a, b}), {5.5f, 10.5f, 15.5f, 6, 11, 16});
  expect_floats(run_ref("Max", 13, {f32({3}, {1, kNaN, 5}), f32({3}, {2, 1, kNaN})}), {2, kNaN, kNaN});
  Tensor mn = run_ref("Min", 13, {make<int8_t>(DType::I8, {2}, {-3, 4}), make<int8_t>(DType::I8, {1}, {0})});
  EXPECT_EQ(values_of<int8_t>(mn), (std::vector<int8_t>{-3, 0}));
  expect_floats(run_ref("Max", 8, {f32({2}, {1, 2})}), {1, 2});  // one input: a copy
}

TEST(ElementwiseVariadic, WhereAndClip) {
  Tensor cond = make<uint8_t>(DType::Bool, {2, 1}, {1, 0});
  Tensor y = run_ref("Where", 16, {cond, f32({2}, {1, 2}), f32({}, {9})});
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  expect_floats(y, {1, 2, 9, 9});
  Tensor x = f32({4}, {-5, 0.5f, 5, kNaN});
  expect_floats(run_ref("Clip", 6, {x}, attrs({{"min", -1.f}, {"max", 1.f}})), {-1, 0.5f, 1, kNaN});
  expect_floats(run_ref("Clip", 6, {x}, attrs({{"max", 0.f}})), {-5, 0, 0, kNaN});
  expect_floats(run_ref("Clip", 13, {x, Tensor(), f32({}, {1})}), {-5, 0.5f, 1, kNaN});
  expect_floats(run_ref("Clip", 13, {x, f32({}, {2}), f32({}, {1})}), {1, 1, 1, kNaN});  // min > max: max
  Tensor xi = make<int64_t>(DType::I64, {3}, {-5, 3, 9});
  Tensor ci = run_ref("Clip", 13, {xi, make<int64_t>(DType::I64, {}, {0}), make<int64_t>(DType::I64, {}, {5})});
  EXPECT_EQ(values_of<int64_t>(ci), (std::vector<int64_t>{0, 3, 5}));
}

TEST(ElementwiseCast, HalfRoundsToNearestEven) {
  using elementwise::float_to_half_bits;
  EXPECT_EQ(float_to_half_bits(1.0), 0x3C00);
  EXPECT_EQ(float_to_half_bits(-2.0), 0xC000);
  EXPECT_EQ(float_to_half_bits(65504.0), 0x7BFF);
  EXPECT_EQ(float_to_half_bits(65519.99), 0x7BFF);
  EXPECT_EQ(float_to_half_bits(65520.0), 0x7C00);                   // tie between max and 2^16: even is infinity
  EXPECT_EQ(float_to_half_bits(1.0 + 1.0 / 2048), 0x3C00);          // tie: stays even
  EXPECT_EQ(float_to_half_bits(1.0 + 3.0 / 2048), 0x3C02);          // tie: rounds up to even
  EXPECT_EQ(float_to_half_bits(1.0 + 1.0 / 2048 + 1e-12), 0x3C01);  // just above the tie (double input)
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0, -24)), 0x0001);      // smallest subnormal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0, -25)), 0x0000);      // tie with 0: even
  EXPECT_EQ(float_to_half_bits(std::ldexp(3.0, -25)), 0x0002);
  EXPECT_EQ(float_to_half_bits(std::ldexp(1023.5, -24)), 0x0400);  // rounds up into the normals
  EXPECT_EQ(float_to_half_bits(-0.0), 0x8000);
  EXPECT_EQ(float_to_half_bits(NAN) & 0x7E00, 0x7E00);
  EXPECT_EQ(elementwise::half_bits_to_float(0x0001), std::ldexp(1.f, -24));
  EXPECT_EQ(elementwise::half_bits_to_float(0xFBFF), -65504.f);
  EXPECT_TRUE(std::isinf(elementwise::half_bits_to_float(0x7C00)));
  EXPECT_EQ(elementwise::float_to_bfloat16_bits(1.0 + 1.0 / 256), 0x3F80);  // tie: even
  EXPECT_EQ(elementwise::float_to_bfloat16_bits(1.0 + 3.0 / 256), 0x3F82);
  EXPECT_EQ(elementwise::float_to_bfloat16_bits(3.4e38), 0x7F80);  // above bf16 max after rounding: inf
  EXPECT_EQ(elementwise::bfloat16_bits_to_float(0x4049), 3.140625f);
}

TEST(ElementwiseCast, Conversions) {
  Tensor x = f32({6}, {1.5f, -1.5f, 300, -1e20f, kNaN, 0});
  Tensor i8 = run_ref("Cast", 13, {x}, attrs({{"to", int64_t{3}}}));
  EXPECT_EQ(values_of<int8_t>(i8), (std::vector<int8_t>{1, -1, 127, -128, 0, 0}));
  Tensor b = run_ref("Cast", 13, {x}, attrs({{"to", int64_t{9}}}));
  EXPECT_EQ(values_of<uint8_t>(b), (std::vector<uint8_t>{1, 1, 1, 1, 1, 0}));
  Tensor h = run_ref("Cast", 13, {x}, attrs({{"to", int64_t{10}}}));
  EXPECT_EQ(h.dtype(), DType::F16);
  EXPECT_EQ(values_of<uint16_t>(h)[0], 0x3E00);
  Tensor back = run_ref("CastLike", 15, {h, f32({}, {0})});
  expect_floats(back, {1.5f, -1.5f, 300, -kInf, kNaN, 0});
  Tensor big = make<int64_t>(DType::I64, {2}, {300, -1});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 6, {big}, attrs({{"to", int64_t{2}}}))),
            (std::vector<uint8_t>{44, 255}));
  // Opset 1 names the target type with a string.
  Tensor d = run_ref("Cast", 1, {x}, attrs({{"to", std::string("DOUBLE")}}));
  EXPECT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(values_of<double>(d)[0], 1.5);
}

// Cast / CastLike to and from the float8 types (opset 19) and INT4/UINT4 (21): the conversions
// themselves are tested bit by bit in tests/unit/float8_test.cpp; here the op's attribute and
// the paths between the types.
TEST(ElementwiseCast, Float8SaturateAttribute) {
  Tensor x = f32({5}, {1e6f, -kInf, kNaN, 465.f, -0.f});
  const Attributes to_e4m3fn = attrs({{"to", int64_t{17}}});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, to_e4m3fn)),
            (std::vector<uint8_t>{0x7E, 0xFE, 0x7F, 0x7E, 0x80}));  // saturate defaults to 1
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{17}}, {"saturate", int64_t{0}}}))),
            (std::vector<uint8_t>{0x7F, 0xFF, 0x7F, 0x7F, 0x80}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{19}}, {"saturate", int64_t{0}}}))),
            (std::vector<uint8_t>{0x7C, 0xFC, 0x7F, 0x5F, 0x80}));  // E5M2: infinities; 465 -> 448
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{18}}, {"saturate", int64_t{0}}}))),
            (std::vector<uint8_t>{0x80, 0x80, 0x80, 0x80, 0x00}));  // E4M3FNUZ: one NaN, no -0
  // CastLike takes the attribute too; its target's values are never read.
  Tensor like(DType::F8E5M2FNUZ, {1});
  EXPECT_EQ(values_of<uint8_t>(run_ref("CastLike", 19, {x, like}, attrs({{"saturate", int64_t{1}}}))),
            (std::vector<uint8_t>{0x7F, 0xFF, 0x80, 0x63, 0x00}));  // bias 16: 448 is 0x63
}

TEST(ElementwiseCast, Float8ToOtherTypes) {
  // E4M3FN 0x38 = 1, 0xC4 = -3 (exponent field 8, mantissa 4: -1.5 * 2^1), 0x7E = 448, 0x01 = 2^-9, 0x7F NaN.
  Tensor x = make<uint8_t>(DType::F8E4M3FN, {5}, {0x38, 0xC4, 0x7E, 0x01, 0x7F});
  Tensor h = run_ref("Cast", 19, {x}, attrs({{"to", int64_t{10}}}));  // exact in float16
  EXPECT_EQ(values_of<uint16_t>(h)[0], 0x3C00);
  EXPECT_EQ(values_of<uint16_t>(h)[1], 0xC200);
  EXPECT_EQ(values_of<uint16_t>(h)[2], 0x5F00);
  EXPECT_EQ(values_of<uint16_t>(h)[3], 0x1800);
  EXPECT_EQ(values_of<uint16_t>(h)[4] & 0x7C00, 0x7C00);
  expect_floats(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{1}}})), {1, -3, 448, std::ldexp(1.f, -9), kNaN});
  // To integers as any float: truncation, NaN 0, saturation.
  EXPECT_EQ(values_of<int8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{3}}}))),
            (std::vector<int8_t>{1, -3, 127, 0, 0}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{9}}}))),
            (std::vector<uint8_t>{1, 1, 1, 1, 1}));
  // Between float8 types: 448 does not fit E4M3FNUZ (max 240): saturates, or NaN without saturate.
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{18}}}))),
            (std::vector<uint8_t>{0x40, 0xCC, 0x7F, 0x02, 0x80}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {x}, attrs({{"to", int64_t{18}}, {"saturate", int64_t{0}}})))[2],
            0x80);
  // Integers to float8: 300 rounds to 288 = 1.125 * 2^8 in E4M3FN (3 mantissa bits).
  Tensor i = make<int64_t>(DType::I64, {3}, {300, -1, 0});
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 19, {i}, attrs({{"to", int64_t{17}}}))),
            (std::vector<uint8_t>{0x79, 0xB8, 0x00}));
}

TEST(ElementwiseCast, Int4RoundsToEvenAndSaturates) {
  // The ONNX reference and its test data: to INT4/UINT4, round half to even, then clip.
  Tensor x = f32({8}, {2.5f, 3.5f, -2.5f, -8.5f, 9.f, -100.f, kNaN, kInf});
  Tensor i4 = run_ref("Cast", 21, {x}, attrs({{"to", int64_t{22}}}));
  EXPECT_EQ(i4.dtype(), DType::I4);
  EXPECT_EQ(values_of<int8_t>(i4), (std::vector<int8_t>{2, 4, -2, -8, 7, -8, 0, 7}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 21, {x}, attrs({{"to", int64_t{21}}}))),
            (std::vector<uint8_t>{2, 4, 0, 0, 9, 0, 0, 15}));
  // From integers: saturated too (not wrapped), from bool 0/1.
  Tensor ints = make<int32_t>(DType::I32, {4}, {100, -100, 5, -3});
  EXPECT_EQ(values_of<int8_t>(run_ref("Cast", 21, {ints}, attrs({{"to", int64_t{22}}}))),
            (std::vector<int8_t>{7, -8, 5, -3}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 21, {ints}, attrs({{"to", int64_t{21}}}))),
            (std::vector<uint8_t>{15, 0, 5, 0}));
  Tensor big = make<uint64_t>(DType::U64, {1}, {~uint64_t{0}});
  EXPECT_EQ(values_of<int8_t>(run_ref("Cast", 21, {big}, attrs({{"to", int64_t{22}}}))), (std::vector<int8_t>{7}));
  // From INT4: exact, then as from int8 (-8 -> UINT8 248, two's complement; -> float8 E5M2 -8).
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 21, {i4}, attrs({{"to", int64_t{2}}})))[3], 248);
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 21, {i4}, attrs({{"to", int64_t{19}}})))[3], 0xC8);
  expect_floats(run_ref("CastLike", 21, {i4, f32({}, {0})}), {2, 4, -2, -8, 7, -8, 0, 7});
  // UINT4 <-> INT4: 9 saturates to 7; -8 to 0.
  Tensor u4 = make<uint8_t>(DType::U4, {2}, {9, 15});
  EXPECT_EQ(values_of<int8_t>(run_ref("Cast", 21, {u4}, attrs({{"to", int64_t{22}}}))), (std::vector<int8_t>{7, 7}));
  EXPECT_EQ(values_of<uint8_t>(run_ref("Cast", 21, {i4}, attrs({{"to", int64_t{21}}})))[3], 0);
}

}  // namespace
}  // namespace layerscope::elementwise_test
