// fold_weight_dequantize (passes/fold_weight_dequantize.cpp): on a CPU without an int8 dot
// product (or with LAYERSCOPE_NO_INT8_DOT=1: ctest unit.no_int8_dot), a QDQ Conv's weight and
// bias DequantizeLinear become float constants before the layout pass, so the Conv has constant
// weights when the kernels are asked; the unoptimised plan's results within one output step. On a CPU with one,
// fuse_qdq needs those nodes and makes the Conv a QLinearConv.
#include "kernels/cpu_features.h"
#include "passes/pass_test_util.h"

namespace layerscope::testing {
namespace {

TEST(FoldWeightDequantize, QdqConvWeightsBecomeFloatConstants) {
  GraphBuilder b;
  const int x = b.input("x", {1, 8, 12, 12});
  const int xs = b.scalar("x_scale", 2.f / 255), ys = b.scalar("y_scale", 8.f / 255);
  Tensor zp(DType::U8, {});
  *zp.data_as<uint8_t>() = 128;
  const int xz = b.constant("x_zp", zp), yz = b.constant("y_zp", zp);
  const int xq = b.node("QuantizeLinear", "x_q", {x, xs, xz});
  const int xd = b.node("DequantizeLinear", "x_dq", {xq, xs, xz});
  Attributes axis0;
  axis0.set("axis", int64_t{0});
  const int ws = b.constant("w_scale", per_channel_scales(16, 0.004f));
  const int w = b.node("DequantizeLinear", "w_dq",
                       {b.constant("w_q", random_ints(DType::I8, {16, 8, 3, 3}, -127, 127, 1)), ws,
                        b.constant("w_zp", Tensor(DType::I8, {16}))},
                       axis0);
  Tensor bs = per_channel_scales(16, 0.004f * 2.f / 255);
  const int bias = b.node("DequantizeLinear", "b_dq",
                          {b.constant("b_q", random_ints(DType::I32, {16}, -3000, 3000, 2)), b.constant("b_scale", bs),
                           b.constant("b_zp", Tensor(DType::I32, {16}))},
                          axis0);
  Attributes pads;
  pads.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  const int y = b.node("Conv", "conv", {xd, w, bias}, pads);
  const int yq = b.node("QuantizeLinear", "y_q", {y, ys, yz});
  b.output(b.node("DequantizeLinear", "y_dq", {yq, ys, yz}));

  const ExecutionPlan p = plan_of(b, true);
  const std::vector<std::string> ops = step_ops_no_reorders(p);
  if (cpu_has_int8_dot_product()) {
    EXPECT_EQ(ops, (std::vector<std::string>{"QuantizeLinear", "QLinearConv", "DequantizeLinear"}));
  } else {
    EXPECT_EQ(ops, (std::vector<std::string>{"QuantizeLinear", "DequantizeLinear", "Conv", "QuantizeLinear",
                                             "DequantizeLinear"}));
    for (size_t i = 0; i < p.steps.size(); ++i) {
      const Node& n = step_node(p, i);
      if (n.op_type != "Conv") continue;
      for (size_t k = 1; k < n.inputs.size(); ++k)
        EXPECT_TRUE(p.graph.values[n.inputs[k]].constant || p.slots[n.inputs[k]].kind == SlotKind::Constant ||
                    p.slots[n.inputs[k]].kind == SlotKind::Unused)
            << "Conv input " << k << " is computed at run time";
      // Constant weights reach the kernels: the convolution is oneDNN's, not the reference.
      EXPECT_EQ(p.steps[i].kernel->name().rfind("onednn:", 0), 0u) << p.steps[i].kernel->name();
    }
    // The unoptimised plan's arithmetic, up to the order of the convolution's float sum (a
    // blocked oneDNN kernel here, a plain one there): one output step.
    std::vector<Tensor> in = {b.random_f32({1, 8, 12, 12})};
    const Tensor want = Executor(plan_of(b, false)).run(in)[0], got = Executor(plan_of(b, true)).run(in)[0];
    double worst = 0;
    for (int64_t i = 0; i < want.numel(); ++i)
      worst = std::max(worst, std::fabs(double(want.data_as<float>()[i]) - got.data_as<float>()[i]));
    EXPECT_LE(worst, 8.0 / 255 * (1 + 1e-5));
  }
}

}  // namespace
}  // namespace layerscope::testing
