// fuse_attention with the head-split copies around attention (passes/attention_views.h): the
// Transposes (and the Depth-Anything Gathers) that feed Q, K, V and the Transpose reading the
// result become strided views of the SDPAttention node. Checked three ways: the plan has no
// copies left, the native kernel agrees with the unfused graph at 1 and 2 threads, and the
// fused node's reference kernel (the oracle) agrees with the unfused graph too.
#include "attention_test_util.h"
#include "ops/fused/attention_operands.h"

namespace layerscope::testing {
namespace {

Attributes perm(std::vector<int64_t> p) { return perm_attr(std::move(p)); }
Attributes axis(int64_t a) { return axis_attr(a); }

// torchvision ViT: Q, K, V arrive as [L, H, D] (a Reshape of the projection); the heads are
// split by Transposes, K straight to K^T, and the result goes back to [L, H, D].
GraphBuilder vit_attention(int64_t L, int64_t H, int64_t D) {
  GraphBuilder b;
  int q = b.input("q_seq", {L, H, D}), k = b.input("k_seq", {L, H, D}), v = b.input("v_seq", {L, H, D});
  int qs = b.node("Div", "q_scale", {b.node("Transpose", "q_t", {q}, perm({1, 0, 2})), b.scalar("c", 8.f)});
  int kt = b.node("Transpose", "k_t", {k}, perm({1, 2, 0}));
  int p = b.node("Softmax", "softmax", {b.node("MatMul", "qk", {qs, kt})}, axis(-1));
  int o = b.node("MatMul", "pv", {p, b.node("Transpose", "v_t", {v}, perm({1, 0, 2}))});
  b.output(b.node("Transpose", "o_t", {o}, perm({1, 0, 2})));
  return b;
}

// timm with a mask: [B, L, H, D] inputs, heads split by Transposes, K transposed twice (the
// passes fold the two into one), an additive mask, the result back to [B, L, H, D].
GraphBuilder timm_split_attention(Shape blhd, Shape mask) {
  GraphBuilder b;
  int q = b.input("q_seq", blhd), k = b.input("k_seq", blhd), v = b.input("v_seq", blhd);
  int kh = b.node("Transpose", "k_heads", {k}, perm({0, 2, 1, 3}));
  int s = b.node(
      "MatMul", "qk",
      {b.node("Transpose", "q_t", {q}, perm({0, 2, 1, 3})), b.node("Transpose", "k_t", {kh}, perm({0, 1, 3, 2}))});
  s = b.node("Add", "mask_add", {b.node("Mul", "scale", {s, b.scalar("c", 0.2f)}), b.input("mask", mask)});
  int p = b.node("Softmax", "softmax", {s}, axis(-1));
  int o = b.node("MatMul", "pv", {p, b.node("Transpose", "v_t", {v}, perm({0, 2, 1, 3}))});
  b.output(b.node("Transpose", "o_t", {o}, perm({0, 2, 1, 3})));
  return b;
}

// Depth-Anything: one [B, L, 3, H, D] tensor, Transposed to [3, B, H, L, D], Gathers 0/1/2.
GraphBuilder gathered_attention(int64_t B, int64_t L, int64_t H, int64_t D) {
  GraphBuilder b;
  int qkv = b.node("Transpose", "qkv_t", {b.input("qkv", {B, L, 3, H, D})}, perm({2, 0, 3, 1, 4}));
  auto part = [&](const char* name, int64_t i) {
    Tensor c(DType::I64, {});
    *c.data_as<int64_t>() = i;
    return b.node("Gather", name, {qkv, b.constant(std::string(name) + "_i", std::move(c))}, axis(0));
  };
  int q = part("q", 0), k = part("k", 1), v = part("v", 2);
  int s =
      b.node("Mul", "scale",
             {b.node("MatMul", "qk", {q, b.node("Transpose", "k_t", {k}, perm({0, 1, 3, 2}))}), b.scalar("c", 0.125f)});
  int o = b.node("MatMul", "pv", {b.node("Softmax", "softmax", {s}, axis(-1)), v});
  b.output(b.node("Transpose", "o_t", {o}, perm({0, 2, 1, 3})));
  return b;
}

TEST(AttentionViews, VitFormLeavesNoTransposes) {
  for (Shape lhd : {Shape{197, 12, 64}, Shape{13, 3, 24}, Shape{301, 1, 32}}) {
    GraphBuilder b = vit_attention(lhd[0], lhd[1], lhd[2]);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"}) << shape_to_string(lhd);
    const Node& n = step_node(p, 0);
    EXPECT_EQ(n.source_names, (std::vector<std::string>{"q_t", "k_t", "v_t", "q_scale", "qk", "softmax", "pv", "o_t"}));
    EXPECT_EQ(n.attrs.get_ints("q_perm"), (std::vector<int64_t>{1, 0, 2}));
    EXPECT_EQ(n.attrs.get_ints("out_perm"), (std::vector<int64_t>{1, 0, 2}));
    EXPECT_EQ(p.steps[0].kernel->name(), kAttentionKernel);
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
  }
  GraphBuilder small = vit_attention(13, 3, 24);
  expect_reference_matches_unfused(small);
}

TEST(AttentionViews, TimmFormWithMaskLeavesNoTransposes) {
  for (Shape mask : {Shape{2, 1, 1, 29}, Shape{2, 4, 29, 29}}) {
    GraphBuilder b = timm_split_attention({2, 29, 4, 40}, mask);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"}) << shape_to_string(mask);
    const Node& n = step_node(p, 0);
    EXPECT_EQ(n.attrs.get_ints("k_perm"), (std::vector<int64_t>{0, 2, 3, 1}));  // the two K Transposes as one
    for (const char* name : {"q_t", "k_heads", "k_t", "v_t", "o_t"})
      EXPECT_NE(std::find(n.source_names.begin(), n.source_names.end(), name), n.source_names.end()) << name;
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
    expect_reference_matches_unfused(b);
  }
}

TEST(AttentionViews, DepthAnythingGathersOfOneTransposeBecomeViews) {
  for (Shape s : {Shape{1, 37, 6, 64}, Shape{2, 19, 3, 24}}) {
    GraphBuilder b = gathered_attention(s[0], s[1], s[2], s[3]);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"}) << shape_to_string(s);
    const Node& n = step_node(p, 0);
    EXPECT_EQ(n.inputs[0], n.inputs[1]);  // Q, K and V all read the one [B, L, 3, H, D] tensor
    EXPECT_EQ(n.inputs[0], n.inputs[2]);
    EXPECT_EQ(n.attrs.get_int("k_index", -1), 1);
    EXPECT_EQ(n.attrs.get_int("v_index", -1), 2);
    for (const char* name : {"qkv_t", "q", "k", "v", "k_t", "o_t"})
      EXPECT_NE(std::find(n.source_names.begin(), n.source_names.end(), name), n.source_names.end()) << name;
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
    expect_reference_matches_unfused(b);
    // Each of Q, K, V is a third of the one input: together they read it once, not three times.
    std::vector<TensorInfo> in(3, TensorInfo{DType::F32, {s[0], s[1], 3, s[2], s[3]}}),
        out = {{DType::F32, {s[0], s[1], s[2], s[3]}}};
    const Cost c = Registry::builtin().find_op(n.domain, n.op_type, 1)->cost(CostContext{n, in, out});
    EXPECT_EQ(c.bytes_read, s[0] * s[1] * 3 * s[2] * s[3] * 4);
    EXPECT_DOUBLE_EQ(c.macs, double(s[0] * s[2] * s[1] * s[1] * (s[3] + s[3])));
  }
}

// K^T whose keys are its unit-stride dim ([D, H, L] -> [H, D, L]): the kernel packs K^T rows
// rather than K rows; Q and V are plain, so only K is a view.
TEST(AttentionViews, KTransposedStoredKeysInnermost) {
  GraphBuilder b;
  const int64_t H = 3, L = 45, D = 20;
  int q = b.input("q", {H, L, D}), k = b.input("kt_seq", {D, H, L}), v = b.input("v", {H, L, D});
  int kt = b.node("Transpose", "k_t", {k}, perm({1, 0, 2}));
  int p = b.node("Softmax", "softmax", {b.node("MatMul", "qk", {q, kt})}, axis(-1));
  b.output(b.node("MatMul", "pv", {p, v}));
  ExecutionPlan plan = plan_of(b, true);
  ASSERT_EQ(step_ops(plan), std::vector<std::string>{"SDPAttention"});
  EXPECT_EQ(step_node(plan, 0).attrs.get_ints("k_perm"), (std::vector<int64_t>{1, 0, 2}));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
  expect_reference_matches_unfused(b);
}

TEST(AttentionViews, InferenceRejectsBadViewAttributesWithAClearMessage) {
  Node n;
  n.name = "attn";
  n.op_type = "SDPAttention";
  n.domain = kFusedDomain;
  n.opset = 1;
  n.inputs = {0, 1, 2};
  n.outputs = {3};
  const std::vector<TensorInfo> in(3, TensorInfo{DType::F32, {5, 2, 8}});
  using Attr = std::pair<const char*, std::vector<int64_t>>;
  auto error_of = [&](std::vector<Attr> attrs) {
    Node bad = n;
    for (auto& [name, value] : attrs) bad.attrs.set(name, value);
    InferContext ctx(bad, in, {nullptr, nullptr, nullptr});
    try {
      Registry::builtin().find_op(kFusedDomain, "SDPAttention", 1)->infer(ctx);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto expect_error = [&](std::vector<Attr> attrs, const std::string& message) {
    const std::string got = error_of(attrs);
    EXPECT_NE(got.find(message), std::string::npos) << got;
  };
  expect_error({{"q_perm", {1, 1, 2}}}, "attribute q_perm (1,1,2) is not a permutation of the 3 dims");
  expect_error({{"out_perm", {1, 0}}}, "attribute out_perm (1,0) is not a permutation");
  // The fused-projection views: a slice of one axis, then a reshape that must be a view.
  expect_error({{"k_slice", {3, 0, 4}}},
               "input 1 has shape (5,2,8): attribute k_slice (3,0,4) names axis 3 of a rank-3");
  expect_error({{"k_slice", {2}}}, "attribute k_slice (-1,0,0) names axis -1");
  expect_error({{"v_slice", {2, 2, 9}}}, "attribute v_slice (2,2,9) is not a range [start, end) within the 8 entries");
  expect_error({{"q_slice", {2, 0, 4}}, {"q_shape", {5, 9}}}, "attribute q_shape (5,9) does not hold the 40 elements");
  expect_error({{"q_slice", {2, 0, 4}}, {"q_shape", {5, 8}}},
               "attribute q_shape (5,8) merges dims of (5,2,4) that are not contiguous in the input (5,2,8)");
  expect_error({{"q_slice", {2, 0, 4}}, {"q_shape", {5, 2, 2, 2}}, {"q_perm", {1, 0, 2}}},
               "attribute q_perm (1,0,2) is not a permutation of the 4 dims");
  EXPECT_EQ(error_of({{"q_slice", {1, 1, 2}}, {"q_shape", {5, 1, 8}}}), "") << "the second query row of each batch";
}

TEST(AttentionViews, CopiesReadElsewhereStay) {
  {  // Q's Transpose output is also a graph output: the Transpose must run, Q reads its output.
    GraphBuilder b = vit_attention(13, 3, 24);
    b.output(b.graph().nodes[0].outputs[0]);
    ExecutionPlan p = plan_of(b, true);
    EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Transpose", "SDPAttention"}));
    EXPECT_FALSE(step_node(p, 1).attrs.has("q_perm"));
    EXPECT_TRUE(step_node(p, 1).attrs.has("v_perm"));
    expect_same_results(b, 1e-5, 2);
  }
  {  // The result is also read by another node: the output Transpose stays.
    GraphBuilder b = vit_attention(13, 3, 24);
    const int result = b.graph().nodes[b.graph().nodes.size() - 2].outputs[0];
    b.output(b.node("Relu", "other_reader", {result}));
    ExecutionPlan p = plan_of(b, true);
    EXPECT_EQ(step_ops(p).size(), 3u);
    EXPECT_FALSE(step_node(p, 0).attrs.has("out_perm"));
    expect_same_results(b, 1e-5, 2);
  }
  {  // The [3, B, H, L, D] tensor is also read by a fourth node: the Gathers stay as they are.
    GraphBuilder b = gathered_attention(1, 11, 2, 16);
    b.output(b.node("Relu", "other_reader", {b.graph().nodes[0].outputs[0]}));
    ExecutionPlan p = plan_of(b, true);
    const std::vector<std::string> ops = step_ops(p);
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "Gather"), 3) << ::testing::PrintToString(ops);
    expect_same_results(b, 1e-5, 2);
  }
}

}  // namespace
}  // namespace layerscope::testing
