// WorkLoad measures work, not the CPU time of libgomp's spinning idle workers: the OmpWorkMeter
// sees every parallel region (ours and oneDNN's), a layer that runs on the calling thread only is
// ~100% worker 0 even right after a parallel layer left the other worker spinning, and a oneDNN
// convolution on two threads keeps both busy.
#include "layerscope/workload.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "layerscope/profile.h"
#include "onnx_builder.h"
#include "profile/omp_work.h"

namespace layerscope {
namespace {

using testing::TempDir;

void busy_for(std::chrono::milliseconds d) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
  }
}

constexpr long long kMs = 1000000;

TEST(OmpWorkMeter, InterposesLibgomp) { EXPECT_TRUE(OmpWorkMeter::available()); }

TEST(OmpWorkMeter, CountsOnlyTheThreadThatWorks) {
  OmpWorkMeter meter(2);
  meter.start();
#pragma omp parallel num_threads(2)
  if (omp_get_thread_num() == 1) busy_for(std::chrono::milliseconds(20));
  meter.stop();
  EXPECT_GE(meter.worked_ns(1), 19 * kMs);
  EXPECT_LT(meter.worked_ns(0), 2 * kMs);  // it returned at once and waited (spun) at the join
  EXPECT_GE(meter.region_ns(), 19 * kMs);
}

TEST(OmpWorkMeter, BarrierWaitsAreNotWork) {
  OmpWorkMeter meter(2);
  meter.start();
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 1) busy_for(std::chrono::milliseconds(20));
#pragma omp barrier
  }
  meter.stop();
  EXPECT_GE(meter.worked_ns(1), 19 * kMs);
  EXPECT_LT(meter.worked_ns(0), 2 * kMs);
}

// Whichever thread took iteration 0 worked 20 ms; the other one only waited.
void expect_one_worker_busy(const OmpWorkMeter& meter) {
  EXPECT_GE(std::max(meter.worked_ns(0), meter.worked_ns(1)), 19 * kMs);
  EXPECT_LT(std::min(meter.worked_ns(0), meter.worked_ns(1)), 2 * kMs);
}

TEST(OmpWorkMeter, CombinedParallelLoopsAreMetered) {
  // `parallel for` with a dynamic schedule: GCC calls GOMP_parallel_loop_*, not GOMP_parallel.
  OmpWorkMeter meter(2);
  meter.start();
#pragma omp parallel for schedule(dynamic, 1) num_threads(2)
  for (int i = 0; i < 2; ++i)
    if (i == 0) busy_for(std::chrono::milliseconds(20));
  meter.stop();
  expect_one_worker_busy(meter);
}

TEST(OmpWorkMeter, WaitAtTheEndOfADynamicLoopIsNotWork) {
  OmpWorkMeter meter(2);
  std::vector<int> started(2, 0);
  meter.start();
#pragma omp parallel num_threads(2)
  {
    started[omp_get_thread_num()] = 1;  // a statement besides the loop: GCC keeps `omp for` separate
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < 2; ++i)
      if (i == 0) busy_for(std::chrono::milliseconds(20));  // then the loop's end waits (GOMP_loop_end)
  }
  meter.stop();
  expect_one_worker_busy(meter);
}

TEST(OmpWorkMeter, OnlyRegionsOfTheMeteringThreadBetweenStartAndStop) {
  OmpWorkMeter meter(2);
#pragma omp parallel num_threads(2)
  busy_for(std::chrono::milliseconds(5));  // before start(): not counted
  meter.start();
  meter.stop();
#pragma omp parallel num_threads(2)
  busy_for(std::chrono::milliseconds(5));  // after stop(): not counted
  EXPECT_EQ(meter.worked_ns(0), 0);
  EXPECT_EQ(meter.worked_ns(1), 0);
  EXPECT_EQ(meter.region_ns(), 0);
}

// x (1,64,56,56) -> Conv 3x3 stride 2 (oneDNN's direct brgconv, parallel over fine-grained
// blocks; a stride-1 3x3 would run Winograd, whose coarser split is more exposed to a busy
// machine) -> Neg (reference kernel, one thread) -> y
std::string conv_then_neg_model(const TempDir& dir) {
  onnx::ModelProto m = testing::single_node_model("Conv", {1, 64, 56, 56});
  auto* g = m.mutable_graph();
  auto* conv = g->mutable_node(0);
  conv->add_input("w");
  conv->set_output(0, "c");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);
  auto* strides = conv->add_attribute();
  strides->set_name("strides");
  strides->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 2; ++i) strides->add_ints(2);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {64, 64, 3, 3}) w->add_dims(d);
  for (int i = 0; i < 64 * 64 * 9; ++i) w->add_float_data(static_cast<float>((i % 7) - 3) * 0.01f);
  auto* neg = g->add_node();
  neg->set_op_type("Neg");
  neg->set_name("neg");
  neg->add_input("c");
  neg->add_output("y");
  return dir.write_model("conv_neg.onnx", m);
}

TEST(WorkLoad, SerialLayerIsAllWorkerZeroAndConvUsesBothThreads) {
  if (omp_get_num_procs() < 2) GTEST_SKIP() << "needs two cores";
  ASSERT_TRUE(enable_workload_measurement());  // this test program links layerscope_workload
  TempDir dir;
  SessionOptions so;
  so.threads = 2;
  std::unique_ptr<Session> s;
  Status loaded = Session::load(conv_then_neg_model(dir), so, &s);
  ASSERT_TRUE(loaded) << loaded.message();
  ProfileOptions po;
  po.warmup = 1;
  po.runs = 5;
  PerfReport r;
  Status st = evaluate_performance(*s, {{"x", Tensor(DType::F32, {1, 64, 56, 56})}}, po, Roofs{}, &r);
  ASSERT_TRUE(st) << st.message();
  // The planner may add layers (e.g. layout reorders around the conv): find ours by op type.
  const LayerProfile* conv = nullptr;
  const LayerProfile* neg = nullptr;
  for (const LayerProfile& l : r.layers) {
    if (l.op_type == "Conv") conv = &l;
    if (l.op_type == "Neg") neg = &l;
  }
  ASSERT_TRUE(conv && neg);
  ASSERT_EQ(conv->kernel.rfind("onednn", 0), 0u) << conv->kernel;
  ASSERT_EQ(neg->kernel, "ref");
  for (const LayerProfile& l : r.layers) {
    ASSERT_EQ(l.workload.size(), 2u) << l.op_type;
    EXPECT_NEAR(l.workload[0] + l.workload[1], 1.0, 1e-9) << l.op_type;
  }
  // Right after the conv, worker 1 spins in libgomp during Neg: CPU time would have called that
  // ~50% of Neg's work. It did none.
  EXPECT_GT(neg->workload[0], 0.99) << neg->workload[0] << "/" << neg->workload[1];
  EXPECT_GT(conv->workload[0], 0.25) << conv->workload[0] << "/" << conv->workload[1];
  EXPECT_GT(conv->workload[1], 0.25) << conv->workload[0] << "/" << conv->workload[1];
}

TEST(WorkLoad, AProfileThatDoesNotAskForItLeavesItUnknown) {
  ASSERT_TRUE(enable_workload_measurement());
  TempDir dir;
  SessionOptions so;
  so.threads = 2;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(conv_then_neg_model(dir), so, &s));
  ProfileOptions po;
  po.warmup = 0;
  po.runs = 2;
  po.measure_workload = false;
  PerfReport r;
  ASSERT_TRUE(evaluate_performance(*s, {{"x", Tensor(DType::F32, {1, 64, 56, 56})}}, po, Roofs{}, &r));
  for (const LayerProfile& l : r.layers) EXPECT_TRUE(l.workload.empty()) << l.op_type;
}

}  // namespace
}  // namespace layerscope
