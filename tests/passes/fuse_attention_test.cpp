// fuse_attention: scaled dot-product attention as torch exports it (the Depth-Anything / timm
// form and torchvision's ViT form) becomes one SDPAttention node on the native fused kernel;
// results agree with the unfused MatMul/Softmax/MatMul graph at 1 and 2 threads.
#include <algorithm>
#include <limits>

#include "attention_test_util.h"

namespace layerscope::testing {
namespace {

Attributes perm(std::vector<int64_t> p) {
  Attributes a;
  a.set("perm", std::move(p));
  return a;
}

// timm: q @ k.transpose(-2, -1) * scale, softmax, @ v; Q, K, V [B, H, L, D].
// mask: none when empty, else an additive mask input of that shape.
GraphBuilder timm_attention(Shape qkv, float scale, Shape mask = {}) {
  GraphBuilder b;
  int q = b.input("q", qkv), k = b.input("k", qkv), v = b.input("v", qkv);
  int kt = b.node("Transpose", "k_t", {k}, perm({0, 1, 3, 2}));
  int s = b.node("Mul", "scale", {b.node("MatMul", "qk", {q, kt}), b.scalar("c", scale)});
  if (!mask.empty()) s = b.node("Add", "mask_add", {s, b.input("mask", mask)});
  int p = b.node("Softmax", "softmax", {s}, [] {
    Attributes a;
    a.set("axis", int64_t{-1});
    return a;
  }());
  b.output(b.node("MatMul", "pv", {p, v}));
  return b;
}

TEST(FuseAttention, TimmFormBecomesSDPAttentionWithKTransposeAbsorbed) {
  GraphBuilder b = timm_attention({1, 6, 37, 64}, 0.125f);
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"});
  const Node& n = step_node(p, 0);
  EXPECT_EQ(n.name, "qk");
  EXPECT_EQ(n.attrs.get_int("k_transposed", -1), 0);
  EXPECT_FLOAT_EQ(n.attrs.get_float("scale", 0), 0.125f);
  EXPECT_EQ(n.source_names, (std::vector<std::string>{"k_t", "qk", "scale", "softmax", "pv"}));
  EXPECT_EQ(p.steps[0].kernel->name(), kAttentionKernel);
  EXPECT_EQ(step_ops(plan_of(b, false)), (std::vector<std::string>{"Transpose", "MatMul", "Mul", "Softmax", "MatMul"}));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(FuseAttention, VitShapesAndOddLengthsAtOneAndTwoThreads) {
  for (Shape s : {Shape{1, 12, 197, 64}, Shape{2, 3, 13, 24}, Shape{1, 1, 301, 32}}) {
    GraphBuilder b = timm_attention(s, 1.f / std::sqrt(float(s[3])));
    ASSERT_EQ(step_ops(plan_of(b, true)), std::vector<std::string>{"SDPAttention"}) << shape_to_string(s);
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
  }
}

TEST(FuseAttention, AdditiveMaskOfEveryBroadcastShape) {
  // Full, shared by batch and heads, per-batch key padding, one row for all queries.
  for (Shape mask : {Shape{2, 4, 29, 29}, Shape{1, 1, 29, 29}, Shape{2, 1, 1, 29}, Shape{29}}) {
    GraphBuilder b = timm_attention({2, 4, 29, 40}, 0.2f, mask);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"}) << shape_to_string(mask);
    EXPECT_EQ(step_node(p, 0).inputs.size(), 4u);
    EXPECT_EQ(step_node(p, 0).source_names,
              (std::vector<std::string>{"k_t", "qk", "scale", "mask_add", "softmax", "pv"}));
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
  }
}

// GPT-2 as torch exports it: scores = Where(future, -inf, qk / sqrt(D)) with a constant causal
// condition (masked_fill), or the keep-form Where(keep, scores, fill). The Where becomes a 0/fill
// additive mask constant of the fused node.
GraphBuilder causal_attention(Shape qkv, float fill, bool fill_when_true) {
  GraphBuilder b;
  int q = b.input("q", qkv), k = b.input("k", qkv), v = b.input("v", qkv);
  const int64_t L = qkv[2];
  Tensor cond(DType::Bool, {L, L});
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = 0; j < L; ++j) cond.data_as<uint8_t>()[i * L + j] = (j > i) == fill_when_true;
  int s = b.node("Div", "scale",
                 {b.node("MatMul", "qk", {q, b.node("Transpose", "k_t", {k}, perm({0, 1, 3, 2}))}),
                  b.scalar("sqrt_d", std::sqrt(float(qkv[3])))});
  const int c = b.constant("causal", std::move(cond)), f = b.scalar("fill", fill);
  s = b.node("Where", "mask_fill", fill_when_true ? std::vector<int>{c, f, s} : std::vector<int>{c, s, f});
  b.output(b.node("MatMul", "pv", {b.node("Softmax", "softmax", {s}, axis_attr(-1)), v}));
  return b;
}

TEST(FuseAttention, CausalWhereWithMinusInfinityBecomesAnAdditiveMask) {
  for (bool fill_when_true : {true, false}) {
    GraphBuilder b = causal_attention({1, 3, 37, 16}, -std::numeric_limits<float>::infinity(), fill_when_true);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"}) << fill_when_true;
    const Node& n = step_node(p, 0);
    ASSERT_EQ(n.inputs.size(), 4u);
    const Tensor& mask = *p.graph.values[n.inputs[3]].constant;
    EXPECT_EQ(mask.data_as<float>()[1], -std::numeric_limits<float>::infinity());  // row 0 sees key 0 only
    EXPECT_EQ(mask.data_as<float>()[37], 0.f);                                     // row 1, key 0
    EXPECT_EQ(n.source_names, (std::vector<std::string>{"k_t", "qk", "scale", "mask_fill", "softmax", "pv"}));
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
  }
  // The lowest finite float (transformers' masked_fill value) is as exact as -inf.
  GraphBuilder lowest = causal_attention({1, 2, 20, 8}, std::numeric_limits<float>::lowest(), true);
  EXPECT_EQ(step_ops(plan_of(lowest, true)), std::vector<std::string>{"SDPAttention"});
  expect_same_results(lowest, 1e-5, 1);
}

TEST(FuseAttention, WhereWithAModestFillStaysUnfused) {
  // S + -1e4 is not -1e4, so a fully replaced row would change; the Where keeps its own step.
  GraphBuilder b = causal_attention({1, 2, 20, 8}, -1e4f, true);
  const std::vector<std::string> ops = step_ops(plan_of(b, true));
  EXPECT_NE(std::find(ops.begin(), ops.end(), "Where"), ops.end());
  expect_same_results(b, 1e-5, 1);
}

TEST(FuseAttention, MaskComputedByAMatMulAndAddedFirst) {
  // A computed positional bias (here a MatMul of its own) as the Add's first operand: the
  // scores are recognised on either side.
  GraphBuilder b;
  const Shape qkv = {1, 2, 11, 16};
  int q = b.input("q", qkv), k = b.input("k", qkv), v = b.input("v", qkv);
  int bias = b.node("MatMul", "bias", {b.input("u", {1, 2, 11, 5}), b.input("w", {1, 2, 5, 11})});
  int s =
      b.node("Mul", "scale",
             {b.node("MatMul", "qk", {q, b.node("Transpose", "k_t", {k}, perm({0, 1, 3, 2}))}), b.scalar("c", 0.25f)});
  int p = b.node("Softmax", "softmax", {b.node("Add", "mask_add", {bias, s})});
  b.output(b.node("MatMul", "pv", {p, v}));
  ExecutionPlan plan = plan_of(b, true);
  ASSERT_EQ(step_ops(plan), (std::vector<std::string>{"MatMul", "SDPAttention"}));
  EXPECT_EQ(step_node(plan, 1).inputs[3], step_node(plan, 0).outputs[0]);
  expect_same_results(b, 1e-5, 2);
}

// torchvision ViT: q / sqrt(d) before the product, K^T made by a Transpose that is not a swap
// of the last two dims (k_transposed = 1, the Transpose read as a view), 3-D tensors [B*H, L, D].
TEST(FuseAttention, TorchvisionFormScalesQAndReadsKTransposed) {
  GraphBuilder b;
  const int64_t L = 197, H = 12, D = 64;
  int q = b.input("q", {H, L, D}), k = b.input("k_seq", {L, H, D}), v = b.input("v", {H, L, D});
  int qs = b.node("Div", "q_scale", {q, b.scalar("eight", 8.f)});
  int kt = b.node("Transpose", "k_t", {k}, perm({1, 2, 0}));
  int p = b.node("Softmax", "softmax", {b.node("MatMul", "qk", {qs, kt})});
  b.output(b.node("MatMul", "pv", {p, v}));
  ExecutionPlan plan = plan_of(b, true);
  ASSERT_EQ(step_ops(plan), (std::vector<std::string>{"SDPAttention"}));
  const Node& n = step_node(plan, 0);
  EXPECT_EQ(n.attrs.get_int("k_transposed", -1), 1);
  EXPECT_EQ(n.attrs.get_ints("k_perm"), (std::vector<int64_t>{1, 2, 0}));  // K^T read from [L, H, D]
  EXPECT_FLOAT_EQ(n.attrs.get_float("scale", 0), 0.125f);
  EXPECT_EQ(n.source_names, (std::vector<std::string>{"k_t", "q_scale", "qk", "softmax", "pv"}));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(FuseAttention, ScoresReadElsewhereOrSoftmaxOverAnotherAxisAreLeftAlone) {
  {
    GraphBuilder b = timm_attention({1, 2, 9, 8}, 0.5f);
    b.output(b.graph().nodes[2].outputs[0]);  // the scaled scores are also a graph output
    EXPECT_EQ(step_ops(plan_of(b, true)).size(), 5u);
  }
  {
    GraphBuilder b;
    int q = b.input("q", {2, 9, 8}), k = b.input("k", {2, 8, 9}), v = b.input("v", {2, 9, 8});
    Attributes a;
    a.set("axis", int64_t{1});
    int p = b.node("Softmax", "softmax", {b.node("MatMul", "qk", {q, k})}, a);
    b.output(b.node("MatMul", "pv", {p, v}));
    EXPECT_EQ(step_ops(plan_of(b, true)), (std::vector<std::string>{"MatMul", "Softmax", "MatMul"}));
  }
}

}  // namespace
}  // namespace layerscope::testing
