// expand_qoperator (passes/expand_qoperator.cpp): on a CPU without an int8 dot product (or with
// LAYERSCOPE_NO_INT8_DOT=1, ctest unit.no_int8_dot runs these tests so), each QOperator layer that
// no optimised kernel takes runs as DequantizeLinear -> float op -> QuantizeLinear on float
// kernels, within one step of the output scale of its integer reference kernel; on a CPU with
// one, the layers oneDNN's int8 kernels take stay int8, and the com.microsoft element-wise ops
// (no int8 kernel anywhere) are expanded too.
// Each graph is Q(x) -> the QOperator node -> DQ(y), as a QOperator file has it: the unoptimised
// plan (no passes: the reference kernel, or the exact int8 kernel on a VNNI CPU) against the
// optimised one.
#include "kernels/cpu_features.h"
#include "passes/pass_test_util.h"

namespace layerscope::testing {
namespace {

constexpr const char* kMs = "com.microsoft";

Tensor scalar_of(DType t, double v) {
  Tensor s(t, {});
  if (t == DType::F32) *s.data_as<float>() = static_cast<float>(v);
  else if (t == DType::I8) *s.data_as<int8_t>() = static_cast<int8_t>(v);
  else if (t == DType::U8) *s.data_as<uint8_t>() = static_cast<uint8_t>(v);
  else *s.data_as<int32_t>() = static_cast<int32_t>(v);
  return s;
}

// Quantization parameters of one tensor, as graph constants.
struct QParams {
  int scale, zero;
  float step;
};
QParams qparams(GraphBuilder& b, const std::string& name, float scale, DType t, int zero) {
  return {b.scalar(name + "_scale", scale), b.constant(name + "_zp", scalar_of(t, zero)), scale};
}

// x (float input of `shape`, values in [-1, 1)) quantized with `p`.
int quantized_input(GraphBuilder& b, const std::string& name, Shape shape, const QParams& p) {
  const int x = b.input(name, std::move(shape));
  return b.node("QuantizeLinear", name + "_quantize", {x, p.scale, p.zero});
}

void dequantized_output(GraphBuilder& b, int y, const QParams& p) {
  b.output(b.node("DequantizeLinear", "output_dequantize", {y, p.scale, p.zero}));
}

bool expansion_expected() { return !cpu_has_int8_dot_product(); }

// The optimised plan's steps that stand for `layer` (their source_names name it).
std::vector<size_t> steps_of(const ExecutionPlan& p, const std::string& layer) {
  std::vector<size_t> out;
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const std::vector<std::string>& names = step_node(p, i).source_names;
    if (std::find(names.begin(), names.end(), layer) != names.end()) out.push_back(i);
  }
  return out;
}

std::string kernel_name(const ExecutionPlan& p, size_t i) {
  return p.steps[i].kernel ? p.steps[i].kernel->name() : std::string("(dynamic)");
}

// Expanded: `layer` runs as `float_op` (the step named after the layer) plus conversions, none
// of them on the reference kernel, and none is still `qop`. Not expanded: one step, `qop` on a
// kernel whose name starts with `int8_kernel` (oneDNN's kernels name their implementation:
// "onednn:brg:avx512_core_vnni").
void expect_plan(const ExecutionPlan& p, const std::string& layer, const std::string& qop, const std::string& float_op,
                 const std::string& int8_kernel) {
  const std::vector<size_t> steps = steps_of(p, layer);
  ASSERT_FALSE(steps.empty()) << "no step names " << layer;
  // Ops no int8 kernel runs (int8_kernel empty) are expanded on every CPU.
  if (!expansion_expected() && !int8_kernel.empty()) {
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(step_node(p, steps[0]).op_type, qop);
    EXPECT_EQ(kernel_name(p, steps[0]).rfind(int8_kernel, 0), 0u) << kernel_name(p, steps[0]);
    return;
  }
  bool found = false;
  for (size_t i : steps) {
    const Node& n = step_node(p, i);
    EXPECT_NE(n.op_type, qop) << layer << " was not expanded";
    EXPECT_NE(kernel_name(p, i), "ref") << layer << ": " << n.op_type << " runs on the reference kernel";
    if (n.name == layer) {
      found = true;
      EXPECT_EQ(n.op_type, float_op);
      EXPECT_EQ(p.steps[i].outputs[0].dtype, DType::F32);  // the profile's DataType: FLOAT
    } else {
      EXPECT_TRUE(n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear" || n.op_type == "Reorder")
          << n.op_type;
    }
  }
  EXPECT_TRUE(found) << "no " << float_op << " step keeps the name " << layer;
}

// Optimised against unoptimised on random inputs: each output within `steps` quantization steps
// (`step`, the output's scale) plus float rounding of the dequantized value.
void expect_within_steps(GraphBuilder& b, float step, double steps = 1.0) {
  std::vector<Tensor> inputs;
  for (int v : b.graph().inputs) inputs.push_back(b.random_f32(b.binding().at(b.graph().values[v].name).shape));
  Executor reference(plan_of(b, false)), optimised(plan_of(b, true));
  const std::vector<Tensor> want = reference.run(inputs), got = optimised.run(inputs);
  ASSERT_EQ(want.size(), got.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(want[k].shape(), got[k].shape());
    double worst = 0;
    int64_t differ = 0;
    for (int64_t i = 0; i < want[k].numel(); ++i) {
      const double d = std::fabs(double(want[k].data_as<float>()[i]) - got[k].data_as<float>()[i]);
      worst = std::max(worst, d);
      differ += d > 0;
    }
    EXPECT_LE(worst, steps * step * (1 + 1e-5)) << "output " << k << ": " << differ << " of " << want[k].numel()
                                                << " elements differ, by up to " << worst / step << " steps";
  }
}

TEST(ExpandQOperator, QLinearConvPerChannelWeightsAndBias) {
  GraphBuilder b;
  const QParams xq = qparams(b, "x", 2.f / 255, DType::U8, 128), yq = qparams(b, "y", 6.f / 255, DType::U8, 120);
  const int x = quantized_input(b, "x", {1, 8, 10, 10}, xq);
  const int w = b.constant("w", random_ints(DType::I8, {16, 8, 3, 3}, -127, 127, 1));
  const int ws = b.constant("w_scale", per_channel_scales(16, 0.004f));
  Tensor wz(DType::I8, {16});
  const int wzp = b.constant("w_zp", std::move(wz));
  const int bias = b.constant("bias", random_ints(DType::I32, {16}, -2000, 2000, 2));
  Attributes a;
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("strides", std::vector<int64_t>{2, 2});
  const int y = b.node("QLinearConv", "conv", {x, xq.scale, xq.zero, w, ws, wzp, yq.scale, yq.zero, bias}, a);
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "conv", "QLinearConv", "Conv", "onednn:");
  expect_within_steps(b, yq.step);
}

TEST(ExpandQOperator, QLinearConvDepthwiseInt8) {
  GraphBuilder b;
  const QParams xq = qparams(b, "x", 2.f / 255, DType::I8, -3), yq = qparams(b, "y", 3.f / 255, DType::I8, 5);
  const int x = quantized_input(b, "x", {1, 8, 9, 9}, xq);
  const int w = b.constant("w", random_ints(DType::I8, {8, 1, 3, 3}, -127, 127, 3));
  const int ws = b.scalar("w_scale", 0.01f);
  const int wzp = b.constant("w_zp", scalar_of(DType::I8, 0));
  Attributes a;
  a.set("group", int64_t{8});
  const int y = b.node("QLinearConv", "dwconv", {x, xq.scale, xq.zero, w, ws, wzp, yq.scale, yq.zero}, a);
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "dwconv", "QLinearConv", "Conv", "onednn:");
  expect_within_steps(b, yq.step);
}

TEST(ExpandQOperator, QLinearMatMulConstantB) {
  GraphBuilder b;
  const QParams aq = qparams(b, "a", 2.f / 255, DType::U8, 128), yq = qparams(b, "y", 4.f / 255, DType::U8, 128);
  const int a = quantized_input(b, "a", {2, 5, 64}, aq);
  const int w = b.constant("w", random_ints(DType::I8, {64, 24}, -127, 127, 4));
  const int y = b.node("QLinearMatMul", "matmul",
                       {a, aq.scale, aq.zero, w, b.scalar("w_scale", 0.008f),
                        b.constant("w_zp", scalar_of(DType::I8, 0)), yq.scale, yq.zero});
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "matmul", "QLinearMatMul", "MatMul", "onednn:");
  expect_within_steps(b, yq.step);
}

// Both operands computed at run time (attention's products): B is dequantized by a node.
TEST(ExpandQOperator, QLinearMatMulActivationB) {
  GraphBuilder b;
  const QParams aq = qparams(b, "a", 2.f / 255, DType::U8, 128), bq = qparams(b, "b", 2.f / 255, DType::I8, 3);
  const QParams yq = qparams(b, "y", 8.f / 255, DType::U8, 128);
  const int a = quantized_input(b, "a", {2, 5, 24}, aq);
  const int b2 = quantized_input(b, "b", {2, 24, 7}, bq);
  const int y = b.node("QLinearMatMul", "matmul", {a, aq.scale, aq.zero, b2, bq.scale, bq.zero, yq.scale, yq.zero});
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "matmul", "QLinearMatMul", "MatMul", "onednn:");
  expect_within_steps(b, yq.step);
}

TEST(ExpandQOperator, QLinearMatMulPerColumnWeights) {
  GraphBuilder b;
  const QParams aq = qparams(b, "a", 2.f / 255, DType::U8, 128), yq = qparams(b, "y", 4.f / 255, DType::U8, 128);
  const int a = quantized_input(b, "a", {6, 64}, aq);
  const int w = b.constant("w", random_ints(DType::I8, {64, 24}, -127, 127, 5));
  Tensor wz(DType::I8, {24});
  const int y = b.node("QLinearMatMul", "matmul",
                       {a, aq.scale, aq.zero, w, b.constant("w_scale", per_channel_scales(24, 0.005f)),
                        b.constant("w_zp", std::move(wz)), yq.scale, yq.zero});
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "matmul", "QLinearMatMul", "MatMul", "onednn:");
  expect_within_steps(b, yq.step);
}

TEST(ExpandQOperator, QGemmQuantizedAndFloatOutput) {
  GraphBuilder b;
  const QParams aq = qparams(b, "a", 2.f / 255, DType::U8, 128), yq = qparams(b, "y", 4.f / 255, DType::U8, 128);
  const int a = quantized_input(b, "a", {4, 48}, aq);
  Attributes t;
  t.set("transB", int64_t{1});
  const int w = b.constant("w", random_ints(DType::I8, {32, 48}, -127, 127, 6));
  const int ws = b.constant("w_scale", per_channel_scales(32, 0.006f));
  Tensor wz(DType::I8, {32});
  const int wzp = b.constant("w_zp", std::move(wz));
  const int bias = b.constant("bias", random_ints(DType::I32, {32}, -3000, 3000, 7));
  const int y = b.node_in(kMs, 1, "QGemm", "gemm", {a, aq.scale, aq.zero, w, ws, wzp, bias, yq.scale, yq.zero}, t);
  dequantized_output(b, y, yq);
  expect_plan(plan_of(b, true), "gemm", "QGemm", "Gemm", "onednn:");
  expect_within_steps(b, yq.step);

  // A classifier's last layer: no y_scale, float out, compared as floats (alpha 0.5 scales the
  // product, not the bias, whose scale already holds alpha).
  GraphBuilder f;
  const QParams fq = qparams(f, "a", 2.f / 255, DType::U8, 128);
  const int fa = quantized_input(f, "a", {4, 48}, fq);
  t.set("alpha", 0.5f);
  f.output(
      f.node_in(kMs, 1, "QGemm", "gemm",
                {fa, fq.scale, fq.zero, f.constant("w", random_ints(DType::I8, {32, 48}, -127, 127, 6)),
                 f.constant("w_scale", per_channel_scales(32, 0.006f)), f.constant("w_zp", Tensor(DType::I8, {32})),
                 f.constant("bias", random_ints(DType::I32, {32}, -3000, 3000, 7))},
                t));
  expect_plan(plan_of(f, true), "gemm", "QGemm", "Gemm", "onednn:");
  expect_same_results(f, 1e-5);
}

// The com.microsoft element-wise ops: Mul, Sigmoid, LeakyRelu and Concat have no optimised
// kernel at all (expanded wherever the pass runs); Add and GlobalAveragePool have native ones
// that are exact without VNNI (left alone). Each layer reads quantized inputs and has an output.
TEST(ExpandQOperator, ContribElementwiseOps) {
  GraphBuilder b;
  const QParams xq = qparams(b, "x", 2.f / 255, DType::U8, 128), x2q = qparams(b, "x2", 3.f / 255, DType::U8, 120);
  const QParams yq = qparams(b, "y", 2.f / 255, DType::U8, 100);
  const int x = quantized_input(b, "x", {1, 4, 6, 6}, xq);
  const int x2 = quantized_input(b, "x2", {1, 4, 6, 6}, x2q);
  auto both = [&](std::vector<int> tail) {
    std::vector<int> in = {x, xq.scale, xq.zero, x2, x2q.scale, x2q.zero};
    in.insert(in.end(), tail.begin(), tail.end());
    return in;
  };
  dequantized_output(b, b.node_in(kMs, 1, "QLinearMul", "mul", both({yq.scale, yq.zero})), yq);
  dequantized_output(b, b.node_in(kMs, 1, "QLinearSigmoid", "sigmoid", {x2, x2q.scale, x2q.zero, yq.scale, yq.zero}),
                     yq);
  Attributes la;
  la.set("alpha", 0.2f);
  dequantized_output(b, b.node_in(kMs, 1, "QLinearLeakyRelu", "leaky", {x, xq.scale, xq.zero, yq.scale, yq.zero}, la),
                     yq);
  Attributes ca;
  ca.set("axis", int64_t{1});
  dequantized_output(b,
                     b.node_in(kMs, 1, "QLinearConcat", "concat",
                               {yq.scale, yq.zero, x, xq.scale, xq.zero, x2, x2q.scale, x2q.zero}, ca),
                     yq);
  dequantized_output(b, b.node_in(kMs, 1, "QLinearAdd", "add", both({yq.scale, yq.zero})), yq);
  dequantized_output(b, b.node_in(kMs, 1, "QLinearGlobalAveragePool", "gap", {x, xq.scale, xq.zero, yq.scale, yq.zero}),
                     yq);
  // No int8 kernel takes QLinearConcat on any CPU: expanded with VNNI too, not left to the
  // reference. The others have exact native kernels on every CPU and stay.
  const ExecutionPlan p = plan_of(b, true);
  expect_plan(p, "concat", "QLinearConcat", "Concat", "");
  for (const auto& [layer, op, kernel] :
       {std::tuple{"add", "QLinearAdd", "native:qadd"}, std::tuple{"gap", "QLinearGlobalAveragePool", "native:qgap"},
        std::tuple{"mul", "QLinearMul", "native:qmul"}, std::tuple{"sigmoid", "QLinearSigmoid", "native:qlut"},
        std::tuple{"leaky", "QLinearLeakyRelu", "native:qlut"}}) {
    const std::vector<size_t> steps = steps_of(p, layer);
    ASSERT_EQ(steps.size(), 1u) << layer;
    EXPECT_EQ(step_node(p, steps[0]).op_type, op);
    EXPECT_EQ(kernel_name(p, steps[0]), kernel);
  }
  expect_within_steps(b, yq.step);
}

}  // namespace
}  // namespace layerscope::testing
