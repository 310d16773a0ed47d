// Session::run_observed: every value of an unoptimized run by ONNX name, in execution order,
// with the data the run computed; refused on an optimized session; run() unchanged.
#include <gtest/gtest.h>

#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

// x -> Relu -> r -> Neg -> y: r lives in the arena only until Neg has read it.
std::string two_node_model(const testing::TempDir& dir) {
  onnx::ModelProto m = testing::single_node_model("Relu", {2, 3});
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, std::string("r"));
  auto* neg = g->add_node();
  neg->set_op_type("Neg");
  neg->set_name("the_neg");
  neg->add_input(std::string("r"));
  neg->add_output(std::string("y"));
  return dir.write_model("two.onnx", m);
}

TEST(SessionObserve, ReportsEveryValueByNameWithItsData) {
  testing::TempDir dir;
  const std::string path = two_node_model(dir);
  SessionOptions opt;
  opt.optimize = false;
  opt.threads = 1;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(path, opt, &s));
  Tensor x(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i) x.data_as<float>()[i] = static_cast<float>(i - 3);
  std::vector<std::string> seen;
  std::vector<std::vector<float>> data;
  std::vector<NamedTensor> out;
  ASSERT_TRUE(s->run_observed({{"x", x}}, &out, [&](const ObservedValue& v) {
    seen.push_back(v.name + "@" + v.node + ":" + v.op_type);
    const float* p = v.tensor.data_as<float>();
    data.emplace_back(p, p + v.tensor.numel());
  }));
  ASSERT_EQ(seen, (std::vector<std::string>{"x@:", "r@the_node:Relu", "y@the_neg:Neg"}));
  EXPECT_EQ(data[1], (std::vector<float>{0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(data[2], (std::vector<float>{0, 0, 0, 0, -1, -2}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tensor.data_as<float>()[5], -2.f);
  // An exception from the observer ends the run as a failed Status.
  Status st = s->run_observed({{"x", x}}, &out, [](const ObservedValue&) { throw std::runtime_error("stop"); });
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("stop"), std::string::npos);
  // The plain run still works afterwards.
  EXPECT_TRUE(s->run({{"x", x}}, &out));
}

TEST(SessionObserve, NeedsAnUnoptimizedSession) {
  testing::TempDir dir;
  const std::string path = two_node_model(dir);
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(path, {}, &s));
  Tensor x(DType::F32, {2, 3});
  std::vector<NamedTensor> out;
  Status st = s->run_observed({{"x", x}}, &out, [](const ObservedValue&) {});
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("optimize = false"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace layerscope
