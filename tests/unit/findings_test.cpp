// Findings rules: each fires on a report built to trigger it, cites the right layers with their
// share of the time, and stays quiet on a healthy report or when the data it needs is missing.
#include "layerscope/findings.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace layerscope {
namespace {

constexpr double kClockGhz = 2.0;  // 2000 cycles per microsecond

Stats stats(double median) {
  Stats s;
  s.count = 10;
  s.median = median;
  s.min = median * 0.95;
  s.max = median * 1.2;
  s.p90 = median * 1.05;
  s.mean = median;
  return s;
}

// A healthy compute-bound layer: optimised kernel, 90% of its roof, 80% MacUsage, balanced.
LayerProfile healthy(int id, const std::string& op, double us) {
  LayerProfile l;
  l.id = id;
  l.op_type = op;
  l.data_type = "FLOAT";
  l.kernel = "onednn:brg:avx512_core";
  l.source_names = {"/" + op + "_" + std::to_string(id)};
  l.time_us = stats(us);
  l.workload = {0.5, 0.5};
  l.compute_cycles = 0.9 * us * kClockGhz * 1e3;
  l.mem_cycles = 0.1 * l.compute_cycles;
  l.total_cycles = l.compute_cycles;
  l.mac_usage_pct = {80, 80};
  l.bound = "compute";
  l.macs = 1e6;
  return l;
}

// Ten healthy layers of 100 us each (10% of the time each), measured roofs, honest timing.
PerfReport healthy_report() {
  PerfReport r;
  r.threads = 2;
  r.runs = 10;
  r.warmup = 2;
  r.roofs = Roofs{};
  r.roofs.clock_ghz = kClockGhz;
  r.roofs.macs_per_cycle_per_core = 32;
  r.roofs.bandwidth_gbs_one_core = 20;
  r.roofs.bandwidth_gbs_all_cores = 30;
  r.roofs.cores = 2;
  r.roofs.measured = true;
  for (int i = 1; i <= 10; ++i) r.layers.push_back(healthy(i, i % 2 ? "Conv" : "MatMul", 100));
  r.layer_sum_us = 1000;
  r.latency_ms = stats(1.02);
  r.profiled_latency_ms = stats(1.03);
  r.overhead_pct = 1.0;
  r.layer_sum_ratio_pct = 98;
  return r;
}

const Finding* find(const std::vector<Finding>& f, const std::string& kind) {
  for (const Finding& x : f)
    if (x.kind == kind) return &x;
  return nullptr;
}

std::vector<std::string> kinds(const std::vector<Finding>& f) {
  std::vector<std::string> k;
  for (const Finding& x : f) k.push_back(x.kind);
  return k;
}

TEST(Findings, HealthyReportOnlyDescribesTheBound) {
  std::vector<Finding> f = find_findings(healthy_report());
  EXPECT_EQ(kinds(f), std::vector<std::string>{"compute_bound"});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, "info");
  EXPECT_NEAR(f[0].time_share_pct, 100.0, 1e-9);
  EXPECT_NE(f[0].title.find("90.0% of their roofline time"), std::string::npos) << f[0].title;
  EXPECT_TRUE(find_findings(PerfReport{}).empty());
}

TEST(Findings, ReferenceKernelFallback) {
  PerfReport r = healthy_report();
  r.layers[2].kernel = "ref";
  r.layers[2].op_type = "GridSample";
  r.layers[2].time_us = stats(300);
  r.layers[6].kernel = "ref(dynamic)";
  r.layer_sum_us = 1200;
  std::vector<Finding> f = find_findings(r);
  const Finding* fb = find(f, "fallback_kernels");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->layer_ids, (std::vector<int>{3, 7}));
  EXPECT_NEAR(fb->time_share_pct, 100.0 * 400 / 1200, 1e-9);
  EXPECT_EQ(fb->severity, "high");  // a third of the time
  EXPECT_NE(fb->title.find("GridSample x1"), std::string::npos) << fb->title;
  EXPECT_EQ(f.front().kind, "fallback_kernels");  // high findings come first
}

// Layers of a Loop body are rows of their own (parent = the Loop's id) whose time is inside the
// Loop's: a finding citing the Loop and its body's layers counts that time once, and the time
// base is the top-level layers' sum.
TEST(Findings, BodyRowsAreCountedInsideTheirControlLayer) {
  PerfReport r = healthy_report();
  r.layers[2].op_type = "Loop";
  r.layers[2].kernel = "ref(dynamic)";  // cited by the fallback rule, with its body's layer
  r.layers[2].time_us = stats(300);
  LayerProfile body = healthy(4, "GridSample", 250);
  body.kernel = "ref";
  body.parent = 3;
  body.scope = "/Loop_3/body";
  body.calls = 5;
  body.workload = {};
  r.layers.insert(r.layers.begin() + 3, body);
  for (size_t i = 4; i < r.layers.size(); ++i) r.layers[i].id = static_cast<int>(i) + 1;
  r.layer_sum_us = 0;  // the time base is then the top-level rows' sum: 1200
  const std::vector<Finding> f = find_findings(r);
  const Finding* fb = find(f, "fallback_kernels");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->layer_ids, (std::vector<int>{3, 4}));
  EXPECT_NEAR(fb->time_share_pct, 100.0 * 300 / 1200, 1e-9);  // the body's 250 us are in the Loop's 300
  EXPECT_NE(fb->detail.find("#4 GridSample /Loop_3/body//GridSample_4: 250 us (20.8%)"), std::string::npos)
      << fb->detail;
}

TEST(Findings, TargetFallbackInImportedReports) {
  PerfReport r = healthy_report();
  r.imported_from = "RKNN eval_perf text, 2.x layout (x.txt)";
  r.roofs = Roofs{};
  for (LayerProfile& l : r.layers) {
    l.kernel = "";
    l.target = "NPU";
  }
  r.layers[0].op_type = "InputOperator";  // I/O rows always run on the CPU: not a fallback
  r.layers[0].target = "CPU";
  r.layers[4].op_type = "Resize";
  r.layers[4].target = "CPU";
  const std::vector<Finding> fb_all = find_findings(r);
  const Finding* fb = find(fb_all, "fallback_kernels");
  ASSERT_NE(fb, nullptr);
  EXPECT_EQ(fb->layer_ids, std::vector<int>{5});
  EXPECT_NE(fb->title.find("from the NPU to the CPU"), std::string::npos) << fb->title;
  EXPECT_NEAR(fb->time_share_pct, 10.0, 1e-9);

  for (LayerProfile& l : r.layers) l.target = "CPU";  // a CPU-only model has nothing to fall back from
  EXPECT_EQ(find(find_findings(r), "fallback_kernels"), nullptr);
}

TEST(Findings, GenericConvolutionOnlyForConvLayers) {
  PerfReport r = healthy_report();
  r.layers[0].kernel = "onednn:x64:gemm:jit";  // Conv
  r.layers[0].mac_usage_pct = {3, 3};
  r.layers[1].kernel = "onednn:x64:gemm:jit";  // MatMul: gemm is its specialised path
  const std::vector<Finding> g_all = find_findings(r);
  const Finding* g = find(g_all, "generic_kernels");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->layer_ids, std::vector<int>{1});
  EXPECT_NE(g->detail.find("MacUsage 3.0%"), std::string::npos) << g->detail;
  EXPECT_NE(g->severity, "high");  // a possible, not a certain, loss
}

TEST(Findings, DataMovementAboveThreshold) {
  PerfReport r = healthy_report();
  r.layers[3].op_type = "Transpose";
  r.layers[5].op_type = "Reshape";
  const std::vector<Finding> d_all = find_findings(r);
  const Finding* d = find(d_all, "data_movement");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->layer_ids, (std::vector<int>{4, 6}));
  EXPECT_NEAR(d->time_share_pct, 20.0, 1e-9);
  EXPECT_EQ(d->severity, "high");

  r.layers[5].op_type = "MatMul";
  r.layers[3].time_us = stats(30);  // 30 / 930 = 3.2%: below the threshold
  r.layer_sum_us = 930;
  EXPECT_EQ(find(find_findings(r), "data_movement"), nullptr);
}

TEST(Findings, FarFromRoofNeedsMeasuredRoofs) {
  PerfReport r = healthy_report();
  r.layers[7].compute_cycles = r.layers[7].total_cycles = 0.1 * 100 * kClockGhz * 1e3;  // 10% of its roof
  std::vector<Finding> f = find_findings(r);
  const Finding* far = find(f, "far_from_roof");
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(far->layer_ids, std::vector<int>{8});
  EXPECT_NE(far->detail.find("10.0% of its roof"), std::string::npos) << far->detail;

  r.roofs.measured = false;  // no clock: the distance to the roof is unknown
  f = find_findings(r);
  EXPECT_EQ(find(f, "far_from_roof"), nullptr);
  EXPECT_EQ(find(f, "compute_bound"), nullptr);
}

TEST(Findings, MemoryAndComputeBoundSplit) {
  PerfReport r = healthy_report();
  r.layers[9].bound = "memory";
  r.layers[9].mem_cycles = r.layers[9].total_cycles;
  std::vector<Finding> f = find_findings(r);
  const Finding* mem = find(f, "memory_bound");
  const Finding* cmp = find(f, "compute_bound");
  ASSERT_NE(mem, nullptr);
  ASSERT_NE(cmp, nullptr);
  EXPECT_EQ(mem->layer_ids, std::vector<int>{10});
  EXPECT_NEAR(mem->time_share_pct, 10.0, 1e-9);
  EXPECT_EQ(cmp->layer_ids.size(), 9u);
}

TEST(Findings, DominantLayersWithLowMacUsage) {
  PerfReport r = healthy_report();
  r.layers[4].mac_usage_pct = {12, 8};  // 10% of the time, 10% MacUsage
  const std::vector<Finding> low_all = find_findings(r);
  const Finding* low = find(low_all, "low_mac_usage");
  ASSERT_NE(low, nullptr);
  EXPECT_EQ(low->layer_ids, std::vector<int>{5});
  EXPECT_NE(low->detail.find("MacUsage 10.0%"), std::string::npos) << low->detail;

  // The same usage on a layer with 1% of the time is not dominant.
  r.layers[4].time_us = stats(10);
  r.layer_sum_us = 910;
  EXPECT_EQ(find(find_findings(r), "low_mac_usage"), nullptr);
}

TEST(Findings, WorkloadImbalance) {
  PerfReport r = healthy_report();
  r.layers[1].workload = {0.9, 0.1};
  r.layers[2].workload = {0.6, 0.4};  // within 1.5x of the fair share
  const std::vector<Finding> w_all = find_findings(r);
  const Finding* w = find(w_all, "workload_imbalance");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->layer_ids, std::vector<int>{2});
  EXPECT_NE(w->detail.find("busiest worker 90%"), std::string::npos) << w->detail;

  // Every layer on worker 0 (one core in use by choice): nothing to spread.
  for (LayerProfile& l : r.layers) l.workload = {1.0, 0.0};
  EXPECT_EQ(find(find_findings(r), "workload_imbalance"), nullptr);
  for (LayerProfile& l : r.layers) l.workload = {1.0};
  EXPECT_EQ(find(find_findings(r), "workload_imbalance"), nullptr);
}

TEST(Findings, MeasurementDisagreement) {
  PerfReport r = healthy_report();
  r.overhead_pct = 25;
  const std::vector<Finding> m_all = find_findings(r);
  const Finding* m = find(m_all, "measurement");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->layer_ids.empty());
  r.overhead_pct = 1;
  r.layer_sum_ratio_pct = 60;
  EXPECT_NE(find(find_findings(r), "measurement"), nullptr);
  r.latency_ms = Stats{};  // imported: no end-to-end run to disagree with
  EXPECT_EQ(find(find_findings(r), "measurement"), nullptr);
}

TEST(Findings, OrderAndText) {
  PerfReport r = healthy_report();
  r.layers[0].kernel = "ref";         // 10%: medium
  r.layers[1].op_type = "Transpose";  // with layer 4: 20% data movement, high
  r.layers[3].op_type = "Concat";
  std::vector<Finding> f = find_findings(r);
  ASSERT_GE(f.size(), 3u);
  EXPECT_EQ(f[0].kind, "data_movement");
  EXPECT_EQ(f[1].kind, "fallback_kernels");
  EXPECT_EQ(f.back().severity, "info");

  std::string text = format_findings_text(f);
  EXPECT_NE(text.find("Findings"), std::string::npos);
  EXPECT_NE(text.find("1. [high] " + f[0].title), std::string::npos) << text;
  EXPECT_NE(text.find("Layer IDs: 2 4\n"), std::string::npos) << text;
  // Detail paragraphs wrap at 100 columns; evidence lines (one per layer) stay whole.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    if (line.rfind("   ", 0) == 0 && line.rfind("     #", 0) != 0) {
      EXPECT_LE(line.size(), 100u) << line;
    }
    pos = nl + 1;
  }
  std::string text_none = format_findings_text({});
  EXPECT_NE(text_none.find("No rule fired"), std::string::npos);

  // Long id lists are elided in the text but complete in the finding.
  Finding many;
  many.kind = "x";
  many.severity = "info";
  many.title = "t";
  for (int i = 1; i <= 30; ++i) many.layer_ids.push_back(i);
  EXPECT_NE(format_findings_text({many}).find("... (30 in all)"), std::string::npos);
}

}  // namespace
}  // namespace layerscope
