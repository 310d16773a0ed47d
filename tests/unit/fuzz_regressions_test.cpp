// Regression tests for hostile inputs: each case failed (crash, sanitizer report, a vague or
// wrong error, or an allocation sized by the file's claims) before its fix. Inputs are built
// inline or kept as small files under tests/data/fuzz/<target>/ (also replayed by the fuzz
// targets' regression mode, docs/fuzzing.md). Every refusal must be a clear error naming the
// file, node or field.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "layerscope/import.h"
#include "layerscope/npy.h"
#include "layerscope/session.h"
#include "onnx/model_loader.h"
#include "onnx_builder.h"
#include "runtime/plan.h"

namespace layerscope {
namespace {

using testing::single_node_model;
using testing::TempDir;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

std::string load_error(const std::string& path) {
  std::unique_ptr<Session> s;
  Status st = Session::load(path, {}, &s);
  EXPECT_FALSE(st) << "expected loading '" << path << "' to fail";
  return st.message();
}

// ---- .npy (fuzz_npy) ----

TEST(FuzzRegressions, NpyEmptyShapeWithHugeDims) {
  // A zero dim makes the array empty whatever the other dims are; the element count used to
  // overflow on the way to the 0 (signed overflow, caught by UBSan: the ASan/UBSan unit-test
  // build of scripts/test). Found by fuzz_npy: tests/data/fuzz/fuzz_npy/shape_overflow_with_zero_dim.npy.
  // The reader may load it as an empty array or refuse it by name; it must not overflow.
  const std::string path = std::string(LAYERSCOPE_TEST_DIR) + "/data/fuzz/fuzz_npy/shape_overflow_with_zero_dim.npy";
  Tensor t;
  Status st = load_npy(path, &t);
  if (st) {
    EXPECT_EQ(t.numel(), 0);
  } else {
    EXPECT_HAS(st.message(), path);
  }
  // The element count itself: 0, not an overflow.
  EXPECT_EQ(shape_numel({int64_t{1} << 40, int64_t{1} << 40, 0}), 0);
  Tensor empty(DType::F32, {int64_t{1} << 40, int64_t{1} << 40, 0});
  EXPECT_EQ(empty.nbytes(), 0u);
}

// ---- ONNX initializers and Constant nodes (fuzz_load_plan) ----

TEST(FuzzRegressions, ConstantAttributeOfTheWrongType) {
  // Was: std::get threw bad_variant_access ("internal error: std::get: wrong index for variant").
  TempDir dir;
  onnx::ModelProto model = single_node_model("Relu", {1, 4});
  auto* c = model.mutable_graph()->add_node();
  c->set_op_type("Constant");
  c->set_name("k");
  c->add_output("unused");
  auto* a = c->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(3);
  std::string m = load_error(dir.write_model("const.onnx", model));
  EXPECT_HAS(m, "node 'k'");
  EXPECT_HAS(m, "Constant attribute 'value' must be a tensor");
}

// ---- shape inference (fuzz_load_plan) ----

// x (1, 4) -> Reshape(x, shape) with `shape` a constant initializer, opset 14.
onnx::ModelProto reshape_model(const std::vector<int64_t>& shape) {
  onnx::ModelProto model = single_node_model("Reshape", {1, 4}, 14);
  auto* g = model.mutable_graph();
  g->mutable_node(0)->add_input("shape");
  auto* init = g->add_initializer();
  init->set_name("shape");
  init->set_data_type(onnx::TensorProto::INT64);
  init->add_dims(static_cast<int64_t>(shape.size()));
  for (int64_t d : shape) init->add_int64_data(d);
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  return model;
}

TEST(FuzzRegressions, ReshapeTargetElementCountOverflowIsRefused) {
  // Was: signed overflow (UBSan); (2^62 + 1) * 4 wrapped to 4, the input's element count, so a
  // (2^62+1, 4) output was planned from 4 floats. Found by fuzz_load_plan
  // (tests/data/fuzz/fuzz_load_plan/reshape_shape_overflow.onnx).
  TempDir dir;
  std::string m = load_error(dir.write_model("reshape.onnx", reshape_model({(int64_t{1} << 62) + 1, 4})));
  EXPECT_HAS(m, "'Reshape' node 'the_node'");
  EXPECT_HAS(m, "more elements than fit in 64 bits");
  m = load_error(dir.write_model("reshape.onnx", reshape_model({3602879701896396807, 6, -1})));
  EXPECT_HAS(m, "more elements than fit in 64 bits");
}

// ---- constant folding (fuzz_load_plan) ----

TEST(FuzzRegressions, FoldingDoesNotAllocateWhatTheDeclaredShapesSay) {
  // x declared (16384, 16384) -> Shape -> ConstantOfShape: folding used to allocate and fill
  // the 1 GiB result at plan time (6.4 GB for (40000, 40000)). Past the fold budget the node
  // stays a run-time step, planned like any activation.
  onnx::ModelProto model = single_node_model("Shape", {16384, 16384});
  auto* g = model.mutable_graph();
  g->mutable_node(0)->set_output(0, "dims");
  auto* fill = g->add_node();
  fill->set_op_type("ConstantOfShape");
  fill->set_name("fill");
  fill->add_input("dims");
  fill->add_output("y");
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  Graph graph = parse_onnx_model(model.SerializeAsString(), "fill.onnx");
  ExecutionPlan plan = build_plan(std::move(graph), {{"x", {DType::F32, {16384, 16384}}}}, Registry::builtin(), 1);
  EXPECT_EQ(plan.folded_nodes, std::vector<std::string>({"the_node"}));  // Shape folds; the fill does not
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.graph.nodes[plan.steps[0].node].name, "fill");
  EXPECT_GE(plan.arena_bytes, size_t{16384} * 16384 * 4);  // planned, not allocated

  // A small one still folds.
  graph = parse_onnx_model(model.SerializeAsString(), "fill.onnx");
  plan = build_plan(std::move(graph), {{"x", {DType::F32, {64, 64}}}}, Registry::builtin(), 1);
  EXPECT_EQ(plan.folded_nodes, std::vector<std::string>({"the_node", "fill"}));
}

TEST(FuzzRegressions, ResizeToAHugeSizeIsNotCheckedCoordinateByCoordinate) {
  // Was: choosing oneDNN's resampling compared the source coordinate of every output pixel
  // (resize.cpp dim_matches), so a sizes input of 10^9 spent seconds in planning (found by
  // fuzz_load_plan as a timeout: tests/data/fuzz/fuzz_load_plan/resize_huge_output_timeout.onnx).
  // Past 2^16 along a dim the check is skipped and another kernel serves the node.
  onnx::ModelProto model = single_node_model("Resize", {1, 1, 2, 2}, 13);
  auto* g = model.mutable_graph();
  auto* node = g->mutable_node(0);
  node->add_input("");
  node->add_input("");
  node->add_input("sizes");
  auto* mode = node->add_attribute();
  mode->set_name("mode");
  mode->set_type(onnx::AttributeProto::STRING);
  mode->set_s("linear");
  auto* sizes = g->add_initializer();
  sizes->set_name("sizes");
  sizes->set_data_type(onnx::TensorProto::INT64);
  sizes->add_dims(4);
  for (int64_t d : {1, 1, 2, 70000}) sizes->add_int64_data(d);
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  ExecutionPlan plan = build_plan(parse_onnx_model(model.SerializeAsString(), "resize.onnx"),
                                  {{"x", {DType::F32, {1, 1, 2, 2}}}}, Registry::builtin(), 1);
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].outputs[0].shape, Shape({1, 1, 2, 70000}));
  EXPECT_EQ(plan.steps[0].kernel->name().find("onednn"), std::string::npos) << plan.steps[0].kernel->name();
}

TEST(FuzzRegressions, NodeWithFewerOutputsThanItsOpProduces) {
  // Was: Gemm's inference wrote output 0 of a node listing none: std::out_of_range
  // ("internal error: vector::_M_range_check"). Found by fuzz_load_plan
  // (tests/data/fuzz/fuzz_load_plan/gemm_without_outputs.onnx).
  TempDir dir;
  onnx::ModelProto model = single_node_model("Relu", {2, 2});
  auto* gemm = model.mutable_graph()->add_node();
  gemm->set_op_type("Gemm");
  gemm->set_name("g");
  gemm->add_input("x");
  gemm->add_input("x");
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("gemm.onnx", model), {}, &s);
  // Gemm's result is not needed by any output, but its inference still runs.
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "'Gemm' node 'g'");
  EXPECT_HAS(st.message(), "produces an output 0 but the node lists 0 outputs");
  // Too few inputs read the same way.
  gemm->add_output("unused");
  model.mutable_graph()->mutable_node(1)->clear_input();
  EXPECT_HAS(load_error(dir.write_model("gemm.onnx", model)), "'Gemm' node 'g'");
}

// ---- perf.json (fuzz_perf_json) ----

TEST(FuzzRegressions, PerfJsonIntegersOutOfRangeAreRefused) {
  // Was: "threads": 22147483648 was truncated to int (1.3 billion), and the text report then
  // built a WorkLoad(0/1/...) header entry per thread: a timeout found by fuzz_perf_json
  // (tests/data/fuzz/fuzz_perf_json/threads_out_of_int_range_timeout.json).
  const std::string head = R"({"schema": "layerscope.perf", "schema_version": 1, "layers": [], )";
  PerfReport r;
  Status st = perf_report_from_json(head + R"("threads": 22147483648})", "perf.json", &r);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "perf.json: threads: expected an integer from 0 to 1024, got 22147483648");
  st = perf_report_from_json(head + R"("threads": 2, "runs": -2147483649})", "perf.json", &r);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "perf.json: runs: expected an integer from");
  st = perf_report_from_json(head + R"("threads": 2, "cores": [0, 4294967296]})", "perf.json", &r);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "perf.json: cores: expected core numbers");
  ASSERT_TRUE(perf_report_from_json(head + R"("threads": 2, "cores": [0, 1]})", "perf.json", &r));
  EXPECT_EQ(r.threads, 2);
}

}  // namespace
}  // namespace layerscope
