// fuse_layernorm: layer normalisation written out op by op becomes one fused-domain
// LayerNorm node on the oneDNN layer-norm kernel; results agree with the unfused graph.
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

struct Options {
  int opset = 17;
  bool pow = true;     // Pow(d, 2) or Mul(d, d)
  bool affine = true;  // * gamma + beta
  Shape x = {2, 7, 48};
  std::vector<int64_t> axes = {-1};
  Shape gamma = {48};
};

int decomposed_layernorm(GraphBuilder& b, int x, const Options& o) {
  auto mean = [&](const std::string& name, int in) {
    Attributes a;
    if (o.opset < 18) {
      a.set("axes", o.axes);
      return b.node("ReduceMean", name, {in}, a);
    }
    Tensor axes(DType::I64, {static_cast<int64_t>(o.axes.size())});
    for (size_t k = 0; k < o.axes.size(); ++k) axes.data_as<int64_t>()[k] = o.axes[k];
    return b.node("ReduceMean", name, {in, b.constant(name + "_axes", std::move(axes))}, a);
  };
  int m = mean("mean", x);
  int d = b.node("Sub", "sub", {x, m});
  int sq = o.pow ? b.node("Pow", "pow", {d, b.scalar("two", 2.f)}) : b.node("Mul", "square", {d, d});
  int v = mean("var", sq);
  int s = b.node("Sqrt", "sqrt", {b.node("Add", "add_eps", {v, b.scalar("eps", 1e-5f)})});
  int y = b.node("Div", "div", {d, s});
  if (!o.affine) return y;
  y = b.node("Mul", "mul_gamma", {y, b.random_constant("gamma", o.gamma, 0.5f, 1.5f)});
  return b.node("Add", "add_beta", {b.random_constant("beta", o.gamma), y});
}

TEST(FuseLayerNorm, DecomposedLayerNormBecomesOneNodeOnTheOnednnKernel) {
  Options o;
  GraphBuilder b(o.opset);
  int x = b.input("x", o.x);
  b.output(decomposed_layernorm(b, x, o));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"LayerNorm"});
  const Node& n = step_node(p, 0);
  EXPECT_EQ(n.domain, kFusedDomain);
  EXPECT_EQ(n.attrs.get_int("axis", 0), 2);
  EXPECT_FLOAT_EQ(n.attrs.get_float("epsilon", 0), 1e-5f);
  EXPECT_EQ(n.source_names,
            (std::vector<std::string>{"mean", "sub", "pow", "var", "add_eps", "sqrt", "div", "mul_gamma", "add_beta"}));
  EXPECT_EQ(p.steps[0].kernel->name().rfind("onednn:", 0), 0u) << p.steps[0].kernel->name();
  EXPECT_EQ(step_ops(plan_of(b, false)).size(), 9u);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(FuseLayerNorm, VariantsSquareByMulNoAffineOpset18TwoAxesBroadcastGamma) {
  std::vector<Options> variants(4);
  variants[0].pow = false;
  variants[1].affine = false;
  variants[2].opset = 18;
  variants[3].axes = {-2, -1};
  variants[3].gamma = {1, 7, 48};
  variants[3].x = {3, 7, 48};
  for (const Options& o : variants) {
    GraphBuilder b(o.opset);
    int x = b.input("x", o.x);
    b.output(b.node("Relu", "after", {decomposed_layernorm(b, x, o)}));
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), (std::vector<std::string>{"LayerNorm", "Relu"}));
    EXPECT_EQ(step_node(p, 0).attrs.get_int("axis", 0), 3 - static_cast<int64_t>(o.axes.size()));
    expect_same_results(b, 1e-5, 2);
  }
}

TEST(FuseLayerNorm, ReductionOverALeadingAxisIsLeftAlone) {
  Options o;
  o.axes = {1};
  o.gamma = {7, 1};
  GraphBuilder b;
  int x = b.input("x", o.x);
  b.output(decomposed_layernorm(b, x, o));
  EXPECT_EQ(step_ops(plan_of(b, true)).size(), 9u);
}

}  // namespace
}  // namespace layerscope::testing
