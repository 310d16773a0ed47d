// native:pad in the layout pass: a Pad of the spatial axes between a convolution and a pooling
// (DenseNet's transitions, Inception's pooling branches) follows the convolution's layout
// instead of sending it through a Reorder to NCHW, in every mode; a Pad of the channels keeps
// NCHW. Each plan computes what the unoptimised plan computes.
#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

Tensor i64_tensor(std::vector<int64_t> v) {
  Tensor t(DType::I64, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data_as<int64_t>()[i] = v[i];
  return t;
}

// conv(1x1) -> Pad -> AveragePool(2x2, stride 2) -> conv(1x1): the plan, Pad's step, and the
// layouts of the values around it.
struct PadChain {
  GraphBuilder b;
  int conv_out = -1, pad_out = -1;
};

void build_chain(PadChain& c, int64_t channels, std::vector<int64_t> pads, const std::string& mode, float value) {
  GraphBuilder& b = c.b;
  const int64_t padded_channels = channels + pads[1] + pads[5];
  int x = b.input("x", {1, 8, 14, 14});
  c.conv_out = b.node("Conv", "conv", {x, b.random_constant("w", {channels, 8, 1, 1})});
  Attributes pa;
  pa.set("mode", mode);
  c.pad_out =
      b.node("Pad", "pad", {c.conv_out, b.constant("pads", i64_tensor(std::move(pads))), b.scalar("value", value)}, pa);
  Attributes ap;
  ap.set("kernel_shape", std::vector<int64_t>{2, 2});
  ap.set("strides", std::vector<int64_t>{2, 2});
  int pool = b.node("AveragePool", "pool", {c.pad_out}, ap);
  b.output(b.node("Conv", "conv2", {pool, b.random_constant("w2", {16, padded_channels, 1, 1})}));
}

const Step& step_named(const ExecutionPlan& p, const std::string& name) {
  for (const Step& s : p.steps)
    if (p.graph.nodes[s.node].name == name) return s;
  ADD_FAILURE() << "no step " << name;
  return p.steps.front();
}

int slot_of(const ExecutionPlan& p, const std::string& value) {
  for (size_t v = 0; v < p.graph.values.size(); ++v)
    if (p.graph.values[v].name == value) return static_cast<int>(v);
  return -1;
}

TEST(PadLayout, SpatialPadFollowsTheConvolutionLayout) {
  for (const char* mode : {"constant", "reflect", "edge"})
    for (int64_t channels : {32, 20}) {  // channels filling blocks of 16, or not
      PadChain c;
      build_chain(c, channels, {0, 0, 1, 2, 0, 0, 1, 0}, mode, 0.f);
      ExecutionPlan p = plan_of(c.b, true);
      const Step& pad = step_named(p, "pad");
      EXPECT_EQ(pad.kernel->name(), "native:pad");
      const int in = p.graph.nodes[pad.node].inputs[0], out = p.graph.nodes[pad.node].outputs[0];
      const std::string what = std::string(mode) + " C=" + std::to_string(channels);
      EXPECT_NE(p.slots[in].layout, Layout::Plain) << what;
      EXPECT_EQ(p.slots[out].layout, p.slots[in].layout) << what;
      EXPECT_EQ(in, slot_of(p, "conv_out0")) << what << ": a Reorder between Conv and Pad";
      expect_same_results(c.b, 1e-5, 1);
      expect_same_results(c.b, 1e-5, 2);
    }
}

TEST(PadLayout, ChannelPadOrNonZeroFillOverPaddedBlocksStaysPlainAndCorrect) {
  // Pads on C: NCHW only.
  PadChain c;
  build_chain(c, 20, {0, 1, 1, 1, 0, 3, 1, 1}, "constant", 0.f);
  c.b.output(c.pad_out);
  ExecutionPlan p = plan_of(c.b, true);
  const Step& pad = step_named(p, "pad");
  EXPECT_EQ(pad.kernel->name(), "native:pad");
  EXPECT_EQ(p.slots[p.graph.nodes[pad.node].inputs[0]].layout, Layout::Plain);
  expect_same_results(c.b, 1e-5, 1);
  // A non-zero fill: whatever layout the plan picks, the numbers stay those of the plain plan.
  PadChain d;
  build_chain(d, 20, {0, 0, 1, 1, 0, 0, 1, 1}, "constant", 2.5f);
  ExecutionPlan q = plan_of(d.b, true);
  EXPECT_EQ(step_named(q, "pad").kernel->name(), "native:pad");
  expect_same_results(d.b, 1e-5, 1);
}

}  // namespace
}  // namespace layerscope::testing
