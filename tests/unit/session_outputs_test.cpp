// The outputs a Session hands back: the caller's to keep, never overwritten by a later run, and
// their buffers refilled by later runs once the caller has let go of them (a fresh large
// buffer per run page-faulted all of it: runtime/executor.h, output_buffers_).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "layerscope/session.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

Tensor filled(float v) {
  Tensor t(DType::F32, {4});
  for (int i = 0; i < 4; ++i) t.data_as<float>()[i] = v + static_cast<float>(i);
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.data_as<float>(), t.data_as<float>() + t.numel()}; }

class SessionOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    // y = Relu(x): one output the size of the input.
    Status st = Session::load(dir_.write_model("relu.onnx", testing::single_node_model("Relu", {4})), {}, &s_);
    ASSERT_TRUE(st) << st.message();
  }
  std::vector<NamedTensor> run(float v) {
    std::vector<NamedTensor> out;
    Status st = s_->run({{"x", filled(v)}}, &out);
    EXPECT_TRUE(st) << st.message();
    return out;
  }
  TempDir dir_;
  std::unique_ptr<Session> s_;
};

TEST_F(SessionOutputs, OutputsTheCallerKeepsAreNeverOverwritten) {
  std::vector<std::vector<NamedTensor>> kept;
  for (int r = 0; r < 5; ++r) kept.push_back(run(10.f * r));
  for (int r = 0; r < 5; ++r) {
    const float v = 10.f * r;
    EXPECT_EQ(values(kept[r][0].tensor), (std::vector<float>{v, v + 1, v + 2, v + 3})) << "run " << r;
  }
}

TEST_F(SessionOutputs, BuffersTheCallerLetGoOfAreRefilled) {
  // `out = run()` in a loop: the previous results are alive while the next run copies its
  // outputs, then released. Two buffers take turns; no run after the second allocates.
  std::vector<NamedTensor> out = run(1.f);
  const void* first = out[0].tensor.data();
  out = run(2.f);
  const void* second = out[0].tensor.data();
  EXPECT_NE(first, second);  // the first was still the caller's
  for (int r = 3; r < 8; ++r) {
    out = run(static_cast<float>(r));
    EXPECT_EQ(out[0].tensor.data(), r % 2 ? first : second) << "run " << r;
    const float v = static_cast<float>(r);
    EXPECT_EQ(values(out[0].tensor), (std::vector<float>{v, v + 1, v + 2, v + 3}));
  }
  // A caller holding a copy of the handle (another Tensor sharing it) keeps it from reuse.
  const Tensor held = out[0].tensor;
  out.clear();
  out = run(100.f);
  EXPECT_NE(out[0].tensor.data(), held.data());
  EXPECT_EQ(values(held), (std::vector<float>{7, 8, 9, 10}));
}

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

TEST(SessionOutputsLarge, RunsAfterTheSecondDoNotPageFaultTheirOutputs) {
  // 8 MiB output = 2048 pages: a fresh copy per run faults every page.
  constexpr int64_t kFloats = 2 << 20;
  TempDir dir;
  std::unique_ptr<Session> s;
  Status st = Session::load(dir.write_model("relu.onnx", testing::single_node_model("Relu", {kFloats})), {}, &s);
  ASSERT_TRUE(st) << st.message();
  Tensor x(DType::F32, {kFloats});
  for (int64_t i = 0; i < kFloats; ++i) x.data_as<float>()[i] = static_cast<float>(i % 7) - 3.f;
  std::vector<NamedTensor> out;
  for (int r = 0; r < 2; ++r) ASSERT_TRUE(s->run({{"x", x}}, &out));
  const long before = minor_faults();
  for (int r = 0; r < 5; ++r) ASSERT_TRUE(s->run({{"x", x}}, &out));
  const long faults = minor_faults() - before;
  EXPECT_LT(faults, 2048) << "5 runs page-faulted " << faults << " times: outputs copied into fresh buffers";
  EXPECT_EQ(out[0].tensor.data_as<float>()[5], 2.f);
  EXPECT_EQ(out[0].tensor.data_as<float>()[1], 0.f);
}

}  // namespace
}  // namespace layerscope
