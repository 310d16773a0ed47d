// A fused Relu gives ONNX's Relu(-inf) = 0, as the unfused graph does: oneDNN's eltwise_relu
// computes x > 0 ? x : 0 * x, which is NaN for -inf on some of its code paths (seen in a probe
// on an Intel Xeon), so the fused kernels use clip to [0, +inf) instead (onednn::append_post_ops).
#include <cmath>
#include <limits>

#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Every output of `y` is finite-or-+inf and -inf inputs gave exactly 0 where `want` is 0.
void expect_relu_of_minus_inf_is_zero(const Tensor& want, const Tensor& got) {
  ASSERT_EQ(want.shape(), got.shape());
  int zeros = 0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float w = want.data_as<float>()[i], g = got.data_as<float>()[i];
    ASSERT_FALSE(std::isnan(g)) << "element " << i << " (unfused: " << w << ")";
    if (w == 0.f) {
      EXPECT_EQ(g, 0.f) << "element " << i;
      ++zeros;
    }
  }
  EXPECT_GT(zeros, 0);
}

// Runs `b` unfused and fused on `x` and checks that the fused plan has op `fused_op`.
void check(GraphBuilder& b, const Tensor& x, const std::string& fused_op) {
  ExecutionPlan fused_plan = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(fused_plan), std::vector<std::string>{fused_op});
  Executor plain(plan_of(b, false)), fused(std::move(fused_plan));
  expect_relu_of_minus_inf_is_zero(plain.run({x})[0], fused.run({x})[0]);
}

// Direct convolutions only: Winograd's transforms add and subtract neighbouring inputs, so one
// infinite input becomes inf - inf = NaN across its tile whatever the activation (a documented
// property of that algorithm, docs/ARCHITECTURE.md "Kernels").
TEST(FusedRelu, ConvReluOfMinusInfinityIsZero) {
  for (int64_t channels : {4, 8}) {
    GraphBuilder b;
    int x = b.input("x", {1, channels, 8, 8});
    Attributes a;
    a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
    // Positive weights: a -inf input makes every output it reaches -inf (never inf - inf).
    int c = b.node("Conv", "conv", {x, b.random_constant("w", {channels, channels, 3, 3}, 0.1f, 1.f)}, a);
    b.output(b.node("Relu", "relu", {c}));
    Tensor in = b.random_f32({1, channels, 8, 8});
    for (int64_t ch = 0; ch < channels; ++ch) in.data_as<float>()[ch * 64 + 3 * 8 + 3] = -kInf;
    check(b, in, "ConvRelu");
  }
}

TEST(FusedRelu, MatMulAddReluOfMinusInfinityIsZero) {
  GraphBuilder b;
  int x = b.input("x", {4, 16});
  int m = b.node("MatMul", "mm", {x, b.random_constant("w", {16, 8}, 0.1f, 1.f)});
  int y = b.node("Add", "bias", {m, b.random_constant("b", {8})});
  b.output(b.node("Relu", "relu", {y}));
  Tensor in = b.random_f32({4, 16});
  in.data_as<float>()[16] = -kInf;  // row 1: every output -inf
  check(b, in, "MatMulAddRelu");
}

}  // namespace
}  // namespace layerscope::testing
