// fuse_gelu: the erf and tanh GELU formulas in the operand orders exporters emit become one
// fused-domain Gelu node with every original name kept; results agree with the unfused graph.
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

constexpr float kSqrt2 = 1.41421353816986083984375f;  // torch's float32 sqrt(2)

// 0.5 * x * (1 + erf(x / sqrt 2)) in one of torch's association orders.
enum class Order { XaHalf, AHalfX, AXHalf_, HalfXThenA };

int erf_gelu(GraphBuilder& b, int x, Order order, bool mul_form = false) {
  int d = mul_form ? b.node("Mul", "mul_rsqrt2", {x, b.scalar("c_rsqrt2", 0.70710678f)})
                   : b.node("Div", "div", {x, b.scalar("c_sqrt2", kSqrt2)});
  int e = b.node("Erf", "erf", {d});
  int a = b.node("Add", "add", {e, b.scalar("one", 1.f)});
  int half = b.scalar("half", 0.5f);
  switch (order) {
    case Order::XaHalf: return b.node("Mul", "mul_half", {b.node("Mul", "mul", {x, a}), half});
    case Order::AHalfX: return b.node("Mul", "mul", {b.node("Mul", "mul_half", {a, half}), x});
    case Order::AXHalf_: return b.node("Mul", "mul_half", {half, b.node("Mul", "mul", {a, x})});
    case Order::HalfXThenA: return b.node("Mul", "mul", {a, b.node("Mul", "mul_half", {x, half})});
  }
  return -1;
}

TEST(FuseGelu, TorchErfFormBecomesOneGeluWithAllSourceNames) {
  GraphBuilder b;
  int x = b.input("x", {1, 50, 96});
  b.output(erf_gelu(b, x, Order::XaHalf));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops(p), std::vector<std::string>{"Gelu"});
  const Node& n = step_node(p, 0);
  EXPECT_EQ(n.domain, kFusedDomain);
  EXPECT_EQ(n.attrs.get_string("approximate", ""), "none");
  EXPECT_EQ(n.source_names, (std::vector<std::string>{"div", "erf", "add", "mul", "mul_half"}));
  EXPECT_EQ(p.steps[0].kernel->name(), "native:unary");
  EXPECT_EQ(step_ops(plan_of(b, false)), (std::vector<std::string>{"Div", "Erf", "Add", "Mul", "Mul"}));
  expect_same_results(b, 1e-6, 1);
  expect_same_results(b, 1e-6, 2);
}

TEST(FuseGelu, EveryProductOrderAndTheMulByRsqrt2Form) {
  for (Order order : {Order::XaHalf, Order::AHalfX, Order::AXHalf_, Order::HalfXThenA})
    for (bool mul_form : {false, true}) {
      GraphBuilder b;
      int x = b.input("x", {3, 33});
      b.output(b.node("Relu", "after", {erf_gelu(b, x, order, mul_form)}));
      ExecutionPlan p = plan_of(b, true);
      EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Gelu", "Relu"})) << int(order) << " " << mul_form;
      EXPECT_EQ(step_node(p, 0).source_names.size(), 5u);
      expect_same_results(b, 1e-6);
    }
}

TEST(FuseGelu, TanhFormWithPowOrCubeProduct) {
  for (bool pow : {true, false}) {
    GraphBuilder b;
    int x = b.input("x", {2, 77});
    int cube = pow ? b.node("Pow", "pow", {x, b.scalar("three", 3.f)})
                   : b.node("Mul", "cube", {b.node("Mul", "square", {x, x}), x});
    int inner = b.node("Add", "inner", {x, b.node("Mul", "k", {b.scalar("c", 0.044715f), cube})});
    int t = b.node("Tanh", "tanh", {b.node("Mul", "s", {inner, b.scalar("s2pi", 0.7978845608f)})});
    int a = b.node("Add", "add", {b.scalar("one", 1.f), t});
    b.output(b.node("Mul", "mul", {b.node("Mul", "half_x", {b.scalar("half", 0.5f), x}), a}));
    ExecutionPlan p = plan_of(b, true);
    ASSERT_EQ(step_ops(p), std::vector<std::string>{"Gelu"});
    EXPECT_EQ(step_node(p, 0).attrs.get_string("approximate", ""), "tanh");
    const std::vector<std::string> want_pow = {"pow", "k", "inner", "s", "tanh", "add", "half_x", "mul"};
    const std::vector<std::string> want_mul = {"square", "cube", "k", "inner", "s", "tanh", "add", "half_x", "mul"};
    EXPECT_EQ(step_node(p, 0).source_names, pow ? want_pow : want_mul);
    expect_same_results(b, 1e-6, 2);
  }
}

TEST(FuseGelu, WrongConstantOrAnIntermediateReadElsewhereIsLeftAlone) {
  {
    GraphBuilder b;  // x / 1.5 is not x / sqrt 2
    int x = b.input("x", {8});
    int e = b.node("Erf", "erf", {b.node("Div", "div", {x, b.scalar("c", 1.5f)})});
    b.output(
        b.node("Mul", "mul_half",
               {b.node("Mul", "mul", {x, b.node("Add", "add", {e, b.scalar("one", 1.f)})}), b.scalar("half", 0.5f)}));
    EXPECT_EQ(step_ops(plan_of(b, true)).size(), 5u);
  }
  {
    GraphBuilder b;  // the Erf output is also a graph output
    int x = b.input("x", {8});
    b.output(erf_gelu(b, x, Order::XaHalf));
    b.output(b.graph().nodes[1].outputs[0]);
    EXPECT_EQ(step_ops(plan_of(b, true)).size(), 5u);
    expect_same_results(b, 0);
  }
}

}  // namespace
}  // namespace layerscope::testing
