// An accuracy analysis joined with a profile (attach_accuracy, `perf --accuracy`), the pieces on
// their own on hand-made reports (tests/quant/test_accuracy_section.py runs them end to end on a
// quantized MobileNetV2): the time join over fused rows, the refusal of another model's analysis,
// perf.json's round trip of every metric form, and the accuracy_loss finding's severity and advice.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "layerscope/accuracy.h"
#include "layerscope/findings.h"
#include "layerscope/report.h"
#include "report/json_reader.h"

namespace layerscope {
namespace {

LayerProfile row(int id, const std::string& op, std::vector<std::string> names, double us) {
  LayerProfile l;
  l.id = id;
  l.op_type = op;
  l.data_type = "INT8";
  l.source_names = std::move(names);
  l.kernel = "onednn:test";
  l.time_us.median = l.time_us.mean = l.time_us.min = l.time_us.max = l.time_us.p90 = us;
  l.time_us.count = 3;
  return l;
}

// QLinearConv fused over conv1 + relu1 (40 us), QLinearAdd for add (60 us).
PerfReport profile() {
  PerfReport r;
  r.model_path = "m.int8.onnx";
  r.runs = 3;
  r.threads = 1;
  r.layers = {row(1, "QLinearConv", {"conv1", "relu1"}, 40), row(2, "QLinearAdd", {"add"}, 60)};
  r.layer_sum_us = 100;
  return r;
}

Metric metric(double v) {
  Metric m;
  m.defined = true;
  m.value = v;
  m.worst = v - 1;
  m.samples = 2;
  return m;
}

LayerAccuracy analysed(const std::string& node, const std::string& op, int rank, double single_sqnr) {
  LayerAccuracy l;
  l.node = node;
  l.op_type = op;
  l.rank = rank;
  l.entire = {metric(0.99), metric(0.1), metric(0.5), metric(single_sqnr - 5)};
  l.has_single = true;
  l.single = {metric(0.999), metric(0.05), metric(0.2), metric(single_sqnr)};
  return l;
}

AccuracyReport analysis(double worst_sqnr, double output_sqnr) {
  AccuracyReport a;
  a.float_model = "m.onnx";
  a.quant_model = "m.int8.onnx";
  a.source = "acc/accuracy.json";
  a.samples = 2;
  a.layers = {analysed("conv1", "Conv", 2, worst_sqnr + 10), analysed("relu1", "Relu", 3, worst_sqnr + 20),
              analysed("add", "Add", 1, worst_sqnr), analysed("elsewhere", "Conv", 4, worst_sqnr + 30)};
  a.outputs = {{"y", {metric(0.98), metric(0.2), metric(1.5), metric(output_sqnr)}}};
  return a;
}

const Finding* accuracy_finding(const std::vector<Finding>& findings) {
  for (const Finding& f : findings)
    if (f.kind == "accuracy_loss") return &f;
  return nullptr;
}

TEST(AccuracyAttach, EachLayerGetsTheTimeOfTheRowsNamingItsNode) {
  PerfReport p = profile();
  ASSERT_TRUE(attach_accuracy(analysis(25, 40), &p));
  ASSERT_TRUE(p.accuracy);
  const auto& l = p.accuracy->layers;
  EXPECT_DOUBLE_EQ(l[0].time_us, 40);  // conv1: the fused row's whole time
  EXPECT_DOUBLE_EQ(l[0].time_share_pct, 40);
  EXPECT_DOUBLE_EQ(l[1].time_us, 40);  // relu1: the same row
  EXPECT_DOUBLE_EQ(l[2].time_us, 60);
  EXPECT_DOUBLE_EQ(l[2].time_share_pct, 60);
  EXPECT_EQ(l[2].perf_layers, "QLinearAdd:add");
  EXPECT_EQ(l[3].time_us, -1);  // no row names it
  EXPECT_EQ(l[3].time_share_pct, -1);
  EXPECT_TRUE(p.accuracy->has_perf);
  ASSERT_EQ(p.accuracy->notes.size(), 1u);  // one row is fused over two analysed layers
  EXPECT_NE(p.accuracy->notes[0].find("1 perf layer(s) are fused"), std::string::npos);
}

TEST(AccuracyAttach, AnotherModelsAnalysisIsRefusedNamingBothFiles) {
  PerfReport p = profile();
  AccuracyReport other = analysis(25, 40);
  for (LayerAccuracy& l : other.layers) l.node = "other_" + l.node;
  const Status st = attach_accuracy(other, &p);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("acc/accuracy.json"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("m.int8.onnx"), std::string::npos) << st.message();
  EXPECT_FALSE(p.accuracy);
}

TEST(AccuracyAttach, PerfJsonCarriesEveryMetricFormExactly) {
  PerfReport p = profile();
  AccuracyReport a = analysis(25, 40);
  a.layers[0].entire.sqnr_db.value = a.layers[0].entire.sqnr_db.worst = std::numeric_limits<double>::infinity();
  a.layers[1].entire.cosine = Metric{false, NAN, NAN, 0, "the float tensor is all zero"};
  a.layers[3].has_single = false;
  a.layers[3].single_note = "no single model";
  a.layers[2].single.cosine.value = 0.1 + 0.2;  // a value without a short decimal form
  ASSERT_TRUE(attach_accuracy(a, &p));
  const PerfReport back = parse_perf_json(perf_report_json(p), "perf.json");
  ASSERT_TRUE(back.accuracy);
  const AccuracyReport& b = *back.accuracy;
  EXPECT_EQ(b.source, "acc/accuracy.json");
  ASSERT_EQ(b.layers.size(), a.layers.size());
  EXPECT_TRUE(std::isinf(b.layers[0].entire.sqnr_db.value) && b.layers[0].entire.sqnr_db.defined);
  EXPECT_FALSE(b.layers[1].entire.cosine.defined);
  EXPECT_EQ(b.layers[1].entire.cosine.note, "the float tensor is all zero");
  EXPECT_FALSE(b.layers[3].has_single);
  EXPECT_EQ(b.layers[3].single_note, "no single model");
  EXPECT_EQ(b.layers[2].single.cosine.value, 0.1 + 0.2);
  EXPECT_EQ(b.layers[2].single.sqnr_db.worst, a.layers[2].single.sqnr_db.worst);
  EXPECT_EQ(b.layers[2].time_us, 60);
  EXPECT_EQ(b.layers[3].time_share_pct, -1);
  EXPECT_EQ(b.outputs[0].error.sqnr_db.value, 40);
  // ... and the page rebuilt from it has the section; a report without one has none.
  EXPECT_NE(perf_report_html(back, find_findings(back)).find("<section id=\"accuracy\">"), std::string::npos);
  const PerfReport plain = profile();
  EXPECT_EQ(perf_report_html(plain, find_findings(plain)).find("<section id=\"accuracy\">"), std::string::npos);
  EXPECT_FALSE(parse_perf_json(perf_report_json(plain), "plain.json").accuracy);
}

TEST(AccuracyAttach, FindingSeverityFollowsTheLowerOfTheWorstLayersAndTheOutputsSqnr) {
  struct Case {
    double worst, output;
    const char* severity;
  };
  for (const Case& c : {Case{15, 40, "high"}, Case{25, 40, "medium"}, Case{35, 40, "info"}, Case{35, 18, "high"},
                        Case{35, 28, "medium"}}) {
    PerfReport p = profile();
    ASSERT_TRUE(attach_accuracy(analysis(c.worst, c.output), &p));
    const std::vector<Finding> findings = find_findings(p);
    const Finding* f = accuracy_finding(findings);
    ASSERT_TRUE(f) << c.worst;
    EXPECT_EQ(f->severity, c.severity) << "worst layer " << c.worst << " dB, output " << c.output << " dB";
    EXPECT_NE(f->title.find("[Add] add"), std::string::npos) << f->title;  // rank 1
    EXPECT_EQ(f->layer_ids, (std::vector<int>{1, 2}));  // the rows of add, conv1 (rank 2), relu1 (rank 3)
  }
  PerfReport plain = profile();
  EXPECT_FALSE(accuracy_finding(find_findings(plain)));
}

TEST(AccuracyAttach, FindingGivesTheKeepFloatAdviceItHas) {
  AccuracyReport a = analysis(15, 15);
  auto detail = [&](const AccuracyReport& acc) {
    PerfReport p = profile();
    EXPECT_TRUE(attach_accuracy(acc, &p));
    return accuracy_finding(find_findings(p))->detail;
  };
  EXPECT_NE(detail(a).find("--sensitivity"), std::string::npos);
  a.has_sensitivity = true;
  a.keep_float = {"add"};
  a.keep_float_output_cosine = 0.9991;
  a.quantize_command = "layerscope quantize m.onnx --dataset d --out m.kf.onnx --keep-float add";
  EXPECT_NE(detail(a).find("--keep-float add"), std::string::npos);
  a.keep_float.clear();
  a.target_reached = true;
  a.baseline_output_cosine = 0.9995;
  a.target_cosine = 0.999;
  EXPECT_NE(detail(a).find("already reaches"), std::string::npos);
  a.target_reached = false;
  EXPECT_NE(detail(a).find("found no layer"), std::string::npos);
}

}  // namespace
}  // namespace layerscope
