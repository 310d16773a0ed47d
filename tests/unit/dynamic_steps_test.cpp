// Dynamic steps (shapes known only at run time) run the kernel the registry chooses for each
// run's shapes, prepared once per shape signature (runtime/dynamic_kernels.h), not the
// reference; ops whose output shape is their result (NonZero, NonMaxSuppression, Unique) are
// computed once, by shape inference. The model: rows of x picked by a run-time mask
// (Compress), then a Gemm with constant weights and a Relu - a detector's box head in small.
#include <gtest/gtest.h>

#include <cmath>

#include "onnx/model_loader.h"
#include "onnx_builder.h"
#include "registry/registry.h"
#include "runtime/executor.h"

namespace layerscope {
namespace {

using testing::graph;
using testing::model;
using testing::node;
using testing::set_int;
using testing::TempDir;
using testing::tensor_info;
constexpr int kF = onnx::TensorProto::FLOAT, kB = onnx::TensorProto::BOOL;
constexpr int64_t kRows = 12, kIn = 64, kOut = 48;

float weight(int64_t o, int64_t i) { return std::sin(0.1f * static_cast<float>(o * kIn + i)); }
float bias(int64_t o) { return 0.01f * static_cast<float>(o) - 0.2f; }

class DynamicSteps : public ::testing::Test {
 protected:
  // x [kRows, kIn], mask [kRows] -> y = Relu(Compress(x, mask) W^T + b) [K, kOut], and the
  // indices of the mask's true entries (NonZero) [1, K].
  Graph load_box_head() {
    auto compress = node("Compress", {"x", "mask"}, {"picked"});
    set_int(compress, "axis", 0);
    auto gemm = node("Gemm", {"picked", "w", "b"}, {"lin"}, "box_head");
    set_int(gemm, "transB", 1);
    auto g = graph("head", {compress, gemm, node("Relu", {"lin"}, {"y"}), node("NonZero", {"mask"}, {"which"})},
                   {tensor_info("x", kF, {kRows, kIn}), tensor_info("mask", kB, {kRows})},
                   {tensor_info("y", kF, {-1, kOut}), tensor_info("which", onnx::TensorProto::INT64, {1, -1})});
    auto* w = g.add_initializer();
    w->set_name("w");
    w->set_data_type(kF);
    w->add_dims(kOut);
    w->add_dims(kIn);
    for (int64_t o = 0; o < kOut; ++o)
      for (int64_t i = 0; i < kIn; ++i) w->add_float_data(weight(o, i));
    auto* b = g.add_initializer();
    b->set_name("b");
    b->set_data_type(kF);
    b->add_dims(kOut);
    for (int64_t o = 0; o < kOut; ++o) b->add_float_data(bias(o));
    return load_onnx_model(dir_.write_model("head.onnx", model(g)));
  }
  static Tensor input_x() {
    Tensor x(DType::F32, {kRows, kIn});
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = std::cos(0.37f * static_cast<float>(i));
    return x;
  }
  static Tensor mask_of(uint32_t bits) {
    Tensor m(DType::Bool, {kRows});
    for (int64_t r = 0; r < kRows; ++r) m.data_as<bool>()[r] = (bits >> r) & 1;
    return m;
  }
  static const Step& step_of(const Executor& ex, const std::string& op) {
    for (const Step& s : ex.plan().steps)
      if (ex.plan().graph.nodes[s.node].op_type == op) return s;
    throw std::runtime_error("no " + op + " step");
  }
  // Checks y and which against a direct computation for this mask.
  static void expect_outputs(const std::vector<Tensor>& out, const Tensor& x, uint32_t bits) {
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < kRows; ++r)
      if ((bits >> r) & 1) rows.push_back(r);
    const int64_t k = static_cast<int64_t>(rows.size());
    ASSERT_EQ(out[0].shape(), (Shape{k, kOut})) << "mask " << bits;
    ASSERT_EQ(out[1].shape(), (Shape{1, k})) << "mask " << bits;
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_EQ(out[1].data_as<int64_t>()[j], rows[j]);
      for (int64_t o = 0; o < kOut; ++o) {
        double acc = bias(o);
        for (int64_t i = 0; i < kIn; ++i) acc += double(x.data_as<float>()[rows[j] * kIn + i]) * weight(o, i);
        EXPECT_NEAR(out[0].data_as<float>()[j * kOut + o], std::max(acc, 0.0), 1e-4)
            << "mask " << bits << " row " << j << " column " << o;
      }
    }
  }
  TempDir dir_;
};

TEST_F(DynamicSteps, RunTheRegisteredKernelForEachRunsShapes) {
  Executor ex(build_plan(load_box_head(), {{"x", {DType::F32, {kRows, kIn}}}, {"mask", {DType::Bool, {kRows}}}},
                         Registry::builtin(), 2));
  const Step& gemm = step_of(ex, "Gemm");
  ASSERT_TRUE(gemm.dynamic);
  EXPECT_EQ(gemm.kernel, nullptr);
  const Tensor x = input_x();
  const uint32_t bits = 0b101101110011;
  expect_outputs(ex.run({x, mask_of(bits)}), x, bits);
  // The Gemm ran a fast kernel (not the reference), and the step reports that run's shapes
  // and cost, which the profile shows.
  ASSERT_NE(gemm.dynamic_kernel, nullptr);
  EXPECT_NE(gemm.dynamic_kernel->name(), "ref");
  EXPECT_EQ(gemm.inputs.at(0).shape, (Shape{8, kIn}));
  EXPECT_EQ(gemm.outputs.at(0).shape, (Shape{8, kOut}));
  EXPECT_DOUBLE_EQ(gemm.cost.macs, 8.0 * kIn * kOut);
  // NonZero's output is its shape: shape inference computed it, no kernel ran.
  ASSERT_NE(step_of(ex, "NonZero").dynamic_kernel, nullptr);
  EXPECT_EQ(step_of(ex, "NonZero").dynamic_kernel->name(), "infer");
}

// More shape signatures than a step keeps (DynamicKernels::kMaxEntries), then the first ones
// again: evicted kernels are prepared anew and every run is right; an empty selection runs
// the reference (fast kernels need not accept empty dimensions).
TEST_F(DynamicSteps, EvictedAndEmptyShapesStayCorrect) {
  Executor ex(build_plan(load_box_head(), {{"x", {DType::F32, {kRows, kIn}}}, {"mask", {DType::Bool, {kRows}}}},
                         Registry::builtin(), 1));
  const Tensor x = input_x();
  for (int pass = 0; pass < 2; ++pass)
    for (int k = 0; k <= kRows; ++k) {
      const uint32_t bits = (1u << k) - 1;  // the first k rows
      expect_outputs(ex.run({x, mask_of(bits)}), x, bits);
      if (k == 0) {
        EXPECT_EQ(step_of(ex, "Gemm").dynamic_kernel->name(), "ref");
      }
    }
}

// A Slice whose starts and ends arrive at run time: the values join the kernel's signature and
// reach its prepare() as constants, so the fast native:slice serves it, and two runs with the
// same shapes but other starts each get their own rows; an empty slice runs native:slice too
// (it accepts empty tensors, KernelDef::accepts_empty).
TEST(DynamicStepValues, SliceWithRunTimeStartsRunsTheNativeKernel) {
  constexpr int kI64 = onnx::TensorProto::INT64;
  auto g = graph("rows", {node("Slice", {"x", "starts", "ends"}, {"y"}, "pick_rows")},
                 {tensor_info("x", kF, {kRows, kIn}), tensor_info("starts", kI64, {1}), tensor_info("ends", kI64, {1})},
                 {tensor_info("y", kF, {-1, kIn})});
  TempDir dir;
  Executor ex(
      build_plan(load_onnx_model(dir.write_model("rows.onnx", model(g))),
                 {{"x", {DType::F32, {kRows, kIn}}}, {"starts", {DType::I64, {1}}}, {"ends", {DType::I64, {1}}}},
                 Registry::builtin(), 2));
  const Step& slice = ex.plan().steps.at(0);
  ASSERT_TRUE(slice.dynamic);
  Tensor x(DType::F32, {kRows, kIn});
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(i);
  auto scalar = [](int64_t v) {
    Tensor t(DType::I64, {1});
    t.data_as<int64_t>()[0] = v;
    return t;
  };
  for (auto [begin, end] : {std::pair{0, 4}, {3, 7}, {8, 12}, {3, 7}, {5, 5}}) {
    const std::vector<Tensor> out = ex.run({x, scalar(begin), scalar(end)});
    ASSERT_EQ(out[0].shape(), (Shape{end - begin, kIn})) << begin << ":" << end;
    for (int64_t i = 0; i < out[0].numel(); ++i)
      ASSERT_EQ(out[0].data_as<float>()[i], static_cast<float>(begin * kIn + i)) << begin << ":" << end << " at " << i;
    ASSERT_NE(slice.dynamic_kernel, nullptr);
    EXPECT_EQ(slice.dynamic_kernel->name(), "native:slice") << begin << ":" << end;
  }
}

}  // namespace
}  // namespace layerscope
