// A library that behaves as a guest (issue 11, item 3), in a program that links only
// `layerscope`, as an application embedding it would:
//  - libgomp is not interposed (WorkLoad measurement lives in layerscope_workload, which this
//    program does not link), and profiles say WorkLoad is unknown rather than guess it;
//  - the threading contract of include/layerscope/session.h and runtime.h holds: two Sessions
//    run on two threads at once, one Session called from two threads serializes the calls, a
//    Runtime refuses a call that overlaps another one; every output is checked bit for bit.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "../unit/onnx_builder.h"
#include "layerscope/profile.h"
#include "layerscope/runtime.h"
#include "layerscope/session.h"

namespace layerscope {
namespace {

using testing::TempDir;
using testing::tensor_info;

// y = Relu(Conv3x3(x, W) + b) over 16 channels at 48x48: a few hundred microseconds, parallel.
std::string conv_model(const TempDir& dir) {
  onnx::ModelProto m = testing::single_node_model("Conv", {1, 16, 48, 48});
  auto* g = m.mutable_graph();
  auto* conv = g->mutable_node(0);
  conv->add_input("w");
  conv->add_input("b");
  conv->set_output(0, "c");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("relu");
  relu->add_input("c");
  relu->add_output("y");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-0.2f, 0.2f);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t k : {16, 16, 3, 3}) w->add_dims(k);
  for (int i = 0; i < 16 * 16 * 9; ++i) w->add_float_data(d(rng));
  auto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(16);
  for (int i = 0; i < 16; ++i) b->add_float_data(d(rng));
  return dir.write_model("conv.onnx", m);
}

Tensor input(int seed) {
  Tensor t(DType::F32, {1, 16, 48, 48});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d;
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = d(rng);
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

std::unique_ptr<Session> load(const std::string& path, int threads) {
  SessionOptions o;
  o.threads = threads;
  std::unique_ptr<Session> s;
  Status st = Session::load(path, o, &s);
  EXPECT_TRUE(st) << st.message();
  return s;
}

Tensor run_once(Session& s, const Tensor& x) {
  std::vector<NamedTensor> out;
  Status st = s.run({{"x", x}}, &out);
  EXPECT_TRUE(st) << st.message();
  return st ? out[0].tensor : Tensor();
}

TEST(Guest, LibgompIsNotInterposedAndWorkLoadIsUnknown) {
  void* gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(gomp, nullptr) << "libgomp is not loaded";
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "GOMP_parallel"), dlsym(gomp, "GOMP_parallel"));
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "GOMP_barrier"), dlsym(gomp, "GOMP_barrier"));
  dlclose(gomp);

  TempDir dir;
  std::unique_ptr<Session> s = load(conv_model(dir), 2);
  ProfileOptions po;
  po.warmup = 1;
  po.runs = 2;
  PerfReport r;
  Status st = evaluate_performance(*s, {{"x", input(1)}}, po, Roofs{}, &r);
  ASSERT_TRUE(st) << st.message();
  ASSERT_FALSE(r.layers.empty());
  for (const LayerProfile& l : r.layers) EXPECT_TRUE(l.workload.empty()) << l.op_type;
}

TEST(Guest, TwoSessionsRunOnTwoThreadsAtOnce) {
  TempDir dir;
  const std::string path = conv_model(dir);
  const Tensor x0 = input(1), x1 = input(2);
  std::unique_ptr<Session> ref = load(path, 1);
  const Tensor want0 = run_once(*ref, x0), want1 = run_once(*ref, x1);
  ASSERT_FALSE(same_bits(want0, want1));

  std::unique_ptr<Session> a = load(path, 2), b = load(path, 2);
  std::atomic<int> wrong{0};
  auto worker = [&](Session& s, const Tensor& x, const Tensor& want) {
    for (int i = 0; i < 40; ++i)
      if (!same_bits(run_once(s, x), want)) ++wrong;
  };
  std::thread ta(worker, std::ref(*a), std::cref(x0), std::cref(want0));
  std::thread tb(worker, std::ref(*b), std::cref(x1), std::cref(want1));
  ta.join();
  tb.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Guest, OneSessionCalledFromTwoThreadsServesBothCorrectly) {
  TempDir dir;
  const std::string path = conv_model(dir);
  const Tensor x0 = input(3), x1 = input(4);
  std::unique_ptr<Session> s = load(path, 2);
  const Tensor want0 = run_once(*s, x0), want1 = run_once(*s, x1);
  std::atomic<int> wrong{0};
  auto worker = [&](const Tensor& x, const Tensor& want) {
    for (int i = 0; i < 40; ++i)
      if (!same_bits(run_once(*s, x), want)) ++wrong;
  };
  std::thread ta(worker, std::cref(x0), std::cref(want0));
  std::thread tb(worker, std::cref(x1), std::cref(want1));
  ta.join();
  tb.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Guest, RuntimeRefusesACallThatOverlapsAnother) {
  TempDir dir;
  Runtime rt;
  ASSERT_TRUE(rt.load(conv_model(dir)));
  RuntimeInit init;
  init.perf_debug = true;
  ASSERT_TRUE(rt.init_runtime(init));
  const Tensor x = input(5);
  std::vector<Tensor> want;
  ASSERT_TRUE(rt.inference({x}, &want, DataFormat::NCHW));

  // eval_perf on another thread holds at its first progress report (inside the call) until
  // this thread has tried an inference: the overlap is certain, not a matter of timing.
  std::mutex m;
  std::condition_variable cv;
  bool inside = false, tried = false;
  Status perf_status;
  std::thread profiler([&] {
    PerfReport r;
    ProfileOptions po;
    po.warmup = 2;
    po.runs = 2;
    po.progress = [&](const char*, int done, int) {
      if (done != 1 || inside) return;
      std::unique_lock<std::mutex> lock(m);
      inside = true;
      cv.notify_all();
      cv.wait(lock, [&] { return tried; });
    };
    perf_status = rt.eval_perf(&r, nullptr, po);
  });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return inside; });
  }
  std::vector<Tensor> got;
  Status overlapping = rt.inference({x}, &got, DataFormat::NCHW);
  {
    std::lock_guard<std::mutex> lock(m);
    tried = true;
  }
  cv.notify_all();
  profiler.join();
  ASSERT_FALSE(overlapping);
  EXPECT_NE(overlapping.message().find("inference(): another call on this Runtime is running on another thread"),
            std::string::npos)
      << overlapping.message();
  EXPECT_TRUE(perf_status) << perf_status.message();
  // Afterwards the Runtime serves this thread normally, with the same result.
  ASSERT_TRUE(rt.inference({x}, &got, DataFormat::NCHW));
  EXPECT_TRUE(same_bits(got[0], want[0]));
}

}  // namespace
}  // namespace layerscope
