// fuse_attention over a fused QKV projection (passes/attention_views.h): torchvision's ViT
// slices Q, K and V out of one [L, 1, 3E] projection and reshapes each to [L, H, D]; the Slices
// and Reshapes become the views q_slice / q_shape (ops/fused/attention_operands.h), so SDPAttention
// reads the projection's output directly. Checked like the other views: no copy left in the
// plan, the native kernel agrees with the unfused graph at 1 and 2 threads, and so does the
// fused node's reference kernel (which builds each view with the Slice/Reshape references).
#include <climits>

#include "attention_test_util.h"
#include "ops/fused/attention_operands.h"

namespace layerscope::testing {
namespace {

int ints(GraphBuilder& b, const std::string& name, std::vector<int64_t> values) {
  Tensor t(DType::I64, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<int64_t>());
  return b.constant(name, std::move(t));
}

// Q's Slice inputs (K's and V's are the exporter's: one range of the last axis, step 1).
struct QSlice {
  std::vector<int64_t> starts = {0}, ends, axes = {-1}, steps;  // ends empty: {E}
};

// torchvision's ViT as exported: projection [L, 1, 3E] (MatMul + Add of constants, or a graph
// input "qkv"), Q, K, V sliced from its last axis (V's end is INT64_MAX, clamped), reshaped to
// [L, H, D] (K with -1), heads split by Transposes, the result back to [L, H, D].
GraphBuilder vit_fused_qkv(int64_t L, int64_t H, int64_t D, bool projection, QSlice qs = {}) {
  GraphBuilder b;
  const int64_t E = H * D;
  int qkv;
  if (projection) {
    int mm = b.node("MatMul", "in_proj", {b.input("x", {L, 1, E}), b.random_constant("in_proj_w", {E, 3 * E})});
    qkv = b.node("Add", "in_proj_bias", {b.random_constant("bias", {3 * E}), mm});
  } else {
    qkv = b.input("qkv", {L, 1, 3 * E});
  }
  auto part = [&](const std::string& x, QSlice s, int64_t reshape_first) {
    std::vector<int> in = {qkv, ints(b, x + "_starts", s.starts), ints(b, x + "_ends", s.ends),
                           ints(b, x + "_axes", s.axes)};
    if (!s.steps.empty()) in.push_back(ints(b, x + "_steps", s.steps));
    const int sliced = b.node("Slice", x + "_slice", in);
    return b.node("Reshape", x + "_reshape", {sliced, ints(b, x + "_shape", {reshape_first, H, D})});
  };
  if (qs.ends.empty()) qs.ends = {E};
  const int q = part("q", qs, L), k = part("k", {{E}, {2 * E}, {2}, {1}}, -1),
            v = part("v", {{2 * E}, {INT64_MAX}, {-1}, {}}, L);
  const int qh = b.node("Div", "q_scale", {b.node("Transpose", "q_t", {q}, perm_attr({1, 0, 2})), b.scalar("c", 8.f)});
  const int kt = b.node("Transpose", "k_t", {k}, perm_attr({1, 2, 0}));
  const int p = b.node("Softmax", "softmax", {b.node("MatMul", "qk", {qh, kt})}, axis_attr(-1));
  const int o = b.node("MatMul", "pv", {p, b.node("Transpose", "v_t", {v}, perm_attr({1, 0, 2}))});
  b.output(b.node("Transpose", "o_t", {o}, perm_attr({1, 0, 2})));
  return b;
}

int count(const std::vector<std::string>& ops, const char* op) { return std::count(ops.begin(), ops.end(), op); }

const Node& attention_node(const ExecutionPlan& p) {
  for (size_t i = 0; i < p.steps.size(); ++i)
    if (step_node(p, i).op_type == "SDPAttention") return step_node(p, i);
  ADD_FAILURE() << "no SDPAttention step";
  return step_node(p, 0);
}

TEST(AttentionQkvSlices, VitFusedProjectionIsReadDirectly) {
  for (Shape lhd : {Shape{197, 12, 64}, Shape{13, 3, 24}, Shape{31, 2, 40}}) {
    const int64_t L = lhd[0], H = lhd[1], D = lhd[2], E = H * D;
    GraphBuilder b = vit_fused_qkv(L, H, D, true);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops_no_reorders(p), (std::vector<std::string>{"MatMulAdd", "SDPAttention"})) << shape_to_string(lhd);
    const Node& n = step_node(p, p.steps.size() - 1);
    const int projection = p.graph.nodes[p.steps[0].node].outputs[0];
    EXPECT_EQ(n.inputs[0], projection);  // Q, K and V all read the [L, 1, 3E] projection
    EXPECT_EQ(n.inputs[1], projection);
    EXPECT_EQ(n.inputs[2], projection);
    EXPECT_EQ(n.attrs.get_ints("q_slice"), (std::vector<int64_t>{2, 0, E}));
    EXPECT_EQ(n.attrs.get_ints("k_slice"), (std::vector<int64_t>{2, E, 2 * E}));
    EXPECT_EQ(n.attrs.get_ints("v_slice"), (std::vector<int64_t>{2, 2 * E, 3 * E}));  // INT64_MAX clamped
    EXPECT_EQ(n.attrs.get_ints("k_shape"), (std::vector<int64_t>{L, H, D}));          // -1 resolved
    EXPECT_EQ(n.source_names,
              (std::vector<std::string>{"q_slice", "q_reshape", "q_t", "k_slice", "k_reshape", "k_t", "v_slice",
                                        "v_reshape", "v_t", "q_scale", "qk", "softmax", "pv", "o_t"}));
    EXPECT_EQ(p.steps.back().kernel->name(), kAttentionKernel);
    // 3e-5 of the largest output: summed in another order than the unfused graph's (on AVX2
    // CPUs the difference reaches 1.1e-5).
    expect_same_results(b, 3e-5, 1);
    expect_same_results(b, 3e-5, 2);
  }
  for (Shape lhd : {Shape{13, 3, 24}, Shape{31, 2, 40}}) {
    GraphBuilder b = vit_fused_qkv(lhd[0], lhd[1], lhd[2], false);
    expect_reference_matches_unfused(b);
  }
}

// Q, K, V sliced from [H, L, 3D] and read without a head split: the Slices alone are views
// (K's last-two-dims Transpose is the one SDPAttention absorbs as k_transposed = 0).
TEST(AttentionQkvSlices, SlicesReadWithoutTransposeAreViewsToo) {
  GraphBuilder b;
  const int64_t H = 3, L = 29, D = 16;
  const int qkv = b.input("qkv", {H, L, 3 * D});
  auto part = [&](const std::string& x, int64_t i) {
    return b.node("Slice", x,
                  {qkv, ints(b, x + "_s", {i * D}), ints(b, x + "_e", {(i + 1) * D}), ints(b, x + "_a", {2})});
  };
  const int q = part("q", 0), k = part("k", 1), v = part("v", 2);
  const int s = b.node("MatMul", "qk", {q, b.node("Transpose", "k_t", {k}, perm_attr({0, 2, 1}))});
  b.output(b.node("MatMul", "pv", {b.node("Softmax", "softmax", {s}, axis_attr(-1)), v}));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"SDPAttention"});
  EXPECT_EQ(step_node(p, 0).attrs.get_ints("v_slice"), (std::vector<int64_t>{2, 2 * D, 3 * D}));
  EXPECT_FALSE(step_node(p, 0).attrs.has("v_shape"));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
  expect_reference_matches_unfused(b);
}

TEST(AttentionQkvSlices, SlicesReadElsewhereOrNotOneUnitRangeStay) {
  {  // K's slice also feeds another node: it must run; K reads its Reshape, Q and V the projection.
    GraphBuilder b = vit_fused_qkv(13, 3, 24, true);
    b.output(b.node("Relu", "other_reader", {b.graph().nodes[4].outputs[0]}));  // k_slice
    ASSERT_EQ(b.graph().nodes[4].name, "k_slice");
    ExecutionPlan p = plan_of(b, true);
    const std::vector<std::string> ops = step_ops_no_reorders(p);
    EXPECT_EQ(count(ops, "Slice"), 1) << ::testing::PrintToString(ops);
    const Node& n = attention_node(p);
    EXPECT_FALSE(n.attrs.has("k_slice"));
    EXPECT_TRUE(n.attrs.has("k_perm"));
    EXPECT_TRUE(n.attrs.has("q_slice"));
    EXPECT_TRUE(n.attrs.has("v_slice"));
    expect_same_results(b, 1e-5, 2);
  }
  {  // Q's Reshape output is also a graph output: Q's Slice and Reshape stay.
    GraphBuilder b = vit_fused_qkv(13, 3, 24, true);
    ASSERT_EQ(b.graph().nodes[3].name, "q_reshape");
    b.output(b.graph().nodes[3].outputs[0]);
    ExecutionPlan p = plan_of(b, true);
    EXPECT_EQ(count(step_ops(p), "Slice"), 1);
    expect_same_results(b, 1e-5, 2);
  }
  // Step 2, and a slice of two axes: not one unit-step range, so not absorbed.
  for (QSlice qs : {QSlice{{0}, {48}, {-1}, {2}}, QSlice{{0, 0}, {13, 24}, {0, 2}, {}}}) {
    GraphBuilder b = vit_fused_qkv(13, 3, 8, true, qs);
    ExecutionPlan p = plan_of(b, true);
    const std::vector<std::string> ops = step_ops(p);
    EXPECT_EQ(count(ops, "Slice"), 1) << ::testing::PrintToString(ops);
    EXPECT_EQ(count(ops, "SDPAttention"), 1);
    expect_same_results(b, 1e-5, 2);
  }
}

// The view arithmetic itself, on ViT-B/16's Q, K and V: offset, strides, and a reshape that
// would need a copy.
TEST(AttentionQkvSlices, ReshapedViewsOfASlice) {
  OperandView k;
  k.slice = AxisSlice{2, 768, 1536};
  k.shape = {197, 12, 64};
  k.perm = {1, 2, 0};
  ASSERT_EQ(operand_view_problem(k, 1, {197, 1, 2304}), "");
  const StridedView v = operand_strided_view(k, {197, 1, 2304});
  EXPECT_EQ(v.shape, (Shape{12, 64, 197}));
  EXPECT_EQ(v.strides, (std::vector<int64_t>{64, 1, 2304}));
  EXPECT_EQ(v.offset, 768);
  // [197, 1, 768] of a [197, 1, 2304] buffer: merging the token and channel dims needs a copy.
  StridedView sliced{{197, 1, 768}, {2304, 2304, 1}, 0};
  EXPECT_FALSE(reshaped_view(sliced, {197 * 768}).has_value());
  ASSERT_TRUE(reshaped_view(sliced, {1, 197, 12, 1, 64}).has_value());
  EXPECT_EQ(reshaped_view(sliced, {1, 197, 12, 1, 64})->strides[2], 64);
}

}  // namespace
}  // namespace layerscope::testing
