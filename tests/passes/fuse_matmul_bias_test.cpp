// fuse_matmul_bias: MatMul + bias [+ activation] and Gemm + activation become one fused node on
// the oneDNN matmul kernel (bias and eltwise post-ops); results agree with the unfused graph.
#include "ops/fused/reference.h"
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

// The erf GELU as torch exports it (fuse_gelu turns it into one node first).
int torch_gelu(GraphBuilder& b, int x) {
  int e = b.node("Erf", "gelu/erf", {b.node("Div", "gelu/div", {x, b.scalar("sqrt2", 1.4142135f)})});
  int a = b.node("Add", "gelu/add", {e, b.scalar("one", 1.f)});
  return b.node("Mul", "gelu/mul_half", {b.node("Mul", "gelu/mul", {x, a}), b.scalar("half", 0.5f)});
}

TEST(FuseMatMulBias, VitMlpMatMulBiasGeluBecomesMatMulAddGelu) {
  GraphBuilder b;
  int x = b.input("x", {1, 197, 96});
  int mm = b.node("MatMul", "fc1/MatMul", {x, b.random_constant("w", {96, 384}, -0.2f, 0.2f)});
  int y = b.node("Add", "fc1/Add", {b.random_constant("bias", {384}), mm});  // torch puts the bias first
  b.output(torch_gelu(b, y));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"MatMulAddGelu"});
  const Node& n = step_node(p, 0);
  EXPECT_EQ(n.name, "fc1/MatMul");
  EXPECT_EQ(n.source_names, (std::vector<std::string>{"fc1/MatMul", "fc1/Add", "gelu/div", "gelu/erf", "gelu/add",
                                                      "gelu/mul", "gelu/mul_half"}));
  EXPECT_EQ(p.steps[0].kernel->name().rfind("onednn:", 0), 0u) << p.steps[0].kernel->name();
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(FuseMatMulBias, BiasOnlyAndEachActivation) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "MatMulAdd"}, {"Relu", "MatMulAddRelu"}, {"Sigmoid", "MatMulAddSigmoid"}, {"Tanh", "MatMulAddTanh"}};
  for (const auto& [act, fused] : cases) {
    GraphBuilder b;
    int x = b.input("x", {2, 13, 40});
    int mm = b.node("MatMul", "mm", {x, b.random_constant("w", {40, 24})});
    int y = b.node("Add", "add", {mm, b.random_constant("bias", {1, 1, 24})});
    if (!act.empty()) y = b.node(act, "act", {y});
    b.output(y);
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{fused});
    EXPECT_EQ(p.steps[0].kernel->name().rfind("onednn:", 0), 0u) << fused;
    expect_same_results(b, 1e-5, 2);
  }
}

TEST(FuseMatMulBias, GemmWithActivation) {
  for (bool trans_b : {false, true}) {
    GraphBuilder b;
    int x = b.input("x", {5, 64});
    Attributes ga;
    ga.set("transB", int64_t{trans_b});
    ga.set("alpha", 0.5f);
    ga.set("beta", 2.f);
    int w = b.random_constant("w", trans_b ? Shape{48, 64} : Shape{64, 48});
    int g = b.node("Gemm", "gemm", {x, w, b.random_constant("c", {48})}, ga);
    b.output(b.node("Relu", "relu", {g}));
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"GemmRelu"});
    EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"gemm", "relu"}));
    EXPECT_EQ(p.steps[0].kernel->name().rfind("onednn:", 0), 0u);
    expect_same_results(b, 1e-5, 2);
  }
}

// Every activation with the trait (OpDef::activation), with its default parameters: MatMul + bias
// on oneDNN's matmul, and Gemm with one row on native:gemv (which applies the activation
// itself) or several rows on oneDNN, where the fused op exists (Gemm<Act> does not for
// activations whose attributes are named like Gemm's alpha and beta).
TEST(FuseMatMulBias, EveryActivationWithTheTrait) {
  for (const fused_ref::AbsorbedActivation& a : fused_ref::absorbable_activations(Registry::builtin())) {
    SCOPED_TRACE(a.op_type);
    {
      GraphBuilder b(20);
      int x = b.input("x", {2, 7, 40});
      int mm = b.node("MatMul", "mm", {x, b.random_constant("w", {40, 24})});
      int y = b.node("Add", "add", {mm, b.random_constant("bias", {24})});
      b.output(b.node(a.op_type, "act", {y}));
      ExecutionPlan p = plan_of(b, true);
      ASSERT_EQ(step_ops(p), std::vector<std::string>{"MatMulAdd" + a.op_type});
      EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"mm", "add", "act"}));
      EXPECT_EQ(p.steps[0].kernel->name().rfind("onednn:", 0), 0u) << p.steps[0].kernel->name();
      expect_same_results(b, 1e-5, 2);
    }
    if (!Registry::builtin().find_op(kFusedDomain, "Gemm" + a.op_type, 1)) continue;
    for (int64_t rows : {1, 5}) {
      GraphBuilder b(20);
      int x = b.input("x", {rows, 64});
      int g = b.node("Gemm", "gemm", {x, b.random_constant("w", {64, 48}), b.random_constant("c", {48})});
      b.output(b.node(a.op_type, "act", {g}));
      ExecutionPlan p = plan_of(b, true);
      ASSERT_EQ(step_ops(p), std::vector<std::string>{"Gemm" + a.op_type});
      EXPECT_EQ(p.steps[0].kernel->name().rfind(rows == 1 ? "native:gemv" : "onednn:", 0), 0u);
      expect_same_results(b, 1e-5, 2);
    }
  }
}

TEST(FuseMatMulBias, RowVaryingBiasOrComputedWeightsAreLeftAlone) {
  {
    GraphBuilder b;  // bias [13, 24] varies over rows: not a per-column bias
    int x = b.input("x", {13, 40});
    int mm = b.node("MatMul", "mm", {x, b.random_constant("w", {40, 24})});
    b.output(b.node("Add", "add", {mm, b.random_constant("bias", {13, 24})}));
    EXPECT_EQ(step_ops(plan_of(b, true)), (std::vector<std::string>{"MatMul", "Add"}));
  }
  {
    GraphBuilder b;  // weights are an input
    int x = b.input("x", {13, 40});
    int w = b.input("w", {40, 24});
    int mm = b.node("MatMul", "mm", {x, w});
    b.output(b.node("Add", "add", {mm, b.random_constant("bias", {24})}));
    EXPECT_EQ(step_ops(plan_of(b, true)), (std::vector<std::string>{"MatMul", "Add"}));
  }
}

}  // namespace
}  // namespace layerscope::testing
