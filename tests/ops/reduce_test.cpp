// Reductions: axes as attribute vs input, keepdims, noop_with_empty_axes, dtypes, errors.
#include <cmath>
#include <limits>

#include "norm_test_util.h"

namespace layerscope {
namespace {

using namespace norm_test;

Tensor m23() { return f32({2, 3}, {1, 2, 3, 4, 5, 6}); }
Attributes axes_attr(std::vector<int64_t> axes, int64_t keepdims = 1) {
  return attrs({{"axes", std::move(axes)}, {"keepdims", keepdims}});
}

TEST(Reduce, SumAxesAttributeBefore13InputFrom13) {
  Tensor y = run("ReduceSum", 11, {m23()}, axes_attr({1}, 0));
  EXPECT_EQ(y.shape(), (Shape{2}));
  expect_f32(y, {6, 15});
  y = run("ReduceSum", 13, {m23(), i64({1}, {1})}, attrs({{"keepdims", int64_t{0}}}));
  EXPECT_EQ(y.shape(), (Shape{2}));
  expect_f32(y, {6, 15});
  // keepdims default 1; negative axis.
  y = run("ReduceSum", 13, {m23(), i64({1}, {-2})});
  EXPECT_EQ(y.shape(), (Shape{1, 3}));
  expect_f32(y, {5, 7, 9});
}

TEST(Reduce, EmptyAxesMeanAllUnlessNoop) {
  Tensor y = run("ReduceSum", 13, {m23(), i64({0}, {})});
  EXPECT_EQ(y.shape(), (Shape{1, 1}));
  expect_f32(y, {21});
  y = run("ReduceSum", 13, {m23(), none()}, attrs({{"keepdims", int64_t{0}}}));
  EXPECT_EQ(y.shape(), (Shape{}));
  expect_f32(y, {21});
  y = run("ReduceSum", 13, {m23(), i64({0}, {})}, attrs({{"noop_with_empty_axes", int64_t{1}}}));
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  expect_f32(y, {1, 2, 3, 4, 5, 6});
  // The per-element part still applies under noop: ReduceSumSquare acts as Square.
  y = run("ReduceSumSquare", 18, {m23(), none()}, attrs({{"noop_with_empty_axes", int64_t{1}}}));
  expect_f32(y, {1, 4, 9, 16, 25, 36});
  // Before 18 (attribute form) an absent 'axes' attribute means all axes.
  expect_f32(run("ReduceMean", 13, {m23()}), {3.5});
}

TEST(Reduce, AllKinds) {
  Tensor x = f32({2, 2}, {1, -2, 3, 4});
  auto r = [&](const char* op, int opset = 13) { return run(op, opset, {x}, axes_attr({1}, 0)); };
  expect_f32(r("ReduceSum", 11), {-1, 7});
  expect_f32(r("ReduceMean"), {-0.5, 3.5});
  expect_f32(r("ReduceMax"), {1, 4});
  expect_f32(r("ReduceMin"), {-2, 3});
  expect_f32(r("ReduceProd"), {-2, 12});
  expect_f32(r("ReduceL1"), {3, 7});
  expect_f32(r("ReduceL2"), {std::sqrt(5.0), 5});
  expect_f32(r("ReduceSumSquare"), {5, 25});
  expect_f32(run("ReduceLogSum", 13, {f32({2}, {1, 2})}), {std::log(3.0)});
  expect_f32(r("ReduceLogSumExp"), {std::log(std::exp(1.0) + std::exp(-2.0)), std::log(std::exp(3.0) + std::exp(4.0))});
  // LogSumExp is stable for large inputs.
  expect_f32(run("ReduceLogSumExp", 13, {f32({2}, {1000, 1000})}), {1000 + std::log(2.0)});
  // Opset 18 forms read axes from the input.
  expect_f32(run("ReduceL2", 18, {x, i64({1}, {0})}), {std::sqrt(10.0), std::sqrt(20.0)});
}

TEST(Reduce, MiddleAxisAndMultipleAxes) {
  // [2,3,2]: reduce axis 1 (strided) keeping dims, then axes {0, 2}.
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = static_cast<float>(i);
  Tensor x = f32({2, 3, 2}, v);
  Tensor y = run("ReduceSum", 11, {x}, axes_attr({1}));
  EXPECT_EQ(y.shape(), (Shape{2, 1, 2}));
  expect_f32(y, {0 + 2 + 4, 1 + 3 + 5, 6 + 8 + 10, 7 + 9 + 11});
  y = run("ReduceMax", 18, {x, i64({2}, {0, 2})}, attrs({{"keepdims", int64_t{0}}}));
  EXPECT_EQ(y.shape(), (Shape{3}));
  expect_f32(y, {7, 9, 11});
}

TEST(Reduce, EmptyReductionGivesIdentity) {
  Tensor x = f32({0, 2}, {});
  expect_f32(run("ReduceSum", 13, {x, i64({1}, {0})}), {0, 0});
  expect_f32(run("ReduceProd", 13, {x}, axes_attr({0})), {1, 1});
  Tensor mx = run("ReduceMax", 13, {x}, axes_attr({0}));
  EXPECT_EQ(mx.data_as<float>()[0], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(run("ReduceMean", 13, {x}, axes_attr({0})).data_as<float>()[0]));
}

TEST(Reduce, NaNPropagatesThroughMaxMin) {
  Tensor x = f32({3}, {1, std::nanf(""), 3});
  EXPECT_TRUE(std::isnan(run("ReduceMax", 13, {x}).data_as<float>()[0]));
  EXPECT_TRUE(std::isnan(run("ReduceMin", 13, {x}).data_as<float>()[0]));
}

TEST(Reduce, IntegerTypes) {
  Tensor y = run("ReduceSum", 13, {i32({3}, {1, 2, 2147483000}), none()}, attrs({{"keepdims", int64_t{0}}}));
  ASSERT_EQ(y.dtype(), DType::I32);
  EXPECT_EQ(y.data_as<int32_t>()[0], 2147483003);
  Tensor big = run("ReduceMax", 13, {i64({2}, {int64_t{1} << 62, (int64_t{1} << 62) + 1})});
  EXPECT_EQ(big.data_as<int64_t>()[0], (int64_t{1} << 62) + 1);
  EXPECT_EQ(values_of<int64_t>(run("ReduceMean", 13, {i64({2}, {1, 2})})), (std::vector<int64_t>{1}));  // trunc 1.5
  Tensor u8 = make<uint8_t>(DType::U8, {3}, {3, 250, 7});
  EXPECT_EQ(run("ReduceMax", 13, {u8}).data_as<uint8_t>()[0], 250);
  EXPECT_EQ(run("ReduceMin", 18, {u8, none()}).data_as<uint8_t>()[0], 3);
  EXPECT_NE(infer_error("ReduceMax", 11, {u8}).find("UINT8"), std::string::npos);  // uint8 only from 12
  EXPECT_NE(infer_error("ReduceSum", 13, {u8}).find("UINT8"), std::string::npos);
  EXPECT_NE(infer_error("ReduceSum", 13, {Tensor(DType::F16, {2})}).find("FLOAT16"), std::string::npos);
}

TEST(Reduce, BoolMaxIsAnyAndMinIsAllFromOpset20) {
  Tensor b = make<uint8_t>(DType::Bool, {2, 3}, {1, 0, 1, 1, 1, 1});
  Tensor any = run("ReduceMax", 20, {b, i64({1}, {1})});
  ASSERT_EQ(any.dtype(), DType::Bool);
  EXPECT_EQ(values_of<uint8_t>(any), (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(values_of<uint8_t>(run("ReduceMin", 20, {b, i64({1}, {1})})), (std::vector<uint8_t>{0, 1}));
  // Over nothing: any = false, all = true.
  Tensor empty = make<uint8_t>(DType::Bool, {0, 2}, {});
  EXPECT_EQ(values_of<uint8_t>(run("ReduceMax", 20, {empty, i64({1}, {0})})), (std::vector<uint8_t>{0, 0}));
  EXPECT_EQ(values_of<uint8_t>(run("ReduceMin", 20, {empty, i64({1}, {0})})), (std::vector<uint8_t>{1, 1}));
  EXPECT_NE(infer_error("ReduceMax", 18, {b}).find("BOOL"), std::string::npos);  // bool only from 20
  EXPECT_NE(infer_error("ReduceSum", 21, {b}).find("BOOL"), std::string::npos);
}

TEST(Reduce, FloatAccumulatesInDouble) {
  // 2^24 + 1 + 1: a float accumulator would stay at 2^24.
  Tensor y = run("ReduceSum", 13, {f32({3}, {16777216.0f, 1, 1})});
  EXPECT_EQ(y.data_as<float>()[0], 16777218.0f);
  Tensor d = run("ReduceSum", 13, {f64({2}, {0.5, 0.25})});
  ASSERT_EQ(d.dtype(), DType::F64);
  EXPECT_EQ(d.data_as<double>()[0], 0.75);
}

TEST(Reduce, Errors) {
  EXPECT_NE(infer_error("ReduceSum", 11, {m23()}, axes_attr({2})).find("out of range"), std::string::npos);
  EXPECT_NE(infer_error("ReduceMean", 13, {m23()}, axes_attr({1, -1})).find("twice"), std::string::npos);
  EXPECT_NE(infer_error("ReduceSum", 13, {m23(), i32({1}, {0})}).find("INT32"), std::string::npos);
  // 'axes' moved from attribute to input: the stale attribute is an error, not ignored.
  EXPECT_NE(infer_error("ReduceSum", 13, {m23()}, axes_attr({1}))
                .find("unknown attribute 'axes' (accepted in opsets 1 to 12)"),
            std::string::npos);
  EXPECT_NE(infer_error("ReduceMax", 18, {m23()}, axes_attr({1}))
                .find("unknown attribute 'axes' (accepted in opsets 1 to 17)"),
            std::string::npos);
  // ReduceSum-13 has an axes input, ReduceMean-13 does not.
  EXPECT_NE(infer_error("ReduceMean", 13, {m23(), i64({1}, {0})}).find("inputs"), std::string::npos);
  // Axes computed at run time: inference is deferred.
  Node n = make_node("ReduceMean", 18, {m23(), i64({1}, {0})}, 1, {});
  std::vector<TensorInfo> infos{{DType::F32, {2, 3}}, {DType::I64, {1}}};
  std::vector<const Tensor*> values{nullptr, nullptr};
  EXPECT_TRUE(needs_run_time_values(find("ReduceMean", 18), n, values));
}

TEST(Reduce, OpsetRanges) {
  for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
                         "ReduceLogSumExp", "ReduceSumSquare"}) {
    const OpDef* a = Registry::builtin().find_op("", op, 17);
    const OpDef* b = Registry::builtin().find_op("", op, 18);
    ASSERT_TRUE(a && b) << op;
    EXPECT_EQ(a->until, 17) << op;
    EXPECT_EQ(b->since, 18) << op;
    EXPECT_NE(Registry::builtin().find_op("", op, 21), nullptr) << op;
  }
  EXPECT_EQ(Registry::builtin().find_op("", "ReduceSum", 12)->until, 12);
  EXPECT_EQ(Registry::builtin().find_op("", "ReduceSum", 13)->since, 13);
}

TEST(Reduce, Cost) {
  Node n = make_node("ReduceSumSquare", 13, {}, 1, {});
  std::vector<TensorInfo> in{{DType::F32, {4, 8}}}, out{{DType::F32, {4, 1}}};
  Cost c = find("ReduceSumSquare", 13).cost(CostContext{n, in, out});
  EXPECT_EQ(c.other_ops, 2 * 32 + 4);
  EXPECT_EQ(c.bytes_read, 128);
  EXPECT_EQ(c.bytes_written, 16);
}

}  // namespace
}  // namespace layerscope
