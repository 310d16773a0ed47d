// Planner and executor on hand-built graphs with a tiny private registry, so these tests do
// not depend on any real op family.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "runtime/executor.h"
#include "runtime/plan.h"

namespace layerscope {
namespace {

// "AddOne": y = x + 1 (float32), and "Twice": y = 2x; enough to build chains and diamonds.
Registry test_registry() {
  Registry r;
  auto unary = [](const char* name, float mul, float add) {
    OpDef d;
    d.op_type = name;
    d.infer = [](InferContext& c) { c.set_output(0, c.dtype(0), c.shape(0)); };
    d.reference = [mul, add](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
      const float* x = in[0]->data_as<float>();
      float* y = out[0]->data_as<float>();
      for (int64_t i = 0; i < in[0]->numel(); ++i) y[i] = x[i] * mul + add;
    };
    return d;
  };
  // "Rows": the number of rows of its input as an int64 scalar; the value follows from the
  // shape alone, so infer states it (like Shape) and the node folds.
  OpDef rows;
  rows.op_type = "Rows";
  rows.infer = [](InferContext& c) {
    Tensor v(DType::I64, {});
    *v.data_as<int64_t>() = c.shape(0)[0];
    c.set_output_value(0, v);
  };
  rows.reference = [](const Node&, std::span<const Tensor* const>, std::span<Tensor* const>) {
    FAIL() << "a node whose value infer() knows must be folded, not executed";
  };
  r.add_op(rows);
  r.add_op(unary("AddOne", 1.f, 1.f));
  r.add_op(unary("Twice", 2.f, 0.f));
  return r;
}

Graph chain_graph(int length) {
  Graph g;
  g.model_path = "test.onnx";
  int prev = g.add_value("x");
  g.values[prev].dtype = DType::F32;
  g.inputs.push_back(prev);
  for (int i = 0; i < length; ++i) {
    int next = g.add_value("v" + std::to_string(i));
    Node n;
    n.name = "n" + std::to_string(i);
    n.op_type = i % 2 ? "Twice" : "AddOne";
    n.opset = 17;
    n.inputs = {prev};
    n.outputs = {next};
    g.nodes.push_back(n);
    prev = next;
  }
  g.outputs.push_back(prev);
  return g;
}

TEST(Planner, ChainRunsAndReusesMemory) {
  Registry r = test_registry();
  ExecutionPlan plan = build_plan(chain_graph(6), {{"x", {DType::F32, {1, 1000}}}}, r, 1);
  ASSERT_EQ(plan.steps.size(), 6u);
  // A chain only ever needs two live intermediates plus the output.
  EXPECT_LT(plan.arena_bytes, plan.naive_activation_bytes);
  EXPECT_LE(plan.arena_bytes, 3u * 4096u);
  Executor ex(std::move(plan));
  Tensor x(DType::F32, {1, 1000});
  for (int i = 0; i < 1000; ++i) x.data_as<float>()[i] = static_cast<float>(i);
  for (int rep = 0; rep < 2; ++rep) {  // a second run must give the same result
    std::vector<Tensor> y = ex.run({x});
    ASSERT_EQ(y.size(), 1u);
    // ((((x+1)*2+1)*2+1)*2) = 8x + 14
    for (int i = 0; i < 1000; ++i) ASSERT_FLOAT_EQ(y[0].data_as<float>()[i], 8.f * i + 14.f);
  }
}

TEST(Planner, ConstantInputsAreFolded) {
  Registry r = test_registry();
  Graph g = chain_graph(2);
  // Make the first node's input a constant instead of the graph input.
  int c = g.add_value("c");
  Tensor t(DType::F32, {2});
  t.data_as<float>()[0] = 1.f;
  t.data_as<float>()[1] = 2.f;
  g.values[c].constant = t;
  g.values[c].dtype = DType::F32;
  g.nodes[0].inputs = {c};
  ExecutionPlan plan = build_plan(g, {{"x", {DType::F32, {2}}}}, r, 1);
  EXPECT_EQ(plan.steps.size(), 0u);
  EXPECT_EQ(plan.folded_nodes.size(), 2u);
  Executor ex(std::move(plan));
  std::vector<Tensor> y = ex.run({Tensor(DType::F32, {2})});
  EXPECT_FLOAT_EQ(y[0].data_as<float>()[1], 6.f);
}

TEST(Planner, ValuesKnownFromShapesAreFolded) {
  Registry r = test_registry();
  Graph g = chain_graph(1);
  int rows = g.add_value("rows");
  Node n;
  n.name = "rows_of_x";
  n.op_type = "Rows";
  n.opset = 17;
  n.inputs = {g.inputs[0]};
  n.outputs = {rows};
  g.nodes.push_back(n);
  g.outputs.push_back(rows);
  ExecutionPlan plan = build_plan(g, {{"x", {DType::F32, {3, 5}}}}, r, 1);
  EXPECT_EQ(plan.steps.size(), 1u);  // only AddOne runs
  ASSERT_EQ(plan.folded_nodes, std::vector<std::string>{"rows_of_x"});
  Executor ex(std::move(plan));
  std::vector<Tensor> y = ex.run({Tensor(DType::F32, {3, 5})});
  EXPECT_EQ(*y[1].data_as<int64_t>(), 3);
}

TEST(Planner, UnknownOpIsNamed) {
  Registry r = test_registry();
  Graph g = chain_graph(1);
  g.nodes[0].op_type = "FancyOp";
  try {
    build_plan(g, {{"x", {DType::F32, {2}}}}, r, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("FancyOp"), std::string::npos) << m;
    EXPECT_NE(m.find("n0"), std::string::npos) << m;
    EXPECT_NE(m.find("opset 17"), std::string::npos) << m;
  }
}

TEST(Planner, DeadNodesAreDropped) {
  Registry r = test_registry();
  Graph g = chain_graph(3);
  g.outputs = {g.nodes[0].outputs[0]};
  ExecutionPlan plan = build_plan(g, {{"x", {DType::F32, {4}}}}, r, 1);
  EXPECT_EQ(plan.steps.size(), 1u);
}

TEST(Planner, CycleIsAnError) {
  Registry r = test_registry();
  Graph g = chain_graph(2);
  g.nodes[0].inputs = {g.nodes[1].outputs[0]};
  EXPECT_THROW(build_plan(g, {{"x", {DType::F32, {4}}}}, r, 1), Error);
}

}  // namespace
}  // namespace layerscope
