// The profiler on a real (small) model run: statistics, WorkLoad shares, overhead figures,
// memory figures consistent with the plan, and the text layout.
#include "layerscope/profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "layerscope/workload.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

// x -> Relu -> Sigmoid -> Add(x) : three layers, one of them reading the graph input late.
std::string three_layer_model(const TempDir& dir) {
  onnx::ModelProto m = testing::single_node_model("Relu", {1, 64, 32, 32});
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "r");
  auto* s = g->add_node();
  s->set_op_type("Sigmoid");
  s->set_name("sig");
  s->add_input("r");
  s->add_output("s");
  auto* a = g->add_node();
  a->set_op_type("Add");
  a->set_name("residual");
  a->add_input("s");
  a->add_input("x");
  a->add_output("y");
  return dir.write_model("three.onnx", m);
}

class Profile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(enable_workload_measurement());  // unit_tests links layerscope_workload
    Status st = Session::load(three_layer_model(dir_), {}, &session_);
    ASSERT_TRUE(st) << st.message();
    inputs_ = {{"x", Tensor(DType::F32, {1, 64, 32, 32})}};
  }
  TempDir dir_;
  std::unique_ptr<Session> session_;
  std::vector<NamedTensor> inputs_;
};

TEST_F(Profile, RecordsEveryLayerWithStatistics) {
  ProfileOptions o;
  o.warmup = 1;
  o.runs = 7;
  PerfReport r;
  Status st = evaluate_performance(*session_, inputs_, o, Roofs{}, &r);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(r.layers.size(), 3u);
  EXPECT_EQ(r.layers[0].op_type, "Relu");
  EXPECT_EQ(r.layers[2].source_names, std::vector<std::string>{"residual"});
  double sum = 0;
  for (const LayerProfile& l : r.layers) {
    EXPECT_EQ(l.time_us.count, 7);
    EXPECT_LE(l.time_us.min, l.time_us.median);
    EXPECT_LE(l.time_us.median, l.time_us.p90);
    EXPECT_LE(l.time_us.p90, l.time_us.max);
    EXPECT_GT(l.time_us.max, 0);
    double shares = 0;
    for (double w : l.workload) shares += w;
    EXPECT_NEAR(shares, 1.0, 1e-9) << l.op_type;
    EXPECT_EQ(l.bytes_written, 64 * 32 * 32 * 4);
    sum += l.time_us.median;
  }
  EXPECT_DOUBLE_EQ(r.layer_sum_us, sum);
  EXPECT_EQ(r.latency_ms.count, 7);
  EXPECT_EQ(r.profiled_latency_ms.count, 7);
  EXPECT_NEAR(r.overhead_pct, 100.0 * (r.profiled_latency_ms.median / r.latency_ms.median - 1), 1e-9);
  EXPECT_NEAR(r.layer_sum_ratio_pct, 100.0 * sum / (r.latency_ms.median * 1000.0), 1e-9);
  double ranked = 0;
  for (const OpTypeRank& k : r.ranking) ranked += k.ratio_pct;
  EXPECT_NEAR(ranked, 100.0, 1e-6);
}

TEST_F(Profile, MemoryMatchesThePlan) {
  MemoryReport m;
  ASSERT_TRUE(evaluate_memory(*session_, &m));
  PlanSummary p;
  ASSERT_TRUE(session_->plan_summary(&p));
  EXPECT_EQ(m.internal_bytes, static_cast<int64_t>(p.arena_bytes));
  const int64_t tensor = 64 * 32 * 32 * 4;
  EXPECT_EQ(m.other_bytes, 2 * tensor);             // the input and the output
  EXPECT_EQ(m.naive_activation_bytes, 3 * tensor);  // r, s, y
  // Sigmoid and Add run in place (each input dies there): r, s and y share one buffer.
  EXPECT_EQ(m.internal_bytes, tensor);
  EXPECT_EQ(m.total_bytes, m.weight_bytes + m.internal_bytes + m.other_bytes);
}

TEST_F(Profile, TextHasTheReferenceLayout) {
  ProfileOptions o;
  o.warmup = 0;
  o.runs = 3;
  PerfReport r;
  ASSERT_TRUE(evaluate_performance(*session_, inputs_, o, Roofs{}, &r));
  std::string text = format_perf_text(r);
  for (const char* needle :
       {"Network Layer Information Table", "Operator Time Consuming Ranking Table",
        "Profiling overhead: ", "Layer sum / end-to-end: ", "Total Operator Elapsed Per Frame Time(us): ",
        "Total Memory Read/Write Per Frame Size(KB): ", "Sigmoid:sig", "Add:residual"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle;
  // Column positions of the reference (later 2.x): ID 5, OpType 19, DataType 9, Target 7, InputShape 41.
  size_t header = text.find("ID   OpType");
  ASSERT_NE(header, std::string::npos);
  std::string line = text.substr(header, text.find('\n', header) - header);
  EXPECT_EQ(line.find("OpType"), 5u);
  EXPECT_EQ(line.find("DataType"), 24u);
  EXPECT_EQ(line.find("Target"), 33u);
  EXPECT_EQ(line.find("InputShape"), 40u);
  EXPECT_EQ(line.find("OutputShape"), 81u);
  size_t row = text.find("\n2    Sigmoid");
  ASSERT_NE(row, std::string::npos) << text;
  EXPECT_EQ(text.compare(row + 1 + 24, 5, "FLOAT"), 0);
  std::string mem = format_memory_text(r.memory);
  EXPECT_NE(mem.find("Internal Tensor Memory:"), std::string::npos);
}

}  // namespace
}  // namespace layerscope
