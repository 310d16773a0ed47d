// fuse_conv_activation: Conv [+ Add residual] [+ activation] -> one fused-domain node. The graph
// after the pass, and the same results: planned without passes vs with them (oneDNN post-ops),
// and the fused op's reference kernel against the unfused plan.
#include <algorithm>
#include <limits>

#include "ops/fused/conv.h"
#include "ops/fused/reference.h"
#include "pass_test_util.h"
#include "registry/registry.h"

namespace layerscope::testing {
namespace {

const Node* find_op(const ExecutionPlan& p, const std::string& op_type) {
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].op_type == op_type) return &p.graph.nodes[s.node];
  return nullptr;
}

Attributes conv_attrs(int64_t pad, int64_t stride = 1, int64_t group = 1) {
  Attributes a;
  a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("group", group);
  return a;
}

// Every activation a fused conv may carry: each op with the activation trait, and the SiLU
// pattern ("Swish"), so a new activation in an op family is tested here without an edit.
std::vector<std::string> fusable_activations() {
  std::vector<std::string> names;
  for (const fused_ref::AbsorbedActivation& a : fused_ref::absorbable_activations(Registry::builtin()))
    names.push_back(a.op_type);
  names.push_back(kSwishActivation);
  return names;
}

// Appends activation `act` ("" for none) reading x, with non-default parameters where it has
// some; returns its output.
int add_activation(GraphBuilder& b, const std::string& act, int x) {
  Attributes a;
  if (act.empty()) return x;
  if (act == "LeakyRelu") a.set("alpha", 0.2f);
  if (act == "HardSigmoid") {
    a.set("alpha", 0.3f);
    a.set("beta", 0.4f);
  }
  if (act == "Elu") a.set("alpha", 0.7f);
  if (act == "Gelu") a.set("approximate", std::string("tanh"));
  if (act == "Clip") return b.node("Clip", "act", {x, b.scalar("lo", -0.5f), b.scalar("hi", 0.75f)});
  if (act == kSwishActivation) return b.node("Mul", "act_mul", {x, b.node("Sigmoid", "act", {x})});
  return b.node(act, "act", {x}, a);
}

// x -> Conv(c_in -> c_out) -> [Add(residual r)] -> [act] -> output. Opset 20 (for Gelu).
GraphBuilder conv_epilogue_graph(bool residual, const std::string& act, int64_t c_in = 5, int64_t c_out = 20) {
  GraphBuilder b(20);
  int x = b.input("x", {1, c_in, 11, 13});
  int c = b.node("Conv", "conv", {x, b.random_constant("w", {c_out, c_in, 3, 3}), b.random_constant("b", {c_out})},
                 conv_attrs(1));
  if (residual) c = b.node("Add", "add", {c, b.input("r", {1, c_out, 11, 13})});
  b.output(add_activation(b, act, c));
  return b;
}

TEST(FuseConv, EveryActivationWithTheTraitIsFusable) {
  const std::vector<std::string> acts = fusable_activations();
  for (const char* a : {"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Elu", "Tanh", "Swish",
                        "Gelu", "Mish", "Softplus"})
    EXPECT_NE(std::find(acts.begin(), acts.end(), a), acts.end()) << a;
}

TEST(FuseConv, EveryEpilogueBecomesOneNodeNamedLikeTheReferenceTool) {
  for (bool residual : {false, true})
    for (const std::string& act : fusable_activations()) {
      SCOPED_TRACE(fused_conv_op_type(residual, act));
      GraphBuilder b = conv_epilogue_graph(residual, act);
      ExecutionPlan p = plan_of(b, true);
      const std::string op = fused_conv_op_type(residual, act);
      ASSERT_EQ(step_ops_no_reorders(p), std::vector<std::string>{op});
      const Node* n = find_op(p, op);
      EXPECT_EQ(n->domain, kFusedDomain);
      std::vector<std::string> sources = {"conv"};
      if (residual) sources.push_back("add");
      sources.push_back("act");
      if (act == kSwishActivation) sources.push_back("act_mul");
      EXPECT_EQ(n->source_names, sources);
      // The fused node runs on oneDNN (post-ops), not on its reference kernel.
      for (const Step& s : p.steps)
        if (p.graph.nodes[s.node].op_type == op) {
          EXPECT_EQ(s.kernel->name().rfind("onednn:", 0), 0u) << s.kernel->name();
        }
      expect_same_results(b, 2e-5, 1);
      expect_same_results(b, 2e-5, 2);
    }
}

TEST(FuseConv, ResidualAddAloneIsConvAdd) {
  GraphBuilder b = conv_epilogue_graph(true, "");
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), std::vector<std::string>{"ConvAdd"});
  EXPECT_EQ(find_op(p, "ConvAdd")->source_names, (std::vector<std::string>{"conv", "add"}));
  expect_same_results(b, 1e-5);
}

// The fused ops' reference kernels (the fallback path) against the unfused graph.
TEST(FuseConv, ReferenceKernelOfEveryFusedOpMatchesTheUnfusedGraph) {
  const Registry& r = Registry::builtin();
  for (bool residual : {false, true})
    for (const std::string& act : fusable_activations()) {
      const std::string op = fused_conv_op_type(residual, act);
      SCOPED_TRACE(op);
      GraphBuilder b = conv_epilogue_graph(residual, act);
      ExecutionPlan fused = plan_of(b, true);
      const Node& n = *find_op(fused, op);
      std::vector<Tensor> inputs;
      for (int v : b.graph().inputs) inputs.push_back(b.random_f32(b.binding().at(b.graph().values[v].name).shape));
      std::vector<Tensor> want = Executor(plan_of(b, false)).run(inputs);

      // The fused node's inputs by name: x and r are graph inputs (maybe behind a Reorder:
      // "x/to_nhwc"; the reference reads the plain originals), W and B the builder's constants.
      auto tensor_named = [&](const std::string& name) -> const Tensor* {
        const std::string base = name.substr(0, name.find('/'));
        if (base == "x") return &inputs[0];
        if (base == "r") return &inputs[1];
        for (const Value& val : b.graph().values)
          if (val.name == base && val.constant) return &*val.constant;
        ADD_FAILURE() << "no tensor for input '" << name << "'";
        return nullptr;
      };
      std::vector<const Tensor*> in;
      for (int v : n.inputs) in.push_back(v < 0 ? nullptr : tensor_named(fused.graph.values[v].name));
      Tensor y(DType::F32, want[0].shape());
      Tensor* out[] = {&y};
      r.find_op(kFusedDomain, op, 1)->reference(n, in, out);
      for (int64_t i = 0; i < y.numel(); ++i)
        ASSERT_NEAR(y.data_as<float>()[i], want[0].data_as<float>()[i], 1e-5) << "element " << i;
    }
}

TEST(FuseConv, ErfGeluPatternAfterAConvBecomesConvGelu) {
  // torch's GELU export, x * 0.5 * (1 + erf(x / sqrt 2)), which fuse_gelu turns into a
  // fused-domain Gelu before this pass runs.
  GraphBuilder b;
  int x = b.input("x", {1, 16, 10, 10});
  int c =
      b.node("Conv", "conv", {x, b.random_constant("w", {24, 16, 3, 3}), b.random_constant("b", {24})}, conv_attrs(1));
  int e = b.node("Erf", "erf", {b.node("Div", "div", {c, b.scalar("sqrt2", 1.4142135f)})});
  int h = b.node("Mul", "mul", {c, b.node("Add", "add1", {e, b.scalar("one", 1.f)})});
  b.output(b.node("Mul", "half", {h, b.scalar("half_c", 0.5f)}));
  ExecutionPlan p = plan_of(b, true);
  ASSERT_EQ(step_ops_no_reorders(p), std::vector<std::string>{"ConvGelu"});
  const Node* n = find_op(p, "ConvGelu");
  EXPECT_EQ(n->source_names.front(), "conv");
  EXPECT_EQ(n->source_names.size(), 6u);  // conv + the five nodes of the pattern
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(FuseConv, ConvBatchNormReluBecomesConvReluAfterTheFold) {
  GraphBuilder b;
  int x = b.input("x", {1, 3, 12, 12});
  int c = b.node("Conv", "conv", {x, b.random_constant("w", {16, 3, 3, 3})}, conv_attrs(1, 2));
  int bn = b.node("BatchNormalization", "bn",
                  {c, b.random_constant("g", {16}, 0.5f, 2.f), b.random_constant("be", {16}),
                   b.random_constant("m", {16}), b.random_constant("v", {16}, 0.5f, 2.f)});
  b.output(b.node("Relu", "relu", {bn}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), std::vector<std::string>{"ConvRelu"});
  EXPECT_EQ(find_op(p, "ConvRelu")->source_names, (std::vector<std::string>{"conv", "bn", "relu"}));
  expect_same_results(b, 1e-5);
}

TEST(FuseConv, ValuesReadElsewhereOrGraphOutputsAreNotAbsorbed) {
  GraphBuilder b;
  int x = b.input("x", {1, 4, 8, 8});
  int c1 = b.node("Conv", "c1", {x, b.random_constant("w1", {4, 4, 1, 1})});
  int r1 = b.node("Relu", "r1", {c1});
  b.output(c1);  // the conv output is a graph output: the Relu stays separate
  b.output(r1);
  int c2 = b.node("Conv", "c2", {x, b.random_constant("w2", {4, 4, 1, 1})});
  int a = b.node("Add", "add", {c2, x});
  b.output(b.node("Relu", "r2", {a}));
  b.output(b.node("Sigmoid", "s2", {a}));  // the sum feeds two activations: only the Add fuses
  ExecutionPlan p = plan_of(b, true);
  std::vector<std::string> ops = step_ops_no_reorders(p);
  std::sort(ops.begin(), ops.end());
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "ConvAdd", "Relu", "Relu", "Sigmoid"}));
  expect_same_results(b, 1e-5);
}

TEST(FuseConv, ClipWithRunTimeBoundsAndAConstantAddendAreNotFused) {
  GraphBuilder b;
  int x = b.input("x", {1, 4, 6, 6});
  int hi = b.input("hi", {});
  int c = b.node("Conv", "conv", {x, b.random_constant("w", {4, 4, 3, 3})}, conv_attrs(1));
  int a = b.node("Add", "add", {c, b.random_constant("k", {1, 4, 6, 6})});
  b.output(b.node("Clip", "clip", {a, b.scalar("lo", 0.f), hi}));
  EXPECT_EQ(step_ops_no_reorders(plan_of(b, true)), (std::vector<std::string>{"Conv", "Add", "Clip"}));
}

TEST(FuseConv, DepthwiseGroupedAndStridedConvsFuseAndAgree) {
  GraphBuilder b;
  int x = b.input("x", {1, 24, 17, 17});
  int dw = b.node("Conv", "dw", {x, b.random_constant("wd", {24, 1, 3, 3}), b.random_constant("bd", {24})},
                  conv_attrs(1, 2, 24));
  int r6 = b.node("Clip", "relu6", {dw, b.scalar("z", 0.f), b.scalar("six", 6.f)});
  int g = b.node("Conv", "grouped", {r6, b.random_constant("wg", {36, 8, 3, 3})}, conv_attrs(1, 1, 3));
  int s = b.node("Sigmoid", "sig", {g});
  b.output(b.node("Mul", "silu", {s, g}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), (std::vector<std::string>{"ConvClip", "ConvSwish"}));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

}  // namespace
}  // namespace layerscope::testing

namespace layerscope::testing {
namespace {

// A DPT-style residual unit over 32 channels: y = conv(relu(conv(relu(x)))) + x, then `tail`
// reads x again when `x_read_later`. The 3x3 convs run Winograd in nChw16c, whose residual is
// a sum post-op into dst: dst takes the residual's buffer when the residual dies at the ConvAdd
// (no copy), and gets a copy of it otherwise; both give the unfused graph's numbers.
GraphBuilder residual_unit(bool x_read_later) {
  GraphBuilder b;
  int in = b.input("in", {1, 32, 10, 12});
  int x = b.node("Conv", "c0", {in, b.random_constant("w0", {32, 32, 1, 1})});
  int h = b.node("Relu", "r0", {x});
  h = b.node("Relu", "r1", {b.node("Conv", "c1", {h, b.random_constant("w1", {32, 32, 3, 3})}, conv_attrs(1))});
  int y = b.node("Add", "add", {b.node("Conv", "c2", {h, b.random_constant("w2", {32, 32, 3, 3})}, conv_attrs(1)), x});
  if (x_read_later) y = b.node("Mul", "tail", {y, x});
  b.output(b.node("Conv", "c3", {y, b.random_constant("w3", {8, 32, 1, 1})}));
  return b;
}

const Step& step_of(const ExecutionPlan& p, const std::string& op_type) {
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].op_type == op_type) return s;
  throw std::runtime_error("no " + op_type + " step");
}

TEST(FuseConv, WinogradResidualIsSummedInPlaceWhenItDiesThere) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "oneDNN 2.6 has Winograd convolutions for AVX-512 only";
  for (bool later : {false, true}) {
    SCOPED_TRACE(later ? "residual read later" : "residual dies at the ConvAdd");
    GraphBuilder b = residual_unit(later);
    ExecutionPlan p = plan_of(b, true);
    const Step& s = step_of(p, "ConvAdd");
    const Node& n = p.graph.nodes[s.node];
    EXPECT_NE(s.kernel->name().find("wino"), std::string::npos) << s.kernel->name();
    const bool shared = p.slots[n.outputs[0]].offset == p.slots[n.inputs[kConvResidualInput]].offset;
    EXPECT_EQ(shared, !later);
    expect_same_results(b, 1e-5, 1);
    expect_same_results(b, 1e-5, 2);
  }
}

}  // namespace
}  // namespace layerscope::testing
