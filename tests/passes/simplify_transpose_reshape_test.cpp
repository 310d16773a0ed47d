// simplify_transpose_reshape: Transpose pairs compose (or vanish), Reshape pairs become one
// Reshape to the final shape; results agree with the unsimplified graph.
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

Attributes perm(std::vector<int64_t> p) {
  Attributes a;
  a.set("perm", std::move(p));
  return a;
}

int shape_constant(GraphBuilder& b, const std::string& name, std::vector<int64_t> dims) {
  Tensor t(DType::I64, {static_cast<int64_t>(dims.size())});
  for (size_t i = 0; i < dims.size(); ++i) t.data_as<int64_t>()[i] = dims[i];
  return b.constant(name, std::move(t));
}

TEST(SimplifyTransposeReshape, TwoTransposesComposeIntoOne) {
  GraphBuilder b;
  int x = b.input("x", {2, 3, 4, 5});
  int t1 = b.node("Transpose", "t1", {x}, perm({0, 2, 1, 3}));
  int t2 = b.node("Transpose", "t2", {t1}, perm({0, 1, 3, 2}));
  b.output(b.node("Relu", "relu", {t2}));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), (std::vector<std::string>{"Transpose", "Relu"}));
  EXPECT_EQ(step_node(p, 0).attrs.get_ints("perm"), (std::vector<int64_t>{0, 2, 3, 1}));
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"t1", "t2"}));
  expect_same_results(b, 0);
}

TEST(SimplifyTransposeReshape, InverseTransposesVanish) {
  GraphBuilder b;
  int x = b.input("x", {3, 4, 5});
  int r = b.node("Relu", "relu", {x});
  int t1 = b.node("Transpose", "t1", {r}, perm({1, 2, 0}));
  int t2 = b.node("Transpose", "t2", {t1}, perm({2, 0, 1}));
  b.output(b.node("Sigmoid", "sig", {t2}));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), (std::vector<std::string>{"Relu", "Sigmoid"}));
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"relu", "t1", "t2"}));
  expect_same_results(b, 0);
}

TEST(SimplifyTransposeReshape, ReshapeChainBecomesOneReshapeToTheFinalShape) {
  GraphBuilder b;
  int x = b.input("x", {2, 6, 10});
  int r1 = b.node("Reshape", "r1", {x, shape_constant(b, "s1", {12, -1})});
  int r2 = b.node("Reshape", "r2", {r1, shape_constant(b, "s2", {0, 5, 2})});  // 0: r1's dim 0 (12)
  int r3 = b.node("Reshape", "r3", {r2, shape_constant(b, "s3", {-1, 30})});
  b.output(b.node("Relu", "relu", {r3}));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), (std::vector<std::string>{"Reshape", "Relu"}));
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_EQ(p.slots[step_node(p, 0).outputs[0]].info.shape, (Shape{4, 30}));
  expect_same_results(b, 0);
}

TEST(SimplifyTransposeReshape, IntermediateReadElsewhereOrGraphOutputIsKept) {
  GraphBuilder b;
  int x = b.input("x", {3, 4});
  int t1 = b.node("Transpose", "t1", {x}, perm({1, 0}));
  int t2 = b.node("Transpose", "t2", {t1}, perm({1, 0}));
  b.output(t2);  // identity pair, but t2's output is a graph output: one identity Transpose stays
  b.output(b.node("Relu", "relu", {b.node("Transpose", "t3", {x}, perm({1, 0}))}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Transpose", "Transpose", "Relu"}));
  expect_same_results(b, 0);
}

}  // namespace
}  // namespace layerscope::testing
