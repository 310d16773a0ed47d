// merge_duplicate_conversions: DequantizeLinear nodes of one quantized tensor with equal scale and
// zero point (constants compared by content: each has its own copies, as expand_qoperator makes
// them) become one step whose source_names name both; different parameters, or a duplicate that
// is a graph output, stay. Results equal the unoptimised plan's.
#include <algorithm>

#include "passes/pass_test_util.h"

namespace layerscope::testing {
namespace {

Tensor u8_scalar(uint8_t v) {
  Tensor t(DType::U8, {});
  *t.data_as<uint8_t>() = v;
  return t;
}

// x -> QuantizeLinear -> q; two DequantizeLinear of q (each with its own scale / zero point
// constants: `second_scale` for the second) -> Relu and Sigmoid -> outputs.
GraphBuilder two_dequantizes(float second_scale) {
  GraphBuilder b;
  const int x = b.input("x", {1, 8, 5, 5});
  const int q = b.node("QuantizeLinear", "quantize", {x, b.scalar("qs", 0.02f), b.constant("qz", u8_scalar(128))});
  const int a = b.node("DequantizeLinear", "dq_a", {q, b.scalar("as", 0.02f), b.constant("az", u8_scalar(128))});
  const int c = b.node("DequantizeLinear", "dq_b", {q, b.scalar("bs", second_scale), b.constant("bz", u8_scalar(128))});
  b.output(b.node("Relu", "relu", {a}));
  b.output(b.node("Sigmoid", "sigmoid", {c}));
  return b;
}

size_t count_op(const ExecutionPlan& p, const std::string& op) {
  const std::vector<std::string> ops = step_ops(p);
  return static_cast<size_t>(std::count(ops.begin(), ops.end(), op));
}

TEST(MergeDuplicateConversions, EqualParametersMakeOneDequantizeNamingBoth) {
  GraphBuilder b = two_dequantizes(0.02f);
  const ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(count_op(p, "DequantizeLinear"), 1u);
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (step_node(p, i).op_type == "DequantizeLinear") {
      EXPECT_EQ(step_node(p, i).source_names, (std::vector<std::string>{"dq_a", "dq_b"}));
    }
  }
  EXPECT_EQ(count_op(plan_of(b, false), "DequantizeLinear"), 2u);
  expect_same_results(b, 0.f, 1);
}

TEST(MergeDuplicateConversions, DifferentScalesOrAGraphOutputStay) {
  GraphBuilder other = two_dequantizes(0.03f);
  EXPECT_EQ(count_op(plan_of(other, true), "DequantizeLinear"), 2u);
  expect_same_results(other, 0.f, 1);

  GraphBuilder b;
  const int x = b.input("x", {4, 6});
  const int q = b.node("QuantizeLinear", "quantize", {x, b.scalar("qs", 0.05f), b.constant("qz", u8_scalar(10))});
  b.output(b.node("Relu", "relu",
                  {b.node("DequantizeLinear", "dq_a", {q, b.scalar("as", 0.05f), b.constant("az", u8_scalar(10))})}));
  b.output(b.node("DequantizeLinear", "dq_out", {q, b.scalar("os", 0.05f), b.constant("oz", u8_scalar(10))}));
  EXPECT_EQ(count_op(plan_of(b, true), "DequantizeLinear"), 2u);
  expect_same_results(b, 0.f, 1);
}

}  // namespace
}  // namespace layerscope::testing
