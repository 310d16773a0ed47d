// The profiler inside control flow: the layers of If branches and Loop bodies are rows of their
// own (LayerProfile::parent, scope, calls) right after their control layer's row, the layer sum
// counts the top level once, and the ranking counts body executions. Real models, real runs.
#include <gtest/gtest.h>

#include <algorithm>

#include "layerscope/import.h"
#include "layerscope/profile.h"
#include "layerscope/report.h"
#include "session_test_util.h"

namespace layerscope {
namespace {

using testing::floats;
using testing::graph;
using testing::int64;
using testing::model;
using testing::node;
using testing::set_graph;
using testing::tensor_info;
constexpr int kF = onnx::TensorProto::FLOAT, kB = onnx::TensorProto::BOOL, kI = onnx::TensorProto::INT64;
constexpr int kWidth = 16;

Tensor boolean(bool b) {
  Tensor t(DType::Bool, {});
  *t.data_as<bool>() = b;
  return t;
}

void add_floats(onnx::GraphProto& g, const std::string& name, const std::vector<int64_t>& dims, float value) {
  auto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(kF);
  int64_t n = 1;
  for (int64_t d : dims) t->add_dims(d), n *= d;
  for (int64_t i = 0; i < n; ++i) t->add_float_data(value);
}

// The body of loop_0: acc_out = acc_in x w + b (w and b read from the top graph), and, when
// `inner_if` is set, an If named inner_if choosing on the top graph's `c` whether to double it.
onnx::GraphProto loop_body(bool inner_if) {
  std::vector<onnx::NodeProto> nodes = {node("Identity", {"cond_in"}, {"cond_out"}, "keep_going"),
                                        node("MatMul", {"acc_in", "w"}, {"m"}, "mm"),
                                        node("Add", {"m", "b"}, {inner_if ? "sum" : "acc_out"}, "bias")};
  if (inner_if) {
    auto then_g =
        graph("then", {node("Mul", {"sum", "two"}, {"t"}, "double")}, {}, {tensor_info("t", kF, {1, kWidth})});
    auto else_g = graph("else", {node("Neg", {"sum"}, {"e"}, "negate")}, {}, {tensor_info("e", kF, {1, kWidth})});
    auto branch = node("If", {"c"}, {"acc_out"}, "inner_if");
    set_graph(branch, "then_branch", then_g);
    set_graph(branch, "else_branch", else_g);
    nodes.push_back(branch);
  }
  return graph("loop_body", nodes,
               {tensor_info("i", kI, {}), tensor_info("cond_in", kB, {}), tensor_info("acc_in", kF, {1, kWidth})},
               {tensor_info("cond_out", kB, {}), tensor_info("acc_out", kF, {1, kWidth})});
}

// x -> loop_0 (n iterations of loop_body) -> Relu -> y.
onnx::ModelProto loop_model(bool inner_if) {
  auto loop = node("Loop", {"n", "", "x"}, {"acc"}, "loop_0");
  set_graph(loop, "body", loop_body(inner_if));
  std::vector<onnx::ValueInfoProto> inputs = {tensor_info("x", kF, {1, kWidth}), tensor_info("n", kI, {})};
  if (inner_if) inputs.push_back(tensor_info("c", kB, {}));
  auto g = graph("top", {loop, node("Relu", {"acc"}, {"y"}, "relu")}, inputs, {tensor_info("y", kF, {1, kWidth})});
  add_floats(g, "w", {kWidth, kWidth}, 1.0f / kWidth);
  add_floats(g, "b", {kWidth}, 0.5f);
  add_floats(g, "two", {}, 2.0f);
  return model(g);
}

class ControlFlowProfile : public testing::SessionTest {
 protected:
  // One layer per ONNX node (no MatMul+Add fusion), so the body's rows are its nodes.
  PerfReport profile(const onnx::ModelProto& m, const std::vector<NamedTensor>& inputs) {
    SessionOptions options;
    options.threads = 1;
    options.optimize = false;
    std::unique_ptr<Session> s;
    Status st = Session::load(dir_.write_model("m" + std::to_string(count_++) + ".onnx", m), options, &s);
    EXPECT_TRUE(st) << st.message();
    ProfileOptions o;
    o.warmup = 1;
    o.runs = 5;
    PerfReport r;
    st = evaluate_performance(*s, inputs, o, Roofs{}, &r);
    EXPECT_TRUE(st) << st.message();
    return r;
  }
};

const LayerProfile& row(const PerfReport& r, const std::string& name) {
  for (const LayerProfile& l : r.layers)
    if (!l.source_names.empty() && l.source_names[0] == name) return l;
  ADD_FAILURE() << "no layer named " << name;
  static const LayerProfile kNone;
  return kNone;
}

const OpTypeRank& rank(const PerfReport& r, const std::string& op_type) {
  for (const OpTypeRank& k : r.ranking)
    if (k.op_type == op_type) return k;
  ADD_FAILURE() << "no op type " << op_type;
  static const OpTypeRank kNone;
  return kNone;
}

// Sums and ranking every report with body rows must satisfy.
void expect_consistent_sums(const PerfReport& r) {
  double top = 0, ranked = 0;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    EXPECT_EQ(r.layers[i].id, static_cast<int>(i) + 1);  // renumbered in report order
    if (r.layers[i].parent == 0) top += r.layers[i].time_us.median;
  }
  for (const OpTypeRank& k : r.ranking) ranked += k.total_us;
  EXPECT_DOUBLE_EQ(r.layer_sum_us, top);
  // Control layers count their own time (less their body rows'): the ranking adds up to the
  // layer sum, unless a median difference had to be floored at 0.
  EXPECT_LE(ranked, top + 1e-6 * top + 1e-9);
  EXPECT_GE(ranked, 0.5 * top);
}

TEST_F(ControlFlowProfile, LoopBodyLayersAreRowsUnderTheLoop) {
  const PerfReport r =
      profile(loop_model(false), {{"x", floats({1, kWidth}, std::vector<float>(kWidth, 1))}, {"n", int64(5)}});
  ASSERT_EQ(r.layers.size(), 5u);  // Loop, its three body layers, Relu
  const LayerProfile& loop = r.layers[0];
  EXPECT_EQ(loop.op_type, "Loop");
  EXPECT_EQ(loop.parent, 0);
  EXPECT_EQ(loop.scope, "");
  EXPECT_EQ(loop.calls, 1);
  EXPECT_EQ(loop.kernel, "bodies(dynamic)");
  // Its run's types and shapes, as any dynamic layer's (they were UNDEFINED and empty).
  EXPECT_EQ(loop.data_type, "FLOAT");
  EXPECT_EQ(loop.output_shapes, (std::vector<std::vector<int64_t>>{{1, kWidth}}));
  for (const char* name : {"keep_going", "mm", "bias"}) {
    const LayerProfile& l = row(r, name);
    EXPECT_EQ(l.parent, loop.id) << name;
    EXPECT_EQ(l.scope, "loop_0/body") << name;
    EXPECT_EQ(l.calls, 5) << name;
    EXPECT_EQ(l.time_us.count, 5) << name;
    EXPECT_GT(l.time_us.median, 0) << name;
    EXPECT_LE(l.time_us.median, loop.time_us.median) << name;  // inside the Loop's time
    EXPECT_TRUE(l.workload.empty()) << name;                   // not measured inside a body
    EXPECT_GE(l.id, 2) << name;                                // right after the Loop's row, before Relu's
    EXPECT_LE(l.id, 4) << name;
  }
  const LayerProfile& mm = row(r, "mm");
  EXPECT_EQ(mm.op_type, "MatMul");
  EXPECT_EQ(mm.input_shapes, (std::vector<std::vector<int64_t>>{{1, kWidth}, {kWidth, kWidth}}));
  EXPECT_EQ(mm.macs, 5.0 * kWidth * kWidth);  // one execution's MACs, five times
  EXPECT_EQ(mm.bytes_written, 5 * kWidth * 4);
  EXPECT_EQ(row(r, "relu").parent, 0);
  EXPECT_EQ(row(r, "relu").id, 5);

  EXPECT_EQ(rank(r, "MatMul").calls, 5);
  EXPECT_EQ(rank(r, "Add").calls, 5);
  EXPECT_EQ(rank(r, "Loop").calls, 1);
  EXPECT_LE(rank(r, "Loop").total_us, loop.time_us.median);  // its own time, less its body's
  int calls = 0;
  for (const OpTypeRank& k : r.ranking) calls += k.calls;
  EXPECT_EQ(calls, 1 + 3 * 5 + 1);
  expect_consistent_sums(r);

  // Every report spells a body layer's name after its scope.
  const std::string text = format_perf_text(r);
  EXPECT_NE(text.find("loop_0/body/MatMul:mm [5 calls]"), std::string::npos) << text;
  EXPECT_NE(text.find("\n2      "), std::string::npos) << text;  // indented under the Loop
}

TEST_F(ControlFlowProfile, IfInsideALoopHasATwoLevelScope) {
  const PerfReport r =
      profile(loop_model(true),
              {{"x", floats({1, kWidth}, std::vector<float>(kWidth, 1))}, {"n", int64(3)}, {"c", boolean(true)}});
  const LayerProfile& loop = r.layers[0];
  const LayerProfile& inner = row(r, "inner_if");
  EXPECT_EQ(inner.parent, loop.id);
  EXPECT_EQ(inner.scope, "loop_0/body");
  EXPECT_EQ(inner.calls, 3);
  const LayerProfile& dbl = row(r, "double");
  EXPECT_EQ(dbl.parent, inner.id);
  EXPECT_EQ(dbl.scope, "loop_0/body/inner_if/then_branch");
  EXPECT_EQ(dbl.calls, 3);
  EXPECT_EQ(dbl.id, inner.id + 1);  // depth first: the branch's layers follow the If
  EXPECT_LE(dbl.time_us.median, inner.time_us.median);
  for (const LayerProfile& l : r.layers) EXPECT_NE(l.op_type, "Neg");  // the branch not taken
  EXPECT_EQ(rank(r, "Mul").calls, 3);
  EXPECT_EQ(rank(r, "If").calls, 3);
  expect_consistent_sums(r);
}

// If whose branches read a top-level value: only the branch taken has rows.
TEST_F(ControlFlowProfile, OnlyTheTakenBranchHasRows) {
  auto then_g = graph("then", {node("Mul", {"y", "x"}, {"t"}, "times")}, {}, {tensor_info("t", kF, {3})});
  auto else_g = graph("else", {node("Sub", {"y", "x"}, {"e"}, "minus")}, {}, {tensor_info("e", kF, {3})});
  auto if_node = node("If", {"c"}, {"out"}, "the_if");
  set_graph(if_node, "then_branch", then_g);
  set_graph(if_node, "else_branch", else_g);
  const auto m = model(graph("top", {node("Add", {"x", "x"}, {"y"}, "twice"), if_node},
                             {tensor_info("x", kF, {3}), tensor_info("c", kB, {})}, {tensor_info("out", kF, {3})}));
  const PerfReport r = profile(m, {{"x", floats({3}, {1, 2, 3})}, {"c", boolean(false)}});
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[1].op_type, "If");
  EXPECT_EQ(r.layers[2].op_type, "Sub");
  EXPECT_EQ(r.layers[2].parent, 2);
  EXPECT_EQ(r.layers[2].scope, "the_if/else_branch");
  EXPECT_EQ(r.layers[2].calls, 1);
  EXPECT_EQ(r.layers[2].input_names, (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(rank(r, "Sub").calls, 1);
  for (const OpTypeRank& k : r.ranking) EXPECT_NE(k.op_type, "Mul");
  expect_consistent_sums(r);
}

// The graph passes run in bodies too: a fused body layer keeps its scope, calls and names.
TEST_F(ControlFlowProfile, FusedBodyLayersKeepTheirScope) {
  SessionOptions options;
  options.threads = 1;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(dir_.write_model("fused.onnx", loop_model(false)), options, &s));
  ProfileOptions o;
  o.warmup = 0;
  o.runs = 3;
  PerfReport r;
  Status st = evaluate_performance(*s, {{"x", floats({1, kWidth}, std::vector<float>(kWidth, 1))}, {"n", int64(4)}}, o,
                                   Roofs{}, &r);
  ASSERT_TRUE(st) << st.message();
  bool found = false;
  for (const LayerProfile& l : r.layers) {
    if (std::find(l.source_names.begin(), l.source_names.end(), "mm") == l.source_names.end()) continue;
    found = true;
    EXPECT_EQ(l.scope, "loop_0/body");
    EXPECT_EQ(l.calls, 4);
    EXPECT_EQ(l.parent, r.layers[0].id);
  }
  EXPECT_TRUE(found);
  expect_consistent_sums(r);
}

// perf.json carries parent, scope and calls, and reads them back.
TEST_F(ControlFlowProfile, JsonRoundTripKeepsTheNesting) {
  const PerfReport r =
      profile(loop_model(true),
              {{"x", floats({1, kWidth}, std::vector<float>(kWidth, 1))}, {"n", int64(2)}, {"c", boolean(true)}});
  const std::string json = perf_report_json(r);
  PerfReport back;
  Status st = perf_report_from_json(json, "perf.json", &back);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(perf_report_json(back), json);
  ASSERT_EQ(back.layers.size(), r.layers.size());
  for (size_t i = 0; i < r.layers.size(); ++i) {
    EXPECT_EQ(back.layers[i].parent, r.layers[i].parent);
    EXPECT_EQ(back.layers[i].scope, r.layers[i].scope);
    EXPECT_EQ(back.layers[i].calls, r.layers[i].calls);
  }
  EXPECT_EQ(row(back, "double").scope, "loop_0/body/inner_if/then_branch");
}

}  // namespace
}  // namespace layerscope
