// If, Loop and Scan (ops/control/) through the whole stack: the loader's bodies and outer-scope
// captures (onnx/model_loader.cpp), the planner (always dynamic steps) and the executor running
// the bodies (runtime/body_plans.h). Models are built here with the protobuf API.
#include <gtest/gtest.h>

#include "layerscope/session.h"
#include "onnx/model_loader.h"
#include "registry/registry.h"
#include "runtime/executor.h"
#include "session_test_util.h"

namespace layerscope {
namespace {

using testing::floats;
using testing::graph;
using testing::int64;
using testing::model;
using testing::node;
using testing::set_graph;
using testing::set_int;
using testing::set_ints;
using testing::tensor_info;
using testing::values;
constexpr int kF = onnx::TensorProto::FLOAT, kB = onnx::TensorProto::BOOL, kI = onnx::TensorProto::INT64;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

Tensor boolean(bool b) {
  Tensor t(DType::Bool, {});
  *t.data_as<bool>() = b;
  return t;
}
class ControlFlow : public testing::SessionTest {
 protected:
  std::vector<NamedTensor> run(Session& s, const std::vector<NamedTensor>& in) {
    std::vector<NamedTensor> out;
    Status st = s.run(in, &out);
    EXPECT_TRUE(st) << st.message();
    return out;
  }
};

// If whose branches read values of the enclosing graph (an input and a node output) by name.
onnx::ModelProto if_with_captures() {
  auto then_g = graph("then", {node("Mul", {"y", "x"}, {"t"})}, {}, {tensor_info("t", kF, {3})});
  auto else_g = graph("else", {node("Sub", {"y", "x"}, {"e"})}, {}, {tensor_info("e", kF, {3})});
  auto if_node = node("If", {"c"}, {"out"}, "the_if");
  set_graph(if_node, "then_branch", then_g);
  set_graph(if_node, "else_branch", else_g);
  return model(graph("top", {node("Add", {"x", "x"}, {"y"}), if_node},
                     {tensor_info("x", kF, {3}), tensor_info("c", kB, {})}, {tensor_info("out", kF, {3})}));
}

TEST_F(ControlFlow, IfBranchesReadOuterValues) {
  auto s = load(if_with_captures());
  const Tensor x = floats({3}, {1, 2, 3});
  EXPECT_EQ(values(run(*s, {{"x", x}, {"c", boolean(true)}})[0].tensor), (std::vector<float>{2, 8, 18}));
  EXPECT_EQ(values(run(*s, {{"x", x}, {"c", boolean(false)}})[0].tensor), (std::vector<float>{1, 2, 3}));
}

// Loop body: acc_out = acc_in + x (x captured from two scopes out), scan output acc_out.
onnx::GraphProto accumulate_body() {
  return graph("loop_body",
               {node("Identity", {"cond_in"}, {"cond_out"}), node("Add", {"acc_in", "x"}, {"acc_out"}),
                node("Identity", {"acc_out"}, {"scan"})},
               {tensor_info("i", kI, {}), tensor_info("cond_in", kB, {}), tensor_info("acc_in", kF, {3})},
               {tensor_info("cond_out", kB, {}), tensor_info("acc_out", kF, {3}), tensor_info("scan", kF, {3})});
}

onnx::ModelProto loop_in_if() {
  auto loop = node("Loop", {"n", "", "x"}, {"acc", "steps"}, "the_loop");
  set_graph(loop, "body", accumulate_body());
  auto then_g = graph("then", {loop, node("ReduceSum", {"steps"}, {"t"})}, {}, {tensor_info("t", kF, {})});
  auto else_g = graph("else", {node("ReduceMax", {"x"}, {"e"})}, {}, {tensor_info("e", kF, {})});
  auto if_node = node("If", {"c"}, {"out"}, "the_if");
  set_graph(if_node, "then_branch", then_g);
  set_graph(if_node, "else_branch", else_g);
  return model(graph("top", {if_node}, {tensor_info("x", kF, {3}), tensor_info("n", kI, {}), tensor_info("c", kB, {})},
                     {tensor_info("out", kF, {})}));
}

TEST_F(ControlFlow, LoopNestedInIfReadsTheTopGraph) {
  auto s = load(loop_in_if());
  const Tensor x = floats({3}, {1, 2, 3});
  // Iteration k (0-based) emits x * (k + 2): sum over k < 3 and the 3 elements = 6 * (2+3+4) = 54.
  EXPECT_EQ(values(run(*s, {{"x", x}, {"n", int64(3)}, {"c", boolean(true)}})[0].tensor), (std::vector<float>{54}));
  EXPECT_EQ(values(run(*s, {{"x", x}, {"n", int64(3)}, {"c", boolean(false)}})[0].tensor), (std::vector<float>{3}));
}

onnx::ModelProto plain_loop() {
  auto loop = node("Loop", {"n", "", "x"}, {"acc", "steps"}, "the_loop");
  set_graph(loop, "body", accumulate_body());
  return model(graph("top", {loop}, {tensor_info("x", kF, {3}), tensor_info("n", kI, {})},
                     {tensor_info("acc", kF, {3}), tensor_info("steps", kF, {-1, 3})}));
}

TEST_F(ControlFlow, LoopCarriesAndStacksScanOutputs) {
  auto s = load(plain_loop());
  auto out = run(*s, {{"x", floats({3}, {1, 2, 3})}, {"n", int64(2)}});
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{3, 6, 9}));
  EXPECT_EQ(out[1].tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(out[1].tensor), (std::vector<float>{2, 4, 6, 3, 6, 9}));
}

TEST_F(ControlFlow, ZeroTripLoopReturnsItsInitialValuesAndEmptyScans) {
  auto s = load(plain_loop());
  for (int64_t n : {0, -5}) {
    auto out = run(*s, {{"x", floats({3}, {1, 2, 3})}, {"n", int64(n)}});
    EXPECT_EQ(values(out[0].tensor), (std::vector<float>{1, 2, 3}));
    EXPECT_EQ(out[1].tensor.shape(), (Shape{0, 3}));  // the body's declared element shape
  }
}

// No trip count: the body's cond ends the loop (i < 4 after the increment: 5 iterations).
TEST_F(ControlFlow, LoopEndsWhenTheBodySaysSo) {
  auto body =
      graph("loop_body", {node("Less", {"i", "four"}, {"cond_out"}), node("Add", {"acc_in", "one"}, {"acc_out"})},
            {tensor_info("i", kI, {}), tensor_info("cond_in", kB, {}), tensor_info("acc_in", kF, {1})},
            {tensor_info("cond_out", kB, {}), tensor_info("acc_out", kF, {1})});
  auto loop = node("Loop", {"", "go", "x"}, {"acc"}, "the_loop");
  set_graph(loop, "body", body);
  auto g = graph("top", {loop}, {tensor_info("x", kF, {1}), tensor_info("go", kB, {})}, {tensor_info("acc", kF, {1})});
  auto* four = g.add_initializer();
  four->set_name("four");
  four->set_data_type(kI);
  four->add_int64_data(4);
  auto* one = g.add_initializer();
  one->set_name("one");
  one->set_data_type(kF);
  one->add_dims(1);
  one->add_float_data(1);
  const std::string path = dir_.write_model("cond_loop.onnx", model(g));
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(path, {}, &s));
  EXPECT_EQ(values(run(*s, {{"x", floats({1}, {0})}, {"go", boolean(true)}})[0].tensor), (std::vector<float>{5}));
  EXPECT_EQ(values(run(*s, {{"x", floats({1}, {0})}, {"go", boolean(false)}})[0].tensor), (std::vector<float>{0}));

  // The loader made the initializers the body reads implicit inputs of the Loop; the planner
  // moved them into the plan's copy of the body as constants (runtime/control_flow_plan.cpp).
  const Graph loaded = load_onnx_model(path);
  EXPECT_EQ(loaded.nodes[0].implicit_inputs, 2);
  EXPECT_EQ(loaded.nodes[0].inputs.size(), 5u);
  const ExecutionPlan plan =
      build_plan(loaded, {{"x", {DType::F32, {1}}}, {"go", {DType::Bool, {}}}}, Registry::builtin(), 1);
  const Node& planned = plan.graph.nodes[plan.steps.at(0).node];
  EXPECT_EQ(planned.implicit_inputs, 0);
  EXPECT_EQ(planned.inputs.size(), 3u);
  const Graph* planned_body = planned.attrs.get_graph("body");
  ASSERT_TRUE(planned_body);
  EXPECT_EQ(planned_body->inputs.size(), 3u);
  int constants = 0;
  for (const Value& v : planned_body->values) constants += v.constant.has_value();
  EXPECT_EQ(constants, 2);
}

// Scan (opset 11) over axis 1 backwards, the output stacked on axis 1 in reverse order too.
TEST_F(ControlFlow, ScanAxesAndDirections) {
  auto body = graph("scan_body", {node("Add", {"s_in", "col"}, {"s_out"}), node("Identity", {"s_out"}, {"y"})},
                    {tensor_info("s_in", kF, {2}), tensor_info("col", kF, {2})},
                    {tensor_info("s_out", kF, {2}), tensor_info("y", kF, {2})});
  auto scan = node("Scan", {"init", "x"}, {"final", "ys"}, "the_scan");
  set_graph(scan, "body", body);
  set_int(scan, "num_scan_inputs", 1);
  set_ints(scan, "scan_input_axes", {1});
  set_ints(scan, "scan_input_directions", {1});
  set_ints(scan, "scan_output_axes", {-1});
  set_ints(scan, "scan_output_directions", {1});
  auto s = load(model(graph("top", {scan}, {tensor_info("init", kF, {2}), tensor_info("x", kF, {2, 3})},
                            {tensor_info("final", kF, {2}), tensor_info("ys", kF, {2, 3})}),
                      11));
  // x columns (1,4), (2,5), (3,6) read last first: running sums (3,6), (5,11), (6,15).
  auto out = run(*s, {{"init", floats({2}, {0, 0})}, {"x", floats({2, 3}, {1, 2, 3, 4, 5, 6})}});
  EXPECT_EQ(values(out[0].tensor), (std::vector<float>{6, 15}));
  // Output direction reverse: the last iteration's element first, stacked along the last axis.
  EXPECT_EQ(out[1].tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(out[1].tensor), (std::vector<float>{6, 5, 3, 15, 11, 6}));
}

// cond = (x.shape[0] == 2) folds at plan time: the planner inlines the branch it takes
// (runtime/control_flow_plan.cpp), so nothing runs as a dynamic step.
TEST_F(ControlFlow, IfWithAFoldedConditionIsInlined) {
  auto then_g = graph("then", {node("Mul", {"x", "x"}, {"t"})}, {}, {tensor_info("t", kF, {-1, 3})});
  auto else_g = graph("else", {node("Neg", {"x"}, {"e"})}, {}, {tensor_info("e", kF, {-1, 3})});
  auto if_node = node("If", {"is_two"}, {"out"}, "the_if");
  set_graph(if_node, "then_branch", then_g);
  set_graph(if_node, "else_branch", else_g);
  auto g = graph("top",
                 {node("Shape", {"x"}, {"shape"}), node("Gather", {"shape", "zero"}, {"rows"}),
                  node("Equal", {"rows", "two"}, {"is_two"}), if_node},
                 {tensor_info("x", kF, {-1, 3})}, {tensor_info("out", kF, {-1, 3})});
  for (auto [name, v] : {std::pair{"zero", 0}, std::pair{"two", 2}}) {
    auto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(kI);
    t->add_int64_data(v);
  }
  const Graph loaded = load_onnx_model(dir_.write_model("inline.onnx", model(g)));
  for (int64_t rows : {2, 4}) {
    Executor exec(build_plan(loaded, {{"x", {DType::F32, {rows, 3}}}}, Registry::builtin(), 1));
    for (const Step& step : exec.plan().steps) {
      EXPECT_FALSE(step.dynamic);
      EXPECT_NE(exec.plan().graph.nodes[step.node].op_type, "If");
    }
    Tensor x(DType::F32, {rows, 3});
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(i);
    const Tensor y = exec.run({x})[0];
    for (int64_t i = 0; i < x.numel(); ++i)
      EXPECT_EQ(y.data_as<float>()[i], rows == 2 ? float(i * i) : -float(i)) << "rows " << rows << " element " << i;
  }
}

TEST_F(ControlFlow, BodyReadingAnUnknownNameIsNamed) {
  auto m = if_with_captures();
  auto* then_g = m.mutable_graph()->mutable_node(1)->mutable_attribute(0)->mutable_g();
  then_g->mutable_node(0)->set_input(1, "nowhere");
  const std::string e = load_error(m);
  EXPECT_HAS(e, "'If' node 'the_if'");
  EXPECT_HAS(e, "attribute 'then_branch'");
  EXPECT_HAS(e, "'nowhere'");
}

TEST_F(ControlFlow, UnsupportedOpInABodyIsFoundAtLoad) {
  auto m = loop_in_if();
  auto* loop_body = m.mutable_graph()
                        ->mutable_node(0)
                        ->mutable_attribute(0)
                        ->mutable_g()
                        ->mutable_node(0)
                        ->mutable_attribute(0)
                        ->mutable_g();
  loop_body->mutable_node(1)->set_op_type("NoSuchOp");
  std::unique_ptr<Session> s;
  Status st = Session::load(dir_.write_model("unsupported.onnx", m), {}, &s);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_HAS(st.message(), "NoSuchOp");
}

TEST_F(ControlFlow, BadNodesAreClearErrors) {
  auto s = load(if_with_captures());
  std::vector<NamedTensor> out;
  // A cond of two elements.
  Tensor two(DType::Bool, {2});
  two.data_as<bool>()[0] = two.data_as<bool>()[1] = true;
  // (the model declares c a scalar, so the session refuses the shape before the node sees it)
  EXPECT_FALSE(s->run({{"x", floats({3}, {1, 2, 3})}, {"c", two}}, &out));

  // A body with the wrong number of outputs.
  auto m = plain_loop();
  m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g()->mutable_output()->RemoveLast();
  std::unique_ptr<Session> bad;
  Status st = Session::load(dir_.write_model("arity.onnx", m), {}, &bad);
  if (st) st = bad->run({{"x", floats({3}, {1, 2, 3})}, {"n", int64(1)}}, &out);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "'Loop' node 'the_loop'");
  EXPECT_HAS(st.message(), "the body declares 2 outputs, expected 3");

  // Scan without num_scan_inputs.
  auto body = graph("b", {node("Identity", {"a"}, {"b"})}, {tensor_info("a", kF, {2})}, {tensor_info("b", kF, {2})});
  auto scan = node("Scan", {"x"}, {"y"}, "the_scan");
  set_graph(scan, "body", body);
  st = Session::load(
      dir_.write_model("scan.onnx",
                       model(graph("top", {scan}, {tensor_info("x", kF, {3, 2})}, {tensor_info("y", kF, {3, 2})}), 11)),
      {}, &bad);
  ASSERT_FALSE(st);
  EXPECT_HAS(st.message(), "'Scan' node 'the_scan'");
  EXPECT_HAS(st.message(), "num_scan_inputs");
}

}  // namespace
}  // namespace layerscope
