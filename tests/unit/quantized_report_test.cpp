// Reports of quantized models, the pieces on their own (tests/cli/test_quantized_profile.py runs
// them end to end on a ResNet-50 quantized in the test): the int8 roof, matching a float report
// with a quantized one, the quantization findings, on reports written out layer by layer.
#include <gtest/gtest.h>

#include <cmath>

#include "compare/match.h"
#include "layerscope/compare.h"
#include "layerscope/findings.h"
#include "layerscope/profile.h"
#include "profile/roofline.h"
#include "util/json.h"

namespace layerscope {
namespace {

Stats stats(double median) {
  Stats s;
  s.count = 5;
  s.median = s.mean = s.min = median;
  s.p90 = s.max = median * 1.01;
  return s;
}

LayerProfile layer(int id, const std::string& op, const std::string& type, std::vector<std::string> names, double us,
                   std::vector<std::string> in = {}, std::vector<std::string> out = {}) {
  LayerProfile l;
  l.id = id;
  l.op_type = op;
  l.data_type = type;
  l.source_names = std::move(names);
  l.input_names = std::move(in);
  l.output_names = std::move(out);
  l.input_shapes = {{1, 8}};
  l.output_shapes = {{1, 8}};
  l.kernel = "onednn:test";
  l.time_us = stats(us);
  l.workload = {1.0};
  return l;
}

PerfReport report(std::vector<LayerProfile> layers) {
  PerfReport r;
  r.runs = 5;
  r.threads = 1;
  r.layers = std::move(layers);
  for (const LayerProfile& l : r.layers) r.layer_sum_us += l.time_us.median;
  return r;
}

Roofs roofs(double fp32, double int8) {
  Roofs r;
  r.measured = true;
  r.clock_ghz = 2.0;
  r.macs_per_cycle_per_core = fp32;
  r.int8_macs_per_cycle_per_core = int8;
  r.bandwidth_gbs_one_core = r.bandwidth_gbs_all_cores = 20;
  r.cores = 2;
  return r;
}

TEST(QuantizedReport, Int8LayersUseTheInt8Peak) {
  const Roofs r = roofs(32, 128);
  LayerProfile f = layer(1, "Conv", "FLOAT", {"c"}, 100);
  LayerProfile q = layer(2, "QLinearConv", "INT8", {"c"}, 100);
  LayerProfile u = layer(3, "QLinearConv", "UINT8", {"c"}, 100);
  for (LayerProfile* l : {&f, &q, &u}) {
    l->macs = 1.6e7;
    apply_roofline(r, 1, *l);
  }
  // compute cycles = MACs / peak; MacUsage = MACs / time / (peak * clock)
  EXPECT_DOUBLE_EQ(f.compute_cycles, 1.6e7 / 32);
  EXPECT_DOUBLE_EQ(q.compute_cycles, 1.6e7 / 128);
  EXPECT_DOUBLE_EQ(u.compute_cycles, 1.6e7 / 128);
  ASSERT_EQ(f.mac_usage_pct.size(), 1u);
  EXPECT_NEAR(f.mac_usage_pct[0], 100.0 * 1.6e7 / 100e-6 / (32 * 2e9), 1e-9);   // 250%: fp32 peak
  EXPECT_NEAR(q.mac_usage_pct[0], 100.0 * 1.6e7 / 100e-6 / (128 * 2e9), 1e-9);  // 62.5%
  EXPECT_EQ(q.bound, "compute");
}

TEST(QuantizedReport, Int8LayerWithoutAnInt8PeakHasNoDerivedFigures) {
  LayerProfile q = layer(1, "QLinearConv", "INT8", {"c"}, 100);
  q.macs = 1e6;
  q.bytes_read = 1000;
  apply_roofline(roofs(32, 0), 1, q);
  EXPECT_EQ(q.compute_cycles, 0);
  EXPECT_EQ(q.total_cycles, 0);
  EXPECT_TRUE(q.mac_usage_pct.empty());
  EXPECT_EQ(q.bound, "");
  // Without MACs an int8 layer is bounded by memory alone: that needs no int8 peak.
  LayerProfile dq = layer(2, "DequantizeLinear", "INT8", {"d"}, 10);
  dq.bytes_read = 1000;
  apply_roofline(roofs(32, 0), 1, dq);
  EXPECT_GT(dq.mem_cycles, 0);
  EXPECT_EQ(dq.bound, "memory");
}

// A float ResNet block against its int8 version, as the two reports name their layers.
TEST(QuantizedReport, CompareMatchesFloatAndInt8LayersByNodeName) {
  PerfReport fp32 = report({
      layer(1, "ConvRelu", "FLOAT", {"conv1", "relu1"}, 100),
      layer(2, "ConvAddRelu", "FLOAT", {"conv2", "add", "relu2"}, 200),
      layer(3, "Relu", "FLOAT", {"relu3"}, 10),
  });
  PerfReport int8 = report({
      layer(1, "QuantizeLinear", "INT8", {"x_QuantizeLinear"}, 5),
      layer(2, "QLinearConv", "INT8", {"conv1", "relu1", "relu1_output_0_QuantizeLinear"}, 40),
      layer(3, "QLinearConv", "INT8", {"conv2", "conv2_output_0_QuantizeLinear"}, 50),
      layer(4, "QLinearAdd", "INT8", {"add", "relu2", "relu2_output_0_QuantizeLinear"}, 30),
      // Its name extends the float Relu's: a converter suffix, but a conversion has no float twin.
      layer(5, "DequantizeLinear", "INT8", {"relu3_output_0_DequantizeLinear"}, 7),
  });
  const Comparison c = compare_reports(fp32, int8, "fp32", "int8");
  auto row_a = [&](int id) -> const LayerChange& {
    for (const LayerChange& l : c.layers)
      if (l.id_a == id) return l;
    ADD_FAILURE() << "no row for A #" << id;
    return c.layers.front();
  };
  EXPECT_EQ(row_a(1).id_b, 2);
  EXPECT_EQ(row_a(1).match, "name");
  EXPECT_DOUBLE_EQ(row_a(1).time.speedup, 100.0 / 40);
  EXPECT_EQ(row_a(1).data_type_a, "FLOAT");
  EXPECT_EQ(row_a(1).data_type_b, "INT8");
  // The float ConvAddRelu became two int8 layers: one row, their times summed.
  EXPECT_EQ(row_a(2).id_b, 3);
  EXPECT_EQ(row_a(2).more_ids_b, std::vector<int>{4});
  EXPECT_EQ(row_a(2).op_type_b, "QLinearConv+QLinearAdd");
  EXPECT_DOUBLE_EQ(row_a(2).time.b.median_us, 80);
  EXPECT_DOUBLE_EQ(row_a(2).time.speedup, 200.0 / 80);
  EXPECT_EQ(row_a(3).id_b, 0);  // the float Relu is not paired with the DequantizeLinear
  EXPECT_EQ(row_a(3).time.verdict, "removed");
  int added = 0;
  for (const LayerChange& l : c.layers)
    if (l.id_a == 0) {
      ++added;
      EXPECT_TRUE(l.op_type_b == "QuantizeLinear" || l.op_type_b == "DequantizeLinear") << l.op_type_b;
    }
  EXPECT_EQ(added, 2);
  // Reversed (A = int8): the int8 layers of one float layer join its row on the A side.
  const Comparison r = compare_reports(int8, fp32, "int8", "fp32");
  bool found = false;
  for (const LayerChange& l : r.layers)
    if (l.id_a == 3) {
      found = true;
      EXPECT_EQ(l.id_b, 2);
      EXPECT_EQ(l.more_ids_a, std::vector<int>{4});
      EXPECT_DOUBLE_EQ(l.time.a.median_us, 80);
    }
  EXPECT_TRUE(found);
  const std::string text = format_comparison_text(c);
  EXPECT_NE(text.find("2.50x"), std::string::npos);
  EXPECT_NE(text.find("3+4"), std::string::npos);
  EXPECT_NE(text.find("FLOAT/INT8"), std::string::npos);
  JsonValue doc;
  std::string err;
  ASSERT_TRUE(parse_json(comparison_json(c), &doc, &err)) << err;
  bool row_in_json = false;
  for (const JsonValue& l : doc.find("layers")->as_array()) {
    if (l.find("id_a")->is_null() || l.find("id_a")->as_number() != 2) continue;
    row_in_json = true;
    ASSERT_EQ(l.find("more_ids_b")->as_array().size(), 1u);
    EXPECT_EQ(l.find("more_ids_b")->as_array()[0].as_number(), 4);
    EXPECT_DOUBLE_EQ(l.find("speedup")->as_number(), 2.5);
    EXPECT_EQ(l.find("data_type_b")->as_string(), "INT8");
  }
  EXPECT_TRUE(row_in_json);
}

const Finding* finding(const std::vector<Finding>& list, const std::string& kind, const std::string& words) {
  for (const Finding& f : list)
    if (f.kind == kind && f.title.find(words) != std::string::npos) return &f;
  return nullptr;
}

TEST(QuantizedReport, FindingsFlagFloatLayersBetweenDequantizeAndQuantize) {
  // DQ -> Reorder -> Conv -> Relu -> Q : a Conv the int8 passes left in float (through a layout
  // Reorder and the activation the int8 layer would absorb); a Gemm writing the float output is
  // not between a DQ and a Q; an int8 layer on the reference kernel.
  std::vector<LayerProfile> layers = {
      layer(1, "QuantizeLinear", "INT8", {"q0"}, 20, {"x", "s", "z"}, {"xq"}),
      layer(2, "DequantizeLinear", "INT8", {"dq1"}, 20, {"xq", "s", "z"}, {"xf"}),
      layer(3, "Reorder", "FLOAT", {"xf/to_nhwc"}, 10, {"xf"}, {"xf_nhwc"}),
      layer(4, "Conv", "FLOAT", {"conv"}, 400, {"xf_nhwc", "w", "b"}, {"c"}),
      layer(5, "Relu", "FLOAT", {"relu"}, 30, {"c"}, {"r"}),
      layer(6, "QuantizeLinear", "INT8", {"q1"}, 20, {"r", "s", "z"}, {"rq"}),
      layer(7, "QLinearConv", "INT8", {"conv2", "q2"}, 300, {"rq", "s", "z", "w2"}, {"y8"}),
      layer(8, "DequantizeLinear", "INT8", {"dq3"}, 20, {"y8", "s", "z"}, {"yf"}),
      layer(9, "Gemm", "FLOAT", {"fc"}, 100, {"yf", "w3", "b3"}, {"out"}),
  };
  layers[3].macs = layers[6].macs = layers[8].macs = 1e6;
  layers[6].kernel = "ref";
  const std::vector<Finding> found = find_findings(report(layers));
  const Finding* in_float = finding(found, "int8_fallback", "ran in float between DequantizeLinear and QuantizeLinear");
  ASSERT_NE(in_float, nullptr);
  EXPECT_EQ(in_float->layer_ids, std::vector<int>{4});
  EXPECT_NE(in_float->title.find("1 layer of the quantized model"), std::string::npos) << in_float->title;
  const Finding* on_ref = finding(found, "int8_fallback", "reference kernels");
  ASSERT_NE(on_ref, nullptr);
  EXPECT_EQ(on_ref->layer_ids, std::vector<int>{7});
  // The int8 layer on 'ref' is this rule's, not counted again by the general fallback rule.
  EXPECT_EQ(finding(found, "fallback_kernels", ""), nullptr);
  const Finding* conversions = finding(found, "quant_conversions", "Converting between float and int8");
  ASSERT_NE(conversions, nullptr);
  EXPECT_EQ(conversions->layer_ids, (std::vector<int>{1, 2, 6, 8}));
  EXPECT_NEAR(conversions->time_share_pct, 100.0 * 80 / 920, 1e-9);
  EXPECT_NE(conversions->detail.find("#2 DequantizeLinear dq1: 20 us"), std::string::npos) << conversions->detail;
  EXPECT_NE(conversions->detail.find(", to Reorder"), std::string::npos) << conversions->detail;
}

TEST(QuantizedReport, NoQuantizationFindingsForAFloatModel) {
  std::vector<LayerProfile> layers = {
      layer(1, "Conv", "FLOAT", {"conv"}, 400, {"x", "w"}, {"c"}),
      layer(2, "Relu", "FLOAT", {"relu"}, 30, {"c"}, {"r"}),
  };
  layers[0].macs = 1e6;
  for (const Finding& f : find_findings(report(layers)))
    EXPECT_TRUE(f.kind != "int8_fallback" && f.kind != "quant_conversions") << f.title;
}

}  // namespace
}  // namespace layerscope
