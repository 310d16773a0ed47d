// The fused transformer ops (ops/fused/transformer.h) on their own: shape inference and its
// messages, and each op's optimized kernel against its reference (the chained ONNX references).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "common/kernel_check.h"
#include "ops/fused/transformer.h"

namespace layerscope {
namespace {

struct Case {
  Node node;
  std::vector<Tensor> inputs;
  std::vector<bool> constant;  // per input: known at prepare (weights)
};

Tensor random(Shape s, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  Tensor t(DType::F32, std::move(s));
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

Node fused_node(const std::string& op, Attributes attrs, size_t inputs) {
  Node n;
  n.name = "fused";
  n.op_type = op;
  n.domain = kFusedDomain;
  n.opset = 1;
  n.attrs = std::move(attrs);
  for (size_t i = 0; i < inputs; ++i) n.inputs.push_back(static_cast<int>(i));
  n.outputs = {static_cast<int>(inputs)};
  return n;
}

TensorInfo infer(const Case& c) {
  const OpDef* d = Registry::builtin().find_op(c.node.domain, c.node.op_type, 1);
  if (!d) fail("no op ", c.node.op_type);
  std::vector<TensorInfo> in;
  std::vector<const Tensor*> values;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    in.push_back({c.inputs[i].dtype(), c.inputs[i].shape()});
    values.push_back(c.constant[i] ? &c.inputs[i] : nullptr);
  }
  InferContext ctx(c.node, in, values);
  d->infer(ctx);
  return ctx.outputs()[0];
}

// Every kernel that accepts the node against the reference (tests/common/kernel_check.h),
// within rel_tol x max |reference|; the highest-priority one must be `want_kernel`.
testing::KernelCheck expect_kernel_matches_reference(const Case& c, double rel_tol, const std::string& want_kernel,
                                                     int threads) {
  std::vector<testing::CaseInput> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i) inputs.push_back({c.inputs[i], c.constant[i], false});
  testing::KernelCheck r =
      testing::check_kernels(c.node, inputs, {.threads = threads, .tolerance = rel_tol, .scale_floor = 0.0});
  EXPECT_FALSE(r.ran.empty()) << c.node.op_type << ": no kernel accepts the node";
  if (!r.ran.empty()) {
    EXPECT_EQ(r.ran.front().implementation.rfind(want_kernel, 0), 0u) << r.ran.front().implementation;
  }
  return r;
}

Case attention_case(Shape q, Shape k, Shape v, bool k_transposed, std::optional<Shape> mask, std::mt19937& rng) {
  Attributes a;
  a.set("scale", 0.17f);
  a.set("k_transposed", int64_t{k_transposed});
  Case c{fused_node("SDPAttention", a, mask ? 4 : 3),
         {random(q, rng), random(k, rng), random(v, rng)},
         {false, false, false}};
  if (mask) {
    c.inputs.push_back(random(*mask, rng, -3.f, 0.f));
    c.constant.push_back(false);
  }
  return c;
}

// Both native kernels (native:flash_sdpa outranks native:sdpa where it is built, AVX-512;
// tests/ops/flash_attention_test.cpp covers it in depth).
TEST(FusedTransformerOps, AttentionKernelMatchesReference) {
#if defined(__AVX512F__)
  const std::string first = "native:flash_sdpa";
#else
  const std::string first = "native:sdpa";
#endif
  std::mt19937 rng(7);
  for (int threads : {1, 2})
    for (const Case& c :
         {attention_case({1, 12, 197, 64}, {1, 12, 197, 64}, {1, 12, 197, 64}, false, std::nullopt, rng),
          attention_case({12, 197, 64}, {12, 64, 197}, {12, 197, 64}, true, std::nullopt, rng),
          // Odd sizes, Dv != D, Lq != Lk, a key-padding mask.
          attention_case({3, 2, 17, 24}, {3, 2, 41, 24}, {3, 2, 41, 40}, false, Shape{3, 1, 1, 41}, rng)}) {
      const testing::KernelCheck r = expect_kernel_matches_reference(c, 1e-5, first, threads);
      EXPECT_TRUE(r.ran_kernel("native:sdpa")) << "native:sdpa declined the node";
    }
}

TEST(FusedTransformerOps, LinearKernelsMatchReference) {
  std::mt19937 rng(8);
  for (const std::string op : {"MatMulAdd", "MatMulAddRelu", "MatMulAddGelu", "MatMulAddSigmoid", "MatMulAddTanh"})
    for (const std::string& approx : {std::string("none"), std::string("tanh")}) {
      if (op != "MatMulAddGelu" && approx != "none") continue;  // only Gelu takes `approximate`
      Attributes a;
      if (op == "MatMulAddGelu") a.set("approximate", approx);
      Case c{fused_node(op, a, 3),
             {random({2, 9, 33}, rng), random({33, 20}, rng), random({20}, rng)},
             {false, true, true}};
      expect_kernel_matches_reference(c, 1e-5, "onednn:", 2);
    }
  Attributes g;
  g.set("transA", int64_t{1});
  g.set("alpha", 0.7f);
  Case c{fused_node("GemmGelu", g, 3),
         {random({33, 9}, rng), random({33, 20}, rng), random({1}, rng)},
         {false, true, true}};
  expect_kernel_matches_reference(c, 1e-5, "onednn:", 1);
}

TEST(FusedTransformerOps, GeluAndLayerNormUseTheOnnxOpsKernels) {
  std::mt19937 rng(9);
  Attributes ga;
  ga.set("approximate", std::string("tanh"));
  expect_kernel_matches_reference(Case{fused_node("Gelu", ga, 1), {random({3, 1000}, rng, -6.f, 6.f)}, {false}}, 1e-6,
                                  "native:unary", 2);
  Attributes la;
  la.set("axis", int64_t{-1});
  la.set("epsilon", 1e-6f);
  expect_kernel_matches_reference(Case{fused_node("LayerNorm", la, 3),
                                       {random({5, 384}, rng), random({384}, rng), random({384}, rng)},
                                       {false, true, true}},
                                  1e-5, "onednn:", 2);
}

TEST(FusedTransformerOps, InferenceRejectsMismatchedShapesWithAClearMessage) {
  std::mt19937 rng(10);
  auto error_of = [](const Case& c) {
    try {
      infer(c);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Case bad_k = attention_case({2, 5, 8}, {2, 5, 7}, {2, 5, 8}, false, std::nullopt, rng);
  EXPECT_NE(error_of(bad_k).find("head size 7 does not match Q's 8"), std::string::npos) << error_of(bad_k);
  Case bad_mask = attention_case({2, 5, 8}, {2, 5, 8}, {2, 5, 8}, false, Shape{3, 5, 5}, rng);
  EXPECT_NE(error_of(bad_mask).find("does not broadcast to the scores' (2,5,5)"), std::string::npos)
      << error_of(bad_mask);
  Case bad_bias{fused_node("MatMulAdd", {}, 3),
                {random({4, 6}, rng), random({6, 3}, rng), random({4}, rng)},
                {false, true, true}};
  EXPECT_NE(error_of(bad_bias).find("input bias is FLOAT (4); expected FLOAT (3)"), std::string::npos)
      << error_of(bad_bias);
}

}  // namespace
}  // namespace layerscope

namespace layerscope {
namespace {

// SDPAttention's cost by hand: Q [1,2,5,4], K [1,2,7,4] (not transposed), V [1,2,7,3].
// MACs = B*H*Lq*Lk*(D + Dv) = 2*5*7*(4+3) = 490 (QK^T then PV); bytes read = Q+K+V, written = O;
// the 5x7 score matrix per head is never counted as traffic (it stays in cache).
TEST(FusedTransformerOps, AttentionCostIsBothMatMulsAndNoScoreTraffic) {
  const OpDef* def = Registry::builtin().find_op(kFusedDomain, "SDPAttention", 1);
  ASSERT_NE(def, nullptr);
  Node n = fused_node("SDPAttention", {}, 3);
  std::vector<TensorInfo> in = {{DType::F32, {1, 2, 5, 4}}, {DType::F32, {1, 2, 7, 4}}, {DType::F32, {1, 2, 7, 3}}};
  std::vector<TensorInfo> out = {{DType::F32, {1, 2, 5, 3}}};
  Cost c = def->cost(CostContext{n, in, out});
  EXPECT_DOUBLE_EQ(c.macs, 490.0);
  EXPECT_EQ(c.bytes_read, (40 + 56 + 42) * 4);
  EXPECT_EQ(c.bytes_written, 30 * 4);
  EXPECT_GT(c.other_ops, 0.0);  // scale, exp, sum, divide per score
}

}  // namespace
}  // namespace layerscope
