// assign_layouts: activations between convolutions stay in the layout oneDNN prefers (nChw16c
// or NHWC here), explicit Reorders appear only where a layout changes, graph outputs are plain,
// blocked buffers are planned with their channel padding, and every plan computes what the
// unoptimised plan computes. Also the Reorder op itself: reference kernel vs oneDNN's.
#include <algorithm>

#include "pass_test_util.h"
#include "registry/registry.h"

namespace layerscope::testing {
namespace {

Attributes conv_attrs(int64_t pad, int64_t stride = 1, int64_t group = 1) {
  Attributes a;
  a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  a.set("strides", std::vector<int64_t>{stride, stride});
  a.set("group", group);
  return a;
}

int count_ops(const ExecutionPlan& p, const std::string& op) {
  std::vector<std::string> ops = step_ops(p);
  return static_cast<int>(std::count(ops.begin(), ops.end(), op));
}

// The step producing value `v`.
const Step* producer(const ExecutionPlan& p, int v) {
  for (const Step& s : p.steps)
    for (int o : p.graph.nodes[s.node].outputs)
      if (o == v) return &s;
  return nullptr;
}

int value_named(const ExecutionPlan& p, const std::string& name) {
  for (size_t v = 0; v < p.graph.values.size(); ++v)
    if (p.graph.values[v].name == name) return static_cast<int>(v);
  return -1;
}

bool is_conv_like(const Node& n) { return n.op_type.rfind("Conv", 0) == 0; }

// No Reorder reads a value written by a node of one of `ops` (the graph output's Reorder aside).
void expect_no_reorder_after(const ExecutionPlan& p, const std::vector<std::string>& ops) {
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.op_type != "Reorder" || n.outputs[0] == p.graph.outputs[0]) continue;
    const Step* src = producer(p, n.inputs[0]);
    if (!src) continue;  // the graph input
    const std::string& from = p.graph.nodes[src->node].op_type;
    EXPECT_EQ(std::find(ops.begin(), ops.end(), from), ops.end()) << n.name << " reorders a " << from;
  }
}

// Every value written by one conv and read by another conv is not Plain, and every graph
// output is Plain; the plan's kernels for convs are oneDNN's.
void expect_conv_chain_layouts(const ExecutionPlan& p) {
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (!is_conv_like(n)) continue;
    EXPECT_EQ(s.kernel->name().rfind("onednn:", 0), 0u) << n.name << ": " << s.kernel->name();
    const Step* src = producer(p, n.inputs[0]);
    if (src && is_conv_like(p.graph.nodes[src->node])) {
      EXPECT_NE(p.slots[n.inputs[0]].layout, Layout::Plain) << "input of " << n.name;
    }
  }
  for (int o : p.graph.outputs) EXPECT_EQ(p.slots[o].layout, Layout::Plain);
}

TEST(AssignLayouts, ConvChainStaysBlockedWithReordersOnlyAtTheEnds) {
  // Channels not divisible by 16 (20, 36), a depthwise conv with stride 2, a 1x1 conv.
  GraphBuilder b;
  int x = b.input("x", {1, 3, 32, 32});
  int c1 = b.node("Relu", "r1", {b.node("Conv", "c1", {x, b.random_constant("w1", {20, 3, 3, 3})}, conv_attrs(1))});
  int c2 = b.node("Conv", "dw", {c1, b.random_constant("w2", {20, 1, 3, 3}), b.random_constant("b2", {20})},
                  conv_attrs(1, 2, 20));
  int c3 = b.node("Conv", "pw", {c2, b.random_constant("w3", {36, 20, 1, 1})});
  // (12 output channels: too few for Winograd, so one layout serves the whole chain)
  b.output(b.node("Conv", "last", {c3, b.random_constant("w4", {12, 36, 3, 3})}, conv_attrs(0)));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), (std::vector<std::string>{"ConvRelu", "Conv", "Conv", "Conv"}));
  expect_conv_chain_layouts(p);
  // At most one Reorder in (unless the first conv reads plain input well) and one out.
  EXPECT_LE(count_ops(p, "Reorder"), 2);
  EXPECT_GE(count_ops(p, "Reorder"), 1);
  const Step& last = p.steps.back();
  EXPECT_EQ(p.graph.nodes[last.node].op_type, "Reorder");
  EXPECT_EQ(p.graph.nodes[last.node].attrs.get_string("to", ""), "nchw");
  EXPECT_EQ(p.graph.nodes[last.node].source_names, (std::vector<std::string>{"last_out0/to_nchw"}));
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, BlockedBuffersArePlannedWithTheirChannelPadding) {
  GraphBuilder b;
  int x = b.input("x", {1, 20, 15, 15});
  int c1 = b.node("Conv", "c1", {x, b.random_constant("w1", {20, 20, 3, 3})}, conv_attrs(1));
  b.output(b.node("Conv", "c2", {c1, b.random_constant("w2", {20, 20, 3, 3})}, conv_attrs(1)));
  ExecutionPlan p = plan_of(b, true);
  const int v = value_named(p, "c1_out0");
  ASSERT_GE(v, 0);
  const Layout l = p.slots[v].layout;
  ASSERT_NE(l, Layout::Plain);
  const int64_t padded_channels = l == Layout::ChannelsLast ? 20 : l == Layout::Blocked8 ? 24 : 32;
  EXPECT_EQ(layout_numel({1, 20, 15, 15}, l), padded_channels * 225);
  EXPECT_GE(p.arena_bytes, static_cast<size_t>(layout_numel({1, 20, 15, 15}, l)) * 4);
  expect_same_results(b, 1e-5);
}

TEST(AssignLayouts, ConvFeedingAConvAndANonConvGetsOneReorderForTheNonConv) {
  GraphBuilder b;
  int x = b.input("x", {1, 16, 12, 12});
  int c1 = b.node("Conv", "c1", {x, b.random_constant("w1", {32, 16, 3, 3})}, conv_attrs(1));
  int c2 = b.node("Conv", "c2", {c1, b.random_constant("w2", {32, 32, 1, 1})});
  int t = b.node("Transpose", "t", {c1});  // not layout-aware: reads nchw
  int m = b.node("Softmax", "sm", {c1});   // a second plain reader shares the same Reorder
  b.output(c2);
  b.output(t);
  b.output(m);
  ExecutionPlan p = plan_of(b, true);
  expect_conv_chain_layouts(p);
  const int plain = value_named(p, "c1_out0/to_nchw");
  ASSERT_GE(plain, 0) << "no Reorder back to nchw for the Transpose";
  int readers = 0;
  for (const Step& s : p.steps)
    for (int in : p.graph.nodes[s.node].inputs) readers += in == plain;
  EXPECT_EQ(readers, 2);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, GraphOutputWrittenByAConvThatAlsoFeedsAConv) {
  GraphBuilder b;
  int x = b.input("x", {1, 8, 10, 10});
  int c1 = b.node("Conv", "c1", {x, b.random_constant("w1", {24, 8, 3, 3})}, conv_attrs(1));
  int c2 = b.node("Conv", "c2", {c1, b.random_constant("w2", {24, 24, 3, 3})}, conv_attrs(1));
  b.output(c1);
  b.output(c2);
  ExecutionPlan p = plan_of(b, true);
  expect_conv_chain_layouts(p);
  // The output keeps its name and is produced by a Reorder from c1's blocked buffer.
  const int out = p.graph.outputs[0];
  EXPECT_EQ(p.graph.values[out].name, "c1_out0");
  EXPECT_EQ(p.graph.nodes[producer(p, out)->node].op_type, "Reorder");
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, ResidualAddReadsTheResidualInTheOutputLayout) {
  // A ResNet block: y = relu(conv(relu(conv(x1))) + x1) with x1 itself a conv output.
  GraphBuilder b;
  int x = b.input("x", {1, 16, 14, 14});
  int x1 = b.node("Relu", "r0", {b.node("Conv", "c0", {x, b.random_constant("w0", {40, 16, 1, 1})})});
  int h = b.node("Relu", "r1", {b.node("Conv", "c1", {x1, b.random_constant("w1", {40, 40, 3, 3})}, conv_attrs(1))});
  int h2 =
      b.node("Conv", "c2", {h, b.random_constant("w2", {40, 40, 3, 3}), b.random_constant("b2", {40})}, conv_attrs(1));
  int y = b.node("Relu", "r2", {b.node("Add", "add", {h2, x1})});
  b.output(b.node("Conv", "c3", {y, b.random_constant("w3", {8, 40, 1, 1})}, conv_attrs(0, 2)));
  ExecutionPlan p = plan_of(b, true);
  expect_conv_chain_layouts(p);
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.op_type != "ConvAddRelu") continue;
    EXPECT_EQ(p.slots[n.inputs[3]].layout, p.slots[n.outputs[0]].layout);
    EXPECT_NE(p.slots[n.inputs[3]].layout, Layout::Plain);
  }
  EXPECT_EQ(count_ops(p, "ConvAddRelu"), 1);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, PositionwiseOpsBetweenConvsPassAPaddingFreeLayoutThrough) {
  // A pre-activation residual block (as in DPT decoders): a = conv(x); y = conv(relu(conv(relu(a)))) + a,
  // then a Mul by a scalar and an Add of two computed tensors, then a last conv.
  GraphBuilder b;
  int x = b.input("x", {1, 32, 12, 12});
  int a = b.node("Conv", "c0", {x, b.random_constant("w0", {32, 32, 1, 1})});
  int r = b.node("Relu", "pre_relu", {a});  // a also feeds the residual add: not fused
  int h = b.node("Relu", "r1", {b.node("Conv", "c1", {r, b.random_constant("w1", {32, 32, 3, 3})}, conv_attrs(1))});
  int y = b.node("Add", "add", {b.node("Conv", "c2", {h, b.random_constant("w2", {32, 32, 3, 3})}, conv_attrs(1)), a});
  int m = b.node("Mul", "scale", {y, b.scalar("half", 0.5f)});
  int s = b.node("Add", "sum", {m, a});
  b.output(b.node("Conv", "c3", {s, b.random_constant("w3", {8, 32, 1, 1})}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p),
            (std::vector<std::string>{"Conv", "Relu", "ConvRelu", "ConvAdd", "Mul", "Add", "Conv"}));
  // 32 channels: every layout is padding-free, so the Relu, Mul and Add read and write the
  // layout of the convolution before them as is (NHWC after c0, nChw16c after the Winograd
  // ConvAdd c2 + add).
  ASSERT_NE(p.slots[value_named(p, "c0_out0")].layout, Layout::Plain);
  for (auto [v, from] : {std::pair{"pre_relu_out0", "c0_out0"}, {"scale_out0", "add_out0"}, {"sum_out0", "add_out0"}})
    EXPECT_EQ(p.slots[value_named(p, v)].layout, p.slots[value_named(p, from)].layout) << v;
  // The graph input in, the graph output out, and where NHWC meets the Winograd convolutions'
  // nChw16c (c1's input, the residual a) when oneDNN prefers different layouts for 1x1 and 3x3.
  const bool same = p.slots[value_named(p, "c0_out0")].layout == p.slots[value_named(p, "add_out0")].layout;
  EXPECT_LE(count_ops(p, "Reorder"), same ? 2 : 4);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, OneByOneConvBetweenWinogradConvsKeepsTheirLayout) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "oneDNN 2.6 has Winograd convolutions for AVX-512 only";
  // A bottleneck's 3x3 -> 1x1 -> 3x3: the 3x3s run Winograd in nChw16c; the 1x1 reads and
  // writes nChw16c too (its also_runs_in) rather than bouncing through NHWC.
  GraphBuilder b;
  int x = b.input("x", {1, 32, 14, 14});
  int c1 = b.node("Relu", "r1", {b.node("Conv", "c1", {x, b.random_constant("w1", {32, 32, 3, 3})}, conv_attrs(1))});
  int c2 = b.node("Relu", "r2", {b.node("Conv", "c2", {c1, b.random_constant("w2", {48, 32, 1, 1})})});
  b.output(b.node("Conv", "c3", {c2, b.random_constant("w3", {32, 48, 3, 3})}, conv_attrs(1)));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), (std::vector<std::string>{"ConvRelu", "ConvRelu", "Conv"}));
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.op_type == "Reorder") continue;
    EXPECT_EQ(p.slots[n.inputs[0]].layout, Layout::Blocked16) << n.name;
    const bool three = n.source_names[0] != "c2";
    if (three) {
      EXPECT_NE(s.kernel->name().find("wino"), std::string::npos) << n.name << ": " << s.kernel->name();
    }
  }
  EXPECT_EQ(count_ops(p, "Reorder"), 2);  // the graph input in, the graph output out
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, PoolingFollowsTheLayoutOfItsInput) {
  // ResNet's stem and head: conv -> relu -> maxpool -> conv ... -> GlobalAveragePool -> Flatten.
  GraphBuilder b;
  int x = b.input("x", {1, 3, 30, 30});
  Attributes stem = conv_attrs(3, 2);
  int c = b.node("Relu", "relu", {b.node("Conv", "stem", {x, b.random_constant("w0", {24, 3, 7, 7})}, stem)});
  Attributes mp;
  mp.set("kernel_shape", std::vector<int64_t>{3, 3});
  mp.set("strides", std::vector<int64_t>{2, 2});
  mp.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  int pool = b.node("MaxPool", "pool", {c}, mp);
  int c1 = b.node("Conv", "c1", {pool, b.random_constant("w1", {40, 24, 1, 1})}, conv_attrs(0));
  int gap = b.node("GlobalAveragePool", "gap", {c1});
  b.output(b.node("Flatten", "flatten", {gap}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p),
            (std::vector<std::string>{"ConvRelu", "MaxPool", "Conv", "GlobalAveragePool", "Flatten"}));
  const Layout l = p.slots[value_named(p, "relu_out0")].layout;
  ASSERT_NE(l, Layout::Plain);
  EXPECT_EQ(p.slots[value_named(p, "pool_out0")].layout, l);
  EXPECT_NE(p.slots[value_named(p, "gap_out0")].layout, Layout::Plain);
  // Reorders: at most the image in, and the pooled vector back to plain for the Flatten.
  EXPECT_LE(count_ops(p, "Reorder"), 2);
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].op_type.find("Pool") != std::string::npos) {
      EXPECT_EQ(s.kernel->name().rfind("onednn:", 0), 0u) << s.kernel->name();
    }
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

// DenseNet's dense layers: the block's features concatenated along channels, then a standalone
// BatchNormalization and Relu (pre-activation: no convolution to fold the BN into), a 1x1 and
// a 3x3 convolution whose output joins the next Concat. The Concat reads all its inputs in
// one layout and the BatchNormalization follows it, so nothing between the first convolution
// and the graph output is reordered (before: three Reorders per dense layer, to Plain and back).
TEST(AssignLayouts, DenseBlockConcatAndBatchNormKeepTheLayout) {
  GraphBuilder b;
  int x = b.input("x", {1, 3, 20, 20});
  std::vector<int> features = {b.node("Conv", "stem", {x, b.random_constant("w0", {32, 3, 3, 3})}, conv_attrs(1))};
  int64_t channels = 32;
  auto bn_relu = [&](int v, int64_t c, const std::string& name) {
    int bn = b.node("BatchNormalization", name + "_bn",
                    {v, b.random_constant(name + "_s", {c}), b.random_constant(name + "_b", {c}),
                     b.random_constant(name + "_m", {c}), b.random_constant(name + "_v", {c}, 0.5f, 1.5f)});
    return b.node("Relu", name + "_relu", {bn});
  };
  for (int layer = 0; layer < 3; ++layer) {
    const std::string name = "layer" + std::to_string(layer);
    Attributes axis1;
    axis1.set("axis", int64_t{1});
    int cat = features.size() == 1 ? features[0] : b.node("Concat", name + "_cat", features, axis1);
    int a = bn_relu(cat, channels, name + "_1");
    int narrow = b.node("Conv", name + "_1x1", {a, b.random_constant(name + "_w1", {64, channels, 1, 1})});
    int a2 = bn_relu(narrow, 64, name + "_2");
    features.push_back(
        b.node("Conv", name + "_3x3", {a2, b.random_constant(name + "_w3", {32, 64, 3, 3})}, conv_attrs(1)));
    channels += 32;
  }
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  b.output(bn_relu(b.node("Concat", "final_cat", features, axis1), channels, "final"));
  ExecutionPlan p = plan_of(b, true);
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.op_type != "Concat" && n.op_type != "BatchNormalization") continue;
    EXPECT_NE(p.slots[n.outputs[0]].layout, Layout::Plain) << n.name << " ran in Plain";
    if (n.op_type == "Concat") {
      EXPECT_EQ(s.kernel->name(), "native:concat");
    } else {
      EXPECT_EQ(s.kernel->name().rfind("onednn:", 0), 0u) << s.kernel->name();
    }
  }
  // No Reorder reads what a Concat or a BatchNormalization wrote (before: one after each, to
  // Plain, and one back before the next convolution); the graph output's aside.
  expect_no_reorder_after(p, {"Concat", "BatchNormalization"});
  // From the second dense layer on, the whole layer runs in one layout: Reorders only around the
  // stem, the first layer and the output.
  EXPECT_LE(count_ops(p, "Reorder"), 6);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

// EfficientNet's squeeze-excitation: conv -> x; GlobalAveragePool -> 1x1 convs -> Sigmoid -> s
// [1, C, 1, 1]; Mul(s, x) -> 1x1 conv. The Mul follows x's layout (whichever operand x is), as do a
// per-channel Sub / Div by a constant [C, 1, 1] (order kept) and an Add of a layer-scale bias:
// no Reorder reads or writes the per-channel nodes' activations.
TEST(AssignLayouts, PerChannelScaleFollowsTheActivationLayout) {
  GraphBuilder b;
  int x = b.input("x", {1, 32, 56, 56});  // 800 KB activations: the threaded path
  int a = b.node("Relu", "act", {b.node("Conv", "c0", {x, b.random_constant("w0", {64, 32, 1, 1})})});
  int gap = b.node("GlobalAveragePool", "gap", {a});
  int se = b.node("Relu", "se_relu", {b.node("Conv", "se1", {gap, b.random_constant("ws1", {16, 64, 1, 1})})});
  int scale = b.node("Sigmoid", "se_sig", {b.node("Conv", "se2", {se, b.random_constant("ws2", {64, 16, 1, 1})})});
  int m = b.node("Mul", "se_mul", {scale, a});  // the vector first, as torchvision writes it
  int d = b.node("Div", "div", {m, b.random_constant("den", {64, 1, 1}, 0.5f, 2.f)});
  int sub = b.node("Sub", "sub", {b.random_constant("minuend", {1, 64, 1, 1}), d});
  int add = b.node("Add", "add", {sub, b.random_constant("bias", {64, 1, 1})});
  b.output(b.node("Conv", "c1", {add, b.random_constant("w1", {32, 64, 1, 1})}));
  ExecutionPlan p = plan_of(b, true);
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.op_type == "Mul" || n.op_type == "Div" || n.op_type == "Sub" || n.op_type == "Add") {
      EXPECT_NE(p.slots[n.outputs[0]].layout, Layout::Plain) << n.name << " ran in Plain";
      EXPECT_EQ(s.kernel->name(), "native:binary") << n.name;
    }
  }
  expect_no_reorder_after(p, {"Mul", "Div", "Sub", "Add"});
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

// ResNeXt's bottleneck: 1x1 conv -> grouped 3x3 ConvRelu (32 groups of 4 channels, which
// oneDNN runs only on its gemm fallback) -> 1x1 conv. The grouped layer runs native:groupconv in
// the layout its neighbours use, with no Reorders around it.
TEST(AssignLayouts, NarrowGroupedConvRunsNativeBetweenOneByOnes) {
  if (!__builtin_cpu_supports("avx512f")) GTEST_SKIP() << "native:groupconv is an AVX-512 kernel";
  GraphBuilder b;
  int x = b.input("x", {1, 64, 28, 28});
  int a = b.node("Relu", "a", {b.node("Conv", "reduce", {x, b.random_constant("w0", {128, 64, 1, 1})})});
  int g =
      b.node("Relu", "g",
             {b.node("Conv", "grouped", {a, b.random_constant("wg", {128, 4, 3, 3}), b.random_constant("bg", {128})},
                     conv_attrs(1, 1, 32))});
  b.output(b.node("Conv", "expand", {g, b.random_constant("w1", {64, 128, 1, 1})}));
  ExecutionPlan p = plan_of(b, true);
  bool found = false;
  for (const Step& s : p.steps) {
    const Node& n = p.graph.nodes[s.node];
    if (n.name.find("grouped") == std::string::npos) continue;
    found = true;
    EXPECT_EQ(s.kernel->name(), "native:groupconv");
    EXPECT_NE(p.slots[n.inputs[0]].layout, Layout::Plain);
    EXPECT_EQ(p.slots[n.inputs[0]].layout, p.slots[n.outputs[0]].layout);
    EXPECT_NE(producer(p, n.inputs[0]) ? p.graph.nodes[producer(p, n.inputs[0])->node].op_type : "", "Reorder");
  }
  EXPECT_TRUE(found);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, ConvTransposeBetweenConvsKeepsTheLayout) {
  // A DPT-style upsampling step: conv -> ConvTranspose (stride 2, groups 1) -> conv.
  GraphBuilder b;
  int x = b.input("x", {1, 24, 9, 9});
  int c0 = b.node("Conv", "c0", {x, b.random_constant("w0", {48, 24, 1, 1})});
  Attributes up;
  up.set("strides", std::vector<int64_t>{2, 2});
  up.set("kernel_shape", std::vector<int64_t>{2, 2});
  int t =
      b.node("ConvTranspose", "up", {c0, b.random_constant("wt", {48, 20, 2, 2}), b.random_constant("bt", {20})}, up);
  b.output(b.node("Conv", "c1", {t, b.random_constant("w1", {16, 20, 3, 3})}, conv_attrs(1)));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops_no_reorders(p), (std::vector<std::string>{"Conv", "ConvTranspose", "Conv"}));
  expect_conv_chain_layouts(p);
  expect_same_results(b, 1e-5, 1);
  expect_same_results(b, 1e-5, 2);
}

TEST(AssignLayouts, WithoutPassesEverythingIsPlain) {
  GraphBuilder b;
  int x = b.input("x", {1, 16, 8, 8});
  int c = b.node("Conv", "c1", {x, b.random_constant("w1", {16, 16, 3, 3})}, conv_attrs(1));
  b.output(b.node("Conv", "c2", {c, b.random_constant("w2", {16, 16, 3, 3})}, conv_attrs(1)));
  ExecutionPlan p = plan_of(b, false);
  EXPECT_EQ(count_ops(p, "Reorder"), 0);
  for (const Slot& s : p.slots) EXPECT_EQ(s.layout, Layout::Plain);
}

// Reorder's reference kernel against oneDNN's reorder, both ways, for every layout pair; the
// blocked layouts' channel padding must come out as zeros.
TEST(ReorderOp, ReferenceAndOnednnAgreeForEveryLayoutPair) {
  const Registry& r = Registry::builtin();
  const OpDef* def = r.find_op(kFusedDomain, "Reorder", 1);
  ASSERT_NE(def, nullptr);
  GraphBuilder rng;
  const Shape shape{2, 21, 5, 3};
  Tensor plain = rng.random_f32(shape);
  const Layout all[] = {Layout::Plain, Layout::ChannelsLast, Layout::Blocked8, Layout::Blocked16};
  for (Layout from : all)
    for (Layout to : all) {
      SCOPED_TRACE(std::string(layout_name(from)) + " -> " + layout_name(to));
      Node n;
      n.name = "reorder";
      n.op_type = "Reorder";
      n.domain = kFusedDomain;
      n.opset = 1;
      n.inputs = {0};
      n.outputs = {1};
      // Source buffer in `from`: made by the reference from the plain tensor.
      auto run_ref = [&](const Tensor& src, Layout a, Layout b2) {
        Node m = n;
        m.attrs.set("from", std::string(layout_name(a)));
        m.attrs.set("to", std::string(layout_name(b2)));
        Tensor dst(DType::F32, {layout_numel(shape, b2)});
        Tensor dst_view = Tensor::view(DType::F32, shape, dst.data());
        Tensor src_view = Tensor::view(DType::F32, shape, const_cast<void*>(src.data()));
        const Tensor* in[] = {&src_view};
        Tensor* out[] = {&dst_view};
        def->reference(m, in, out);
        return dst;
      };
      Tensor src = run_ref(plain, Layout::Plain, from);
      Tensor want = run_ref(src, from, to);
      // Back to plain gives the original values.
      Tensor back = run_ref(want, to, Layout::Plain);
      for (int64_t i = 0; i < plain.numel(); ++i) ASSERT_EQ(back.data_as<float>()[i], plain.data_as<float>()[i]);

      n.attrs.set("from", std::string(layout_name(from)));
      n.attrs.set("to", std::string(layout_name(to)));
      std::vector<TensorInfo> ins{{DType::F32, shape}}, outs{{DType::F32, shape}};
      std::vector<const Tensor*> consts{nullptr};
      KernelSetup setup{n, ins, consts, outs, 1, {from}, {to}};
      const KernelDef* k = select_kernel(r, setup);
      ASSERT_NE(k, nullptr);
      EXPECT_EQ(k->name, "onednn:reorder");
      std::unique_ptr<Kernel> kernel = k->create();
      kernel->prepare(setup);
      std::vector<char> scratch(kernel->scratch_bytes() + 64);
      Tensor got(DType::F32, {layout_numel(shape, to)});
      std::fill(got.data_as<float>(), got.data_as<float>() + got.numel(), 7.f);  // padding must be overwritten
      Tensor src_view = Tensor::view(DType::F32, shape, src.data()),
             got_view = Tensor::view(DType::F32, shape, got.data());
      const Tensor* in[] = {&src_view};
      Tensor* out[] = {&got_view};
      kernel->execute(in, out, scratch.data());
      for (int64_t i = 0; i < got.numel(); ++i) ASSERT_EQ(got.data_as<float>()[i], want.data_as<float>()[i]) << i;
    }
}

}  // namespace
}  // namespace layerscope::testing
