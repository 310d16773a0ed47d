// remove_identity and fold_batchnorm_into_conv: the graph after the pass, and the same results.
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

TEST(RemoveIdentity, IdentityAndDropoutDisappearAndResultsAgree) {
  GraphBuilder b;
  int x = b.input("x", {2, 8});
  int a = b.node("Relu", "relu", {x});
  int i = b.node("Identity", "ident", {a});
  int d = b.node("Dropout", "drop", {i}, {}, 1);
  int y = b.node("Sigmoid", "sig", {d});
  b.output(y);
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Relu", "Sigmoid"}));
  EXPECT_EQ(step_ops(plan_of(b, false)), (std::vector<std::string>{"Relu", "Identity", "Dropout", "Sigmoid"}));
  expect_same_results(b, 0);
}

TEST(RemoveIdentity, IdentityProducingAGraphOutputKeepsTheOutputName) {
  GraphBuilder b;
  int x = b.input("x", {4});
  int a = b.node("Relu", "relu", {x});
  int y = b.node("Identity", "ident", {a});
  b.output(y);
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"Relu"});
  EXPECT_EQ(p.graph.values[p.graph.outputs[0]].name, "ident_out0");
  EXPECT_EQ(step_node(p, 0).outputs[0], p.graph.outputs[0]);
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"relu", "ident"}));
  expect_same_results(b, 0);
}

TEST(RemoveIdentity, DropoutWhoseMaskIsUsedStays) {
  GraphBuilder b;
  int x = b.input("x", {4});
  int d = b.node("Dropout", "drop", {x}, {}, 2);
  int mask = b.graph().nodes.back().outputs[1];
  b.output(d);
  b.output(mask);
  EXPECT_EQ(step_ops(plan_of(b, true)), std::vector<std::string>{"Dropout"});
}

TEST(FoldBatchNorm, ConvThenBatchNormBecomesOneConv) {
  GraphBuilder b;
  int x = b.input("x", {1, 3, 9, 9});
  int w = b.random_constant("w", {8, 3, 3, 3});
  int bias = b.random_constant("b", {8});
  Attributes ca;
  ca.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  int c = b.node("Conv", "conv", {x, w, bias}, ca);
  int gamma = b.random_constant("gamma", {8}, 0.5f, 2.f);
  int beta = b.random_constant("beta", {8});
  int mean = b.random_constant("mean", {8});
  int var = b.random_constant("var", {8}, 0.1f, 3.f);
  Attributes ba;
  ba.set("epsilon", 1e-3f);
  int y = b.node("BatchNormalization", "bn", {c, gamma, beta, mean, var}, ba);
  b.output(y);
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops_no_reorders(p), std::vector<std::string>{"Conv"});
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].op_type == "Conv") {
      EXPECT_EQ(p.graph.nodes[s.node].source_names, (std::vector<std::string>{"conv", "bn"}));
    }
  EXPECT_EQ(step_ops(plan_of(b, false)), (std::vector<std::string>{"Conv", "BatchNormalization"}));
  expect_same_results(b, 1e-5);
}

TEST(FoldBatchNorm, ConvWithoutBiasAndASecondConsumerIsLeftAlone) {
  GraphBuilder b;
  int x = b.input("x", {1, 2, 5, 5});
  int w = b.random_constant("w", {4, 2, 1, 1});
  int c = b.node("Conv", "conv", {x, w});
  int y = b.node("BatchNormalization", "bn",
                 {c, b.random_constant("g", {4}), b.random_constant("be", {4}), b.random_constant("m", {4}),
                  b.random_constant("v", {4}, 0.5f, 1.f)});
  int z = b.node("Relu", "relu", {c});  // the conv output is also read here: no fold
  b.output(y);
  b.output(z);
  EXPECT_EQ(step_ops_no_reorders(plan_of(b, true)).size(), 3u);
  expect_same_results(b, 1e-6);
}

}  // namespace
}  // namespace layerscope::testing
