// remove_identity on Dropout in every opset form: the node disappears at inference (its output
// is its input), its name joins a neighbour's source_names, a read mask becomes a constant
// "all kept" tensor, and the optimised plan computes what the unoptimised one does.
#include <algorithm>
#include <functional>

#include "pass_test_util.h"

namespace layerscope::testing {
namespace {

Tensor bool_scalar(bool v) {
  Tensor t(DType::Bool, {});
  *t.data_as<uint8_t>() = v;
  return t;
}

bool has_source(const ExecutionPlan& p, const std::string& name) {
  for (const Step& s : p.steps)
    for (const std::string& n : p.graph.nodes[s.node].source_names)
      if (n == name) return true;
  return false;
}

// relu -> Dropout(inputs from `extra`) -> sigmoid at `opset`: the Dropout is gone, its name is
// the Relu's, and both plans agree.
void expect_removed(int opset, const std::function<std::vector<int>(GraphBuilder&)>& extra, Attributes attrs,
                    const std::string& what) {
  GraphBuilder b(opset);
  int x = b.input("x", {2, 3, 8});
  int a = b.node("Relu", "relu", {x});
  std::vector<int> in = {a};
  for (int v : extra(b)) in.push_back(v);
  int d = b.node("Dropout", "drop", in, attrs, 1);
  b.output(b.node("Sigmoid", "sig", {d}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Relu", "Sigmoid"})) << what;
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"relu", "drop"})) << what;
  EXPECT_EQ(step_ops(plan_of(b, false)), (std::vector<std::string>{"Relu", "Dropout", "Sigmoid"})) << what;
  expect_same_results(b, 0);
}

TEST(RemoveDropout, EveryOpsetForm) {
  auto none = [](GraphBuilder&) { return std::vector<int>{}; };
  Attributes is_test;
  is_test.set("is_test", int64_t{1});
  is_test.set("ratio", 0.3f);
  expect_removed(6, none, is_test, "opset 6 is_test=1");
  Attributes ratio;
  ratio.set("ratio", 0.5f);
  expect_removed(7, none, ratio, "opset 7");
  expect_removed(10, none, ratio, "opset 10");
  expect_removed(13, none, {}, "opset 13, no optional inputs");
  expect_removed(
      13, [](GraphBuilder& b) { return std::vector<int>{b.scalar("ratio", 0.4f)}; }, {}, "opset 13 ratio");
  expect_removed(
      13,
      [](GraphBuilder& b) {
        return std::vector<int>{b.scalar("ratio", 0.4f), b.constant("train", bool_scalar(false))};
      },
      {}, "opset 13 training_mode false");
  // torch's p = 0 dropout exported with training=True (torchvision Swin): nothing is dropped.
  expect_removed(
      17,
      [](GraphBuilder& b) {
        return std::vector<int>{b.scalar("ratio", 0.f), b.constant("train", bool_scalar(true))};
      },
      {}, "opset 17 training_mode true, ratio 0");
  // An omitted ratio with training_mode false.
  expect_removed(
      13,
      [](GraphBuilder& b) {
        return std::vector<int>{-1, b.constant("train", bool_scalar(false))};
      },
      {}, "opset 13 no ratio");
}

TEST(RemoveDropout, ReadMaskBecomesAConstantAllKeptTensor) {
  for (int opset : {7, 13}) {  // mask of the input's type, then bool
    GraphBuilder b(opset);
    int x = b.input("x", {4, 5});
    int a = b.node("Relu", "relu", {x});
    int d = b.node("Dropout", "drop", {a}, {}, 2);
    int mask = b.graph().nodes.back().outputs[1];
    if (opset >= 10) {
      Attributes to;
      to.set("to", int64_t{1});  // FLOAT
      mask = b.node("Cast", "cast", {mask}, to);
    }
    b.output(b.node("Mul", "mul", {d, mask}));
    ExecutionPlan p = plan_of(b, true);
    std::vector<std::string> ops = step_ops(p);
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "Dropout"), 0) << "opset " << opset;
    EXPECT_TRUE(has_source(p, "drop")) << "opset " << opset;
    expect_same_results(b, 0);
  }
}

TEST(RemoveDropout, NameStaysWithTheReadersOfAGraphInput) {
  GraphBuilder b;
  int x = b.input("x", {6});
  int d = b.node("Dropout", "drop", {x});
  b.output(b.node("Relu", "relu", {d}));
  b.output(b.node("Neg", "neg", {d}));
  ExecutionPlan p = plan_of(b, true);
  EXPECT_EQ(step_ops(p), (std::vector<std::string>{"Relu", "Neg"}));
  EXPECT_EQ(step_node(p, 0).source_names, (std::vector<std::string>{"relu", "drop"}));
  EXPECT_EQ(step_node(p, 1).source_names, (std::vector<std::string>{"neg", "drop"}));
  expect_same_results(b, 0);
}

TEST(RemoveDropout, TrainingModeKnownOnlyAtRunTimeStays) {
  // training_mode computed from a graph input: the pass cannot tell, and the node stays.
  GraphBuilder b(13);
  int x = b.input("x", {4});
  int flag = b.input("flag", {});
  Attributes to;
  to.set("to", int64_t{9});  // BOOL
  int train = b.node("Cast", "cast", {flag}, to);
  int d = b.node("Dropout", "drop", {x, b.scalar("ratio", 0.f), train});
  b.output(d);
  ExecutionPlan p = plan_of(b, true);
  std::vector<std::string> ops = step_ops(p);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Dropout"), 1);
  expect_same_results(b, 0);
}

}  // namespace
}  // namespace layerscope::testing
