// Session input handling against hostile or unusual models and options: inputs with a default
// (initializers listed as graph inputs), the thread bound.
#include <gtest/gtest.h>

#include "layerscope/profile.h"
#include "layerscope/runtime.h"
#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

void expect_error(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st) << "expected an error containing: " << fragment;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

Tensor floats(const std::vector<float>& v) {
  Tensor t(DType::F32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data_as<float>());
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.numel()}; }

// y = x + b with b = (1,2,3,4) an initializer that the graph also lists as an input (after x).
onnx::ModelProto add_with_default(int64_t ir_version) {
  onnx::ModelProto m = testing::single_node_model("Add", {4});
  m.set_ir_version(ir_version);
  auto* g = m.mutable_graph();
  g->mutable_node(0)->add_input("b");
  *g->add_input() = testing::tensor_info("b", onnx::TensorProto::FLOAT, {4});
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(4);
  for (float v : {1.f, 2.f, 3.f, 4.f}) b->add_float_data(v);
  return m;
}

TEST(SessionInputs, InitializerListedAsInputIsAnOverridableDefault) {
  TempDir dir;
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("m.onnx", add_with_default(8)), {}, &s);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(s->inputs().size(), 2u);
  EXPECT_EQ(s->inputs()[0].name, "x");
  EXPECT_FALSE(s->inputs()[0].has_default);
  EXPECT_EQ(s->inputs()[1].name, "b");
  EXPECT_TRUE(s->inputs()[1].has_default);
  EXPECT_EQ(describe_values(s->inputs()), "x FLOAT (4), b FLOAT (4) [has a default]");

  const Tensor x = floats({10, 20, 30, 40});
  std::vector<NamedTensor> out;
  ASSERT_TRUE(s->run({{"x", x}}, &out));  // b left out: its default
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{11, 22, 33, 44}));
  st = s->run({{"x", x}, {"b", floats({-1, -1, -1, -1})}}, &out);  // b overridden
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{9, 19, 29, 39}));
  ASSERT_TRUE(s->run({{"x", x}}, &out));  // back to the default
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{11, 22, 33, 44}));
  expect_error(s->run({{"b", x}}, &out), "input 'x' FLOAT (4) is missing");
  expect_error(s->run({{"x", x}, {"b", floats({1, 2})}}, &out), "input 'b' has shape (2)");

  // The profiler and the reference-style API see the default too.
  PerfReport r;
  ProfileOptions po;
  po.warmup = 0;
  po.runs = 1;
  st = evaluate_performance(*s, {{"x", x}, {"b", x}}, po, Roofs{}, &r);
  ASSERT_TRUE(st) << st.message();
  Runtime rt;
  ASSERT_TRUE(rt.load(dir.path().string() + "/m.onnx"));
  ASSERT_TRUE(rt.init_runtime({}));
  std::vector<Tensor> outs;
  ASSERT_TRUE(rt.inference({x}, &outs));
  EXPECT_EQ(values(outs[0]), (std::vector<float>{11, 22, 33, 44}));
  ASSERT_TRUE(rt.inference({x, x}, &outs));
  EXPECT_EQ(values(outs[0]), (std::vector<float>{20, 40, 60, 80}));
  expect_error(rt.inference({}, &outs),
               "the model has 1 to 2 input(s) (x FLOAT (4), b FLOAT (4) [has a default]), got 0");
}

// Before IR 4 every initializer is listed as an input: those are weights, not inputs.
TEST(SessionInputs, Ir3InitializersAreNotInputsAndTheMessageListsTheInputs) {
  TempDir dir;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(dir.write_model("m.onnx", add_with_default(3)), {}, &s));
  ASSERT_EQ(s->inputs().size(), 1u);
  std::vector<NamedTensor> out;
  expect_error(
      s->run({{"x", floats({1, 2, 3, 4})}, {"b", floats({1, 2, 3, 4})}}, &out),
      "has no input named 'b' (that is a value inside the model, not one of its inputs); its inputs are: x FLOAT (4)");
}

TEST(SessionInputs, DefaultWhoseDeclarationContradictsItsInitializerIsRefused) {
  TempDir dir;
  onnx::ModelProto m = add_with_default(8);
  *m.mutable_graph()->mutable_input(1) = testing::tensor_info("b", onnx::TensorProto::INT64, {4});
  std::unique_ptr<Session> s;
  expect_error(Session::load(dir.write_model("t.onnx", m), {}, &s),
               "graph input 'b' is declared INT64 but its initializer (the default value) is FLOAT");
  *m.mutable_graph()->mutable_input(1) = testing::tensor_info("b", onnx::TensorProto::FLOAT, {5});
  expect_error(Session::load(dir.write_model("s.onnx", m), {}, &s), "does not have");
}

TEST(SessionInputs, ThreadsAreBounded) {
  TempDir dir;
  const std::string model = dir.write_model("m.onnx", testing::single_node_model("Relu", {4}));
  std::unique_ptr<Session> s;
  for (int threads : {-1, kMaxThreads + 1, 70000, 100000}) {
    SessionOptions o;
    o.threads = threads;
    expect_error(Session::load(model, o, &s),
                 "threads must be 0 (one per core) to 1024, got " + std::to_string(threads));
  }
  Runtime rt;
  ASSERT_TRUE(rt.load(model));
  RuntimeInit init;
  init.threads = 100000;
  expect_error(rt.init_runtime(init), "threads must be 0 (one per core) to 1024");
}

// Errors from inside the model (a node's shape inference at load or at run time, an input of the
// wrong shape) name the model file, as the loader's own errors do.
TEST(SessionInputs, ErrorsFromInsideTheModelNameTheModelFile) {
  TempDir dir;
  onnx::ModelProto bad = testing::single_node_model("Add", {2, 3});
  bad.mutable_graph()->mutable_node(0)->add_input("z");
  *bad.mutable_graph()->add_input() = testing::tensor_info("z", onnx::TensorProto::FLOAT, {4, 5});
  const std::string bad_path = dir.write_model("bad_add.onnx", bad);
  std::unique_ptr<Session> s;
  Status st = Session::load(bad_path, {}, &s);
  expect_error(st, "'" + bad_path + "': ");
  expect_error(st, "cannot be broadcast");

  const std::string path = dir.write_model("m.onnx", add_with_default(8));
  ASSERT_TRUE(Session::load(path, {}, &s));
  std::vector<NamedTensor> out;
  st = s->run({{"x", floats({1, 2, 3})}}, &out);
  expect_error(st, "'" + path + "': ");
  expect_error(st, "input 'x'");
}

}  // namespace
}  // namespace layerscope
