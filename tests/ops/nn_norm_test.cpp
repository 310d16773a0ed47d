// Normalisation and softmax ops: shape inference, errors, and reference results on small
// hand-computed cases. (Resize / Upsample: nn_resize_test.cpp.)
#include <cmath>

#include "norm_test_util.h"

namespace layerscope {
namespace {

using namespace norm_test;

// ---- Softmax family ------------------------------------------------------------------------

TEST(Softmax, Opset13IsSingleAxisOpset11CoercesTo2D) {
  // All zeros, shape [1,2,2], axis 1: opset 13 normalises over dim 1 alone (2 values),
  // opset 11 over the flattened dims[1:] (4 values).
  Tensor x = f32({1, 2, 2}, {0, 0, 0, 0});
  expect_f32(run("Softmax", 13, {x}, attrs({{"axis", int64_t{1}}})), {0.5, 0.5, 0.5, 0.5});
  expect_f32(run("Softmax", 11, {x}, attrs({{"axis", int64_t{1}}})), {0.25, 0.25, 0.25, 0.25});
}

TEST(Softmax, AxisSemanticsDifferOnRealValues) {
  const double l3 = std::log(3.0);
  Tensor x = f32({1, 2, 2}, {0, static_cast<float>(l3), static_cast<float>(l3), 0});
  // opset 13, axis 1: columns {0, ln3} and {ln3, 0}.
  expect_f32(run("Softmax", 13, {x}, attrs({{"axis", int64_t{1}}})), {0.25, 0.75, 0.75, 0.25});
  // opset 11, axis 1: one row of 4: e^x = {1, 3, 3, 1} / 8.
  expect_f32(run("Softmax", 11, {x}, attrs({{"axis", int64_t{1}}})), {0.125, 0.375, 0.375, 0.125});
  // Defaults: opset 11 axis 1 (same as above), opset 13 axis -1 (rows {0, ln3}, {ln3, 0}).
  expect_f32(run("Softmax", 11, {x}), {0.125, 0.375, 0.375, 0.125});
  expect_f32(run("Softmax", 13, {x}), {0.25, 0.75, 0.75, 0.25});
  // opset 11, axis 2: each row of the [2, 2] coercion.
  expect_f32(run("Softmax", 11, {x}, attrs({{"axis", int64_t{2}}})), {0.25, 0.75, 0.75, 0.25});
}

TEST(Softmax, LargeValuesAndDouble) {
  Tensor x = f64({3}, {1000, 1000, 1000});
  Tensor y = run("Softmax", 13, {x});
  ASSERT_EQ(y.dtype(), DType::F64);
  expect_near<double>(y, {1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-12);
}

TEST(LogSoftmax, MatchesLogOfSoftmax) {
  const double l3 = std::log(3.0);
  Tensor x = f32({2, 2}, {0, static_cast<float>(l3), 1000, 1000});
  expect_f32(run("LogSoftmax", 13, {x}), {std::log(0.25), std::log(0.75), std::log(0.5), std::log(0.5)});
  // opset 11, axis 0 on a [2,2] input: a single row of 4 values.
  Tensor z = f32({2, 2}, {0, 0, 0, 0});
  expect_f32(run("LogSoftmax", 11, {z}, attrs({{"axis", int64_t{0}}})),
             {std::log(0.25), std::log(0.25), std::log(0.25), std::log(0.25)});
}

TEST(Hardmax, AxisSemanticsAndFirstMaximumWins) {
  Tensor x = f32({1, 2, 2}, {1, 3, 2, 0});
  // opset 11, axis 1: one row of 4 -> the 3.
  expect_f32(run("Hardmax", 11, {x}, attrs({{"axis", int64_t{1}}})), {0, 1, 0, 0});
  // opset 13, axis 1: per column: max(1, 2) -> row 1, max(3, 0) -> row 0.
  expect_f32(run("Hardmax", 13, {x}, attrs({{"axis", int64_t{1}}})), {0, 1, 1, 0});
  expect_f32(run("Hardmax", 13, {f32({4}, {2, 5, 5, 1})}), {0, 1, 0, 0});
}

TEST(Softmax, Errors) {
  EXPECT_NE(infer_error("Softmax", 13, {f32({2, 2}, {0, 0, 0, 0})}, attrs({{"axis", int64_t{2}}})).find("out of range"),
            std::string::npos);
  std::string e = infer_error("Softmax", 13, {Tensor(DType::F16, {2})});
  EXPECT_NE(e.find("FLOAT16"), std::string::npos) << e;
  EXPECT_NE(infer_error("Hardmax", 13, {Tensor(DType::I32, {2})}).find("INT32"), std::string::npos);
}

TEST(Softmax, Cost) {
  std::vector<TensorInfo> in{{DType::F32, {2, 8}}}, out{{DType::F32, {2, 8}}};
  Node n = make_node("Softmax", 13, {f32({2, 8}, std::vector<float>(16))}, 1, {});
  Cost c = find("Softmax", 13).cost(CostContext{n, in, out});
  EXPECT_EQ(c.other_ops, 4 * 16);
  EXPECT_EQ(c.bytes_read, 64);
  EXPECT_EQ(c.bytes_written, 64);
}

// ---- BatchNormalization --------------------------------------------------------------------

std::vector<Tensor> bn_inputs() {
  return {f32({1, 2, 1, 2}, {1, 2, 3, 4}), f32({2}, {1, 2}), f32({2}, {0, 1}), f32({2}, {1, 3}), f32({2}, {4, 0.25f})};
}

TEST(BatchNormalization, InferenceFormulaAllOpsets) {
  // ch0: (x - 1) / 2 * 1 + 0; ch1: (x - 3) / 0.5 * 2 + 1.
  for (int opset : {6, 7, 9, 14, 15}) {
    Attributes a = attrs({{"epsilon", 0.0f}});
    if (opset == 6) a.set("is_test", int64_t{1});
    expect_f32(run("BatchNormalization", opset, bn_inputs(), a), {0, 0.5, 1, 5});
  }
}

TEST(BatchNormalization, PerActivationWhenSpatialIsZero) {
  // opset 7 spatial = 0: parameters have shape dims[1:] = [2, 1, 2].
  std::vector<Tensor> in{f32({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), f32({2, 1, 2}, {1, 1, 1, 2}),
                         f32({2, 1, 2}, {0, 0, 0, 10}), f32({2, 1, 2}, {0, 0, 0, 0}), f32({2, 1, 2}, {1, 1, 1, 1})};
  expect_f32(run("BatchNormalization", 7, in, attrs({{"epsilon", 0.0f}, {"spatial", int64_t{0}}})),
             {1, 2, 3, 18, 5, 6, 7, 26});
  EXPECT_NE(infer_error("BatchNormalization", 9, in).find("expected (2)"), std::string::npos);
}

TEST(BatchNormalization, Errors) {
  EXPECT_NE(
      infer_error("BatchNormalization", 15, bn_inputs(), attrs({{"training_mode", int64_t{1}}})).find("training_mode"),
      std::string::npos);
  EXPECT_NE(infer_error("BatchNormalization", 9, bn_inputs(), {}, 3).find("training mode"), std::string::npos);
  std::vector<Tensor> bad = bn_inputs();
  bad[1] = f32({3}, {1, 1, 1});
  EXPECT_NE(infer_error("BatchNormalization", 15, bad).find("scale"), std::string::npos);
  bad = bn_inputs();
  bad[3] = f64({2}, {1, 3});
  EXPECT_NE(infer_error("BatchNormalization", 14, bad).find("same type"), std::string::npos);  // mean vs var
  bad[4] = f64({2}, {4, 0.25});
  EXPECT_EQ(infer_error("BatchNormalization", 14, bad), "");  // mean/var share type U at 14
  EXPECT_NE(infer_error("BatchNormalization", 9, bad).find("same type"), std::string::npos);
  bad = bn_inputs();
  bad[0] = Tensor(DType::F16, {1, 2, 1, 2});
  EXPECT_NE(infer_error("BatchNormalization", 15, bad).find("FLOAT16"), std::string::npos);
}

// ---- LayerNormalization --------------------------------------------------------------------

TEST(LayerNormalization, LastAxisWithScaleBiasAndStatistics) {
  // Rows {1, 3} and {0, 4}: means 2, 2; variances 1, 4.
  Tensor x = f32({2, 2}, {1, 3, 0, 4});
  auto outs =
      run_all("LayerNormalization", 17, {x, f32({2}, {2, 1}), f32({2}, {0.5f, 0})}, attrs({{"epsilon", 0.0f}}), 3);
  expect_f32(outs[0], {-1.5, 1, -1.5, 1});
  EXPECT_EQ(outs[1].shape(), (Shape{2, 1}));
  expect_f32(outs[1], {2, 2});
  expect_f32(outs[2], {1, 0.5});
}

TEST(LayerNormalization, AxisZeroScaleBroadcastAndDoubleStash) {
  // axis 0: the whole tensor, mean 2, variance 2.5; Scale [1] broadcasts; no B.
  Tensor x = f64({2, 2}, {1, 3, 0, 4});
  auto outs = run_all("LayerNormalization", 17, {x, f64({1}, {2})},
                      attrs({{"epsilon", 0.0f}, {"axis", int64_t{0}}, {"stash_type", int64_t{11}}}), 2);
  double s = 2 / std::sqrt(2.5);
  ASSERT_EQ(outs[0].dtype(), DType::F64);
  expect_near<double>(outs[0], {-1 * s, 1 * s, -2 * s, 2 * s}, 1e-12);
  ASSERT_EQ(outs[1].dtype(), DType::F64);
  EXPECT_EQ(outs[1].shape(), (Shape{1, 1}));
}

TEST(LayerNormalization, Errors) {
  Tensor x = f32({2, 3}, std::vector<float>(6));
  EXPECT_NE(infer_error("LayerNormalization", 17, {x, f32({2}, {1, 1})}).find("does not broadcast"), std::string::npos);
  EXPECT_NE(infer_error("LayerNormalization", 17, {x, f32({3}, {1, 1, 1})}, attrs({{"stash_type", int64_t{10}}}))
                .find("stash_type"),
            std::string::npos);
  EXPECT_NE(infer_error("LayerNormalization", 17, {x, f32({3}, {1, 1, 1})}, attrs({{"axis", int64_t{2}}}))
                .find("out of range"),
            std::string::npos);
  EXPECT_EQ(Registry::builtin().find_op("", "LayerNormalization", 16), nullptr);
}

// ---- InstanceNormalization / GroupNormalization ----------------------------------------------

TEST(InstanceNormalization, PerChannelPlane) {
  // ch0 {1, 3} -> {-1, 1}; ch1 {4, 8} -> {-1, 1} * 2 + 7.
  expect_f32(run("InstanceNormalization", 6, {f32({1, 2, 2}, {1, 3, 4, 8}), f32({2}, {1, 2}), f32({2}, {0, 7})},
                 attrs({{"epsilon", 0.0f}})),
             {-1, 1, 5, 9});
  EXPECT_NE(
      infer_error("InstanceNormalization", 6, {f32({1, 2, 2}, {1, 3, 4, 8}), f32({3}, {1, 2, 3}), f32({2}, {0, 7})})
          .find("scale"),
      std::string::npos);
}

TEST(GroupNormalization, Opset18PerGroupOpset21PerChannelParameters) {
  // Two groups of two channels (one element each): {1, 3} and {0, 4} -> {-1, 1} each.
  Tensor x = f32({1, 4, 1}, {1, 3, 0, 4});
  Attributes a = attrs({{"epsilon", 0.0f}, {"num_groups", int64_t{2}}});
  expect_f32(run("GroupNormalization", 18, {x, f32({2}, {1, 2}), f32({2}, {0, 1})}, a), {-1, 1, -1, 3});
  expect_f32(run("GroupNormalization", 21, {x, f32({4}, {1, 1, 2, 3}), f32({4}, {0, 0, 1, 0})}, a), {-1, 1, -1, 3});
  // The scale shapes are not interchangeable between the two versions.
  EXPECT_NE(infer_error("GroupNormalization", 18, {x, f32({4}, {1, 1, 1, 1}), f32({4}, {0, 0, 0, 0})}, a)
                .find("one per group"),
            std::string::npos);
  EXPECT_NE(infer_error("GroupNormalization", 21, {x, f32({2}, {1, 1}), f32({2}, {0, 0})}, a).find("one per channel"),
            std::string::npos);
  EXPECT_NE(infer_error("GroupNormalization", 18, {x, f32({3}, {1, 1, 1}), f32({3}, {0, 0, 0})},
                        attrs({{"num_groups", int64_t{3}}}))
                .find("divide"),
            std::string::npos);
  EXPECT_NE(infer_error("GroupNormalization", 18, {x, f32({2}, {1, 1}), f32({2}, {0, 0})}).find("num_groups"),
            std::string::npos);
}

// ---- LpNormalization / MeanVarianceNormalization / LRN ---------------------------------------

TEST(LpNormalization, L1AndL2AlongAxis) {
  Tensor x = f32({2, 2}, {3, 4, 0, 0});
  expect_f32(run("LpNormalization", 1, {x}), {0.6, 0.8, 0, 0});
  expect_f32(run("LpNormalization", 1, {x}, attrs({{"p", int64_t{1}}})), {3.0 / 7, 4.0 / 7, 0, 0});
  expect_f32(run("LpNormalization", 1, {f32({2, 2}, {3, 0, 4, 0})}, attrs({{"axis", int64_t{0}}})), {0.6, 0, 0.8, 0});
  EXPECT_NE(infer_error("LpNormalization", 1, {x}, attrs({{"p", int64_t{3}}})).find("'p'"), std::string::npos);
}

TEST(MeanVarianceNormalization, DefaultAxesAreNCHWMinusChannel) {
  // Per channel over (N, H, W): ch0 {1, 3}, ch1 {0, 4} -> {-1, 1} (std + 1e-9 in the divisor).
  expect_f32(run("MeanVarianceNormalization", 13, {f32({1, 2, 1, 2}, {1, 3, 0, 4})}), {-1, 1, -1, 1});
  expect_f32(
      run("MeanVarianceNormalization", 9, {f32({2, 2}, {1, 0, 3, 4})}, attrs({{"axes", std::vector<int64_t>{0}}})),
      {-1, -1, 1, 1});
  EXPECT_NE(infer_error("MeanVarianceNormalization", 13, {f32({2, 2}, {1, 0, 3, 4})}).find("out of range"),
            std::string::npos);
}

TEST(LRN, ChannelWindow) {
  // size 3, alpha 3 (alpha / size = 1), beta 1, bias 1: y = x / (1 + sum of squares in window).
  Tensor x = f32({1, 3, 1, 1}, {1, 2, 3});
  Attributes a = attrs({{"size", int64_t{3}}, {"alpha", 3.0f}, {"beta", 1.0f}, {"bias", 1.0f}});
  expect_f32(run("LRN", 13, {x}, a), {1.0 / 6, 2.0 / 15, 3.0 / 14});
  // size 2: window [c, c + 1] (floor((size-1)/2) = 0 before, ceil = 1 after); alpha/size = 1.
  a = attrs({{"size", int64_t{2}}, {"alpha", 2.0f}, {"beta", 1.0f}, {"bias", 1.0f}});
  expect_f32(run("LRN", 1, {x}, a), {1.0 / 6, 2.0 / 14, 3.0 / 10});
  EXPECT_NE(infer_error("LRN", 13, {x}).find("size"), std::string::npos);
}

TEST(NormOps, CostIsPerElement) {
  std::vector<TensorInfo> in{{DType::F32, {2, 4}}, {DType::F32, {4}}, {DType::F32, {4}}}, out{{DType::F32, {2, 4}}};
  Node n = make_node("LayerNormalization", 17, {}, 1, {});
  Cost c = find("LayerNormalization", 17).cost(CostContext{n, in, out});
  EXPECT_EQ(c.other_ops, 7 * 8);
  EXPECT_EQ(c.bytes_read, 32 + 16 + 16);
}

}  // namespace
}  // namespace layerscope
