// The Runtime workflow API (include/layerscope/runtime.h) on the real sample model: call
// order, layouts, preprocessing against a plain Session run, eval_perf / eval_memory, core
// masks, list_devices, release.
#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <cmath>
#include <random>

#include "layerscope/runtime.h"
#include "sample_model.h"

namespace layerscope {
namespace {

constexpr int64_t kH = 224, kW = 308;  // the sample model's input: (1,3,224,308) FLOAT

Tensor random_image_nhwc(uint32_t seed) {
  Tensor t(DType::U8, {1, kH, kW, 3});
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<uint8_t>()[i] = static_cast<uint8_t>(rng() & 0xff);
  return t;
}

Tensor nhwc_to_nchw(const Tensor& nhwc) {
  Tensor t(nhwc.dtype(), {1, 3, kH, kW});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < kH * kW; ++i) t.data_as<uint8_t>()[c * kH * kW + i] = nhwc.data_as<uint8_t>()[i * 3 + c];
  return t;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double d = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    d = std::max(d, static_cast<double>(std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i])));
  return d;
}

RuntimeConfig imagenet_config(bool bgr) {
  RuntimeConfig c;
  c.mean_values = {0.485f * 255, 0.456f * 255, 0.406f * 255};
  c.std_values = {0.229f * 255, 0.224f * 255, 0.225f * 255};
  c.rgb_to_bgr = bgr;
  return c;
}

class RuntimeApi : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    model_ = testing::sample_model_path(&error);
    ASSERT_FALSE(model_.empty()) << error;
  }
  // config (when given), load, init_runtime; asserts each step.
  void start(Runtime& rt, const RuntimeInit& init, const RuntimeConfig* config = nullptr) {
    if (config) {
      ASSERT_TRUE(rt.config(*config)) << "config";
    }
    Status st = rt.load(model_);
    ASSERT_TRUE(st) << st.message();
    st = rt.init_runtime(init);
    ASSERT_TRUE(st) << st.message();
  }
  std::string model_;
};

void expect_error(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st) << "expected an error containing: " << fragment;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST_F(RuntimeApi, CallsOutOfOrderSayWhichCallComesFirst) {
  Runtime rt;
  PerfReport perf;
  MemoryReport mem;
  std::vector<Tensor> out;
  expect_error(rt.init_runtime({}), "init_runtime(): no model loaded; call load() first");
  expect_error(rt.inference({random_image_nhwc(1)}, &out), "inference(): no model loaded; call load() first");
  expect_error(rt.eval_perf(&perf), "eval_perf(): no model loaded");
  expect_error(rt.eval_memory(&mem), "eval_memory(): no model loaded");
  expect_error(rt.load("/nonexistent/model.onnx"), "/nonexistent/model.onnx");

  ASSERT_TRUE(rt.load(model_));
  expect_error(rt.load(model_), "a model is already loaded");
  expect_error(rt.config(imagenet_config(true)), "config() must come before load()");
  expect_error(rt.inference({random_image_nhwc(1)}, &out, DataFormat::NHWC), "call init_runtime() first");
  expect_error(rt.eval_perf(&perf), "call init_runtime() first");

  ASSERT_TRUE(rt.init_runtime({}));  // profiling and memory evaluation off
  expect_error(rt.eval_perf(&perf), "eval_perf(): profiling is off; call init_runtime() with perf_debug = true");
  expect_error(rt.eval_memory(&mem), "eval_memory(): memory evaluation is off; call init_runtime() with eval_mem");
  EXPECT_TRUE(rt.inference({random_image_nhwc(1)}, &out, DataFormat::NHWC));

  rt.release();
  expect_error(rt.inference({random_image_nhwc(1)}, &out, DataFormat::NHWC), "no model loaded");
  EXPECT_TRUE(rt.inputs().empty());
  // Released means as new: config is allowed again, and a whole second workflow runs.
  EXPECT_TRUE(rt.config(imagenet_config(false)));
  ASSERT_TRUE(rt.load(model_));
  ASSERT_TRUE(rt.init_runtime({}));
  EXPECT_TRUE(rt.inference({random_image_nhwc(2)}, &out, DataFormat::NHWC));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{1, 1, kH, kW}));
}

TEST_F(RuntimeApi, NhwcAndNchwImagesGiveIdenticalOutputs) {
  Runtime rt;
  const RuntimeConfig cfg = imagenet_config(true);
  ASSERT_NO_FATAL_FAILURE(start(rt, {}, &cfg));
  const Tensor nhwc = random_image_nhwc(7);
  std::vector<Tensor> a, b, c;
  ASSERT_TRUE(rt.inference({nhwc}, &a, DataFormat::NHWC));
  ASSERT_TRUE(rt.inference({nhwc_to_nchw(nhwc)}, &b, DataFormat::NCHW));
  ASSERT_TRUE(rt.inference({nhwc_to_nchw(nhwc)}, &c));  // AsConfigured: the config's NCHW default
  EXPECT_EQ(max_abs_diff(a[0], b[0]), 0.0);
  EXPECT_EQ(max_abs_diff(a[0], c[0]), 0.0);
  // Sanity: another image gives another depth map, so equality above means something.
  std::vector<Tensor> other;
  ASSERT_TRUE(rt.inference({random_image_nhwc(8)}, &other, DataFormat::NHWC));
  EXPECT_GT(max_abs_diff(a[0], other[0]), 1e-3);
}

TEST_F(RuntimeApi, MeanStdAndBgrAreAppliedAsConfigured) {
  const RuntimeConfig cfg = imagenet_config(true);
  Runtime rt;
  ASSERT_NO_FATAL_FAILURE(start(rt, {}, &cfg));
  const Tensor img = random_image_nhwc(3);
  std::vector<Tensor> got;
  ASSERT_TRUE(rt.inference({img}, &got, DataFormat::NHWC));

  // The same model through a plain Session, fed (pixel[2 - c] - mean[c]) / std[c] by hand.
  auto expected_for = [&](bool bgr) {
    Tensor x(DType::F32, {1, 3, kH, kW});
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t i = 0; i < kH * kW; ++i) {
        const float pixel = img.data_as<uint8_t>()[i * 3 + (bgr ? 2 - c : c)];
        x.data_as<float>()[c * kH * kW + i] = (pixel - cfg.mean_values[c]) / cfg.std_values[c];
      }
    std::unique_ptr<Session> s;
    EXPECT_TRUE(Session::load(model_, {}, &s));
    std::vector<NamedTensor> out;
    EXPECT_TRUE(s->run({{"input", x}}, &out));
    return out.at(0).tensor;
  };
  EXPECT_LE(max_abs_diff(got[0], expected_for(true)), 1e-5);
  // Without the swap the model sees other data: the check above can tell them apart.
  EXPECT_GT(max_abs_diff(got[0], expected_for(false)), 1e-3);
}

TEST_F(RuntimeApi, EvalPerfAndEvalMemoryProduceReports) {
  Runtime rt;
  RuntimeInit init;
  init.perf_debug = true;
  init.eval_mem = true;
  ASSERT_NO_FATAL_FAILURE(start(rt, init));
  ProfileOptions quick;
  quick.warmup = 1;
  quick.runs = 2;

  // Before any inference: fixed-seed random inputs.
  PerfReport perf;
  std::string text;
  Status st = rt.eval_perf(&perf, &text, quick);
  ASSERT_TRUE(st) << st.message();
  EXPECT_GT(perf.layers.size(), 20u);
  EXPECT_EQ(perf.runs, 2);
  EXPECT_GT(perf.latency_ms.median, 0);
  EXPECT_EQ(perf.model_path, model_);
  EXPECT_NE(text.find("Network Layer Information Table"), std::string::npos);
  EXPECT_NE(text.find("Operator Time Consuming Ranking Table"), std::string::npos);

  // After an NHWC uint8 inference: profiles the inputs as the model received them.
  std::vector<Tensor> out;
  ASSERT_TRUE(rt.inference({random_image_nhwc(5)}, &out, DataFormat::NHWC));
  PerfReport again;
  st = rt.eval_perf(&again, nullptr, quick);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(again.layers.size(), perf.layers.size());

  MemoryReport mem;
  std::string mem_text;
  st = rt.eval_memory(&mem, &mem_text);
  ASSERT_TRUE(st) << st.message();
  EXPECT_GT(mem.weight_bytes, 1'000'000);  // ~2.7 MB of float weights
  EXPECT_GT(mem.internal_bytes, 0);
  EXPECT_EQ(mem.other_bytes, (3 + 1) * kH * kW * 4);  // FLOAT input (1,3,H,W) + output (1,1,H,W)
  EXPECT_EQ(mem.total_bytes, mem.weight_bytes + mem.internal_bytes + mem.other_bytes);
  EXPECT_NE(mem_text.find("Memory Profile Info Dump"), std::string::npos);
}

// CPUs the given OpenMP worker of this thread's pool may run on.
std::vector<int> worker_affinity(int worker, int team) {
  std::vector<int> cores;
#pragma omp parallel num_threads(team)
  if (omp_get_thread_num() == worker) {
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cores.push_back(c);
  }
  return cores;
}

TEST_F(RuntimeApi, CoreMaskReachesTheSession) {
  std::vector<DeviceInfo> devices;
  ASSERT_TRUE(Runtime::list_devices(&devices));
  const std::vector<int> allowed = devices.at(0).core_ids;
  ASSERT_FALSE(allowed.empty());
  const int last = allowed.back();

  Runtime rt;
  RuntimeInit init;
  init.perf_debug = true;
  ProfileOptions once;
  once.warmup = 0;
  once.runs = 1;
  ASSERT_NO_FATAL_FAILURE(start(rt, init));
  PerfReport perf;
  ASSERT_TRUE(rt.eval_perf(&perf, nullptr, once));
  EXPECT_EQ(perf.threads, omp_get_num_procs());  // AUTO: one thread per core

  // One explicit core, no thread count: the session runs one thread.
  init.core_mask = CoreMask::Of({last});
  ASSERT_TRUE(rt.init_runtime(init));
  ASSERT_TRUE(rt.eval_perf(&perf, nullptr, once));
  EXPECT_EQ(perf.threads, 1);

  // Two threads on that core: both workers ran there, and neither stays pinned after the run
  // (the caller's later OpenMP regions reuse them).
  init.threads = 2;
  ASSERT_TRUE(rt.init_runtime(init));
  std::vector<Tensor> out;
  ASSERT_TRUE(rt.inference({random_image_nhwc(1)}, &out, DataFormat::NHWC));
  ASSERT_TRUE(rt.eval_perf(&perf, nullptr, once));
  EXPECT_EQ(perf.cores, (std::vector<int>{last, last}));
  EXPECT_EQ(worker_affinity(1, 2), allowed);

  init.threads = 0;
  init.core_mask = CoreMask::All();
  ASSERT_TRUE(rt.init_runtime(init));
  ASSERT_TRUE(rt.eval_perf(&perf, nullptr, once));
  EXPECT_EQ(perf.threads, static_cast<int>(allowed.size()));

  // A core this process may not use is refused by the session's check, and the model stays
  // loaded: AUTO works right after.
  init.core_mask = CoreMask::Of({4095});
  expect_error(rt.init_runtime(init), "core 4095 is not available to this process");
  init.core_mask = CoreMask::Of({});
  expect_error(rt.init_runtime(init), "needs at least one core id");
  init.core_mask = CoreMask::Auto();
  ASSERT_TRUE(rt.init_runtime(init));
  EXPECT_TRUE(rt.inference({random_image_nhwc(1)}, &out, DataFormat::NHWC));
}

TEST_F(RuntimeApi, ListDevicesDescribesThisCpuAndSdkVersion) {
  std::vector<DeviceInfo> devices;
  Status st = Runtime::list_devices(&devices);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(devices.size(), 1u);
  const DeviceInfo& d = devices[0];
  EXPECT_EQ(d.id, "cpu");
  EXPECT_FALSE(d.model_name.empty());
  EXPECT_GE(d.logical_cores, 1);
  EXPECT_EQ(static_cast<int>(d.core_ids.size()), d.logical_cores);
  EXPECT_GT(d.clock_ghz, 0.1);
  EXPECT_GT(d.peak_fp32_gmacs_one_core, 0);
  EXPECT_GE(d.peak_fp32_gmacs_all, d.peak_fp32_gmacs_one_core * 0.5);
  EXPECT_NE(d.isa.find("sse4_2"), std::string::npos);  // x86-64 machines this runs on
  EXPECT_EQ(d.machine.model_name, d.model_name);

  const std::string v = Runtime::sdk_version();
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(v.at(0)))) << v;
  EXPECT_EQ(std::count(v.begin(), v.end(), '.'), 2) << v;
}

}  // namespace
}  // namespace layerscope
