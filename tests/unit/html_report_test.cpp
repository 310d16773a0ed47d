// report.html (perf_report_html) on a hand-built PerfReport: every layer is in the page, the
// embedded JSON parses back, nothing refers to the network, and no datum can end a <script>.
// The page's script and charts are exercised in a real browser by tests/html/test_html_report.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "layerscope/findings.h"
#include "layerscope/report.h"
#include "onnx_builder.h"
#include "report/html_parts.h"
#include "util/json.h"

namespace layerscope {
namespace {

const char* const kBreakout = "</script><script>alert(1)</script><!--";

Stats stats(double median, int count) {
  Stats s;
  s.median = s.min = s.max = s.p90 = s.mean = median;
  s.count = count;
  return s;
}

LayerProfile layer(int id, const std::string& op, std::vector<std::string> names, double macs, int64_t bytes, double us,
                   const std::string& kernel, const std::string& bound) {
  LayerProfile l;
  l.id = id;
  l.op_type = op;
  l.data_type = "FLOAT";
  l.input_shapes = {{1, 8, 16, 16}};
  l.output_shapes = {{1, 8, 16, 16}};
  l.kernel = kernel;
  l.source_names = std::move(names);
  l.macs = macs;
  l.other_ops = macs > 0 ? 0 : 2048;
  l.bytes_read = bytes;
  l.bytes_written = bytes / 2;
  l.time_us = stats(us, 10);
  l.workload = {0.6, 0.4};
  l.bound = bound;
  if (!bound.empty()) {
    l.mem_cycles = 1000;
    l.compute_cycles = 2000;
    l.total_cycles = 2000;
  }
  if (macs > 0) l.mac_usage_pct = {40, 30};
  l.live_activation_bytes = 8192 * id;
  return l;
}

PerfReport sample_report(bool roofs_measured = true) {
  PerfReport r;
  r.model_path = "/models/tiny & \"quoted\".onnx";
  r.threads = 2;
  r.warmup = 1;
  r.runs = 10;
  r.roofs.measured = roofs_measured;
  if (roofs_measured) {
    r.roofs.cpu_model = "Test CPU <x86> @ 3.5GHz";
    r.roofs.clock_ghz = 3.5;
    r.roofs.macs_per_cycle_per_core = 32;
    r.roofs.bandwidth_gbs_one_core = 14.5;
    r.roofs.bandwidth_gbs_all_cores = 22.25;
    r.roofs.cores = 2;
  }
  r.layers = {layer(1, "Conv", {"conv1"}, 1.2e8, 600000, 800, "onednn:brg:avx512_core", "compute"),
              layer(2, "Add", {"block1/add", kBreakout}, 0, 90000, 300, "ref", "memory"),
              layer(3, "Reshape", {"flatten"}, 0, 0, 1.5, "native:copy", "")};
  r.layer_sum_us = 800 + 300 + 1.5;
  r.ranking = {{"Conv", 1, 800, 72.6}, {"Add", 1, 300, 27.2}, {"Reshape", 1, 1.5, 0.1}};
  r.latency_ms = stats(1.125, 10);
  r.profiled_latency_ms = stats(1.1875, 10);
  r.overhead_pct = 5.5555;
  r.layer_sum_ratio_pct = 97.9;
  r.memory.weight_bytes = 37632;
  r.memory.internal_bytes = 24576;
  r.memory.other_bytes = 16384;
  r.memory.total_bytes = 37632 + 24576 + 16384;
  r.memory.model_file_bytes = 38400;
  r.memory.naive_activation_bytes = 49152;
  return r;
}

std::vector<Finding> sample_findings() {
  Finding f;
  f.kind = "fallback_kernels";
  f.severity = "high";
  f.title = "1 layer ran on the generic 'ref' kernel </script>";
  f.detail = "Add <fast> path missing";
  f.time_share_pct = 27.2;
  f.layer_ids = {2, 99};  // 99 is not in the report: shown, but not as a link
  return {f};
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The text of <script type="application/json" id="report-data">, as the browser sees it.
std::string data_blob(const std::string& page) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  if (begin == std::string::npos) return "";
  const size_t end = page.find("</script>", begin);  // what the HTML tokenizer does
  return page.substr(begin + open.size(), end - begin - open.size());
}

TEST(HtmlReport, HasEverySectionLayerAndHeadline) {
  const PerfReport r = sample_report();
  const std::string page = perf_report_html(r, sample_findings());
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"summary", "findings", "charts", "layers", "optypes", "layer-table", "optype-table",
                         "chart-layer-time", "chart-optype-time", "chart-roofline", "chart-activation-memory"})
    EXPECT_NE(page.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  for (const LayerProfile& l : r.layers) {
    SCOPED_TRACE(l.id);
    EXPECT_NE(page.find(html::escape(layer_full_name(l.op_type, l.source_names))), std::string::npos);
    EXPECT_EQ(count(page, "<tr id=\"layer-" + std::to_string(l.id) + "\""), 1u);
  }
  EXPECT_EQ(count(page, "<tr id=\"layer-"), r.layers.size());
  EXPECT_NE(page.find("Profiling overhead: <strong>+5.6%</strong>"), std::string::npos);
  EXPECT_NE(page.find("Layer sum / end-to-end: <strong>97.9%</strong>"), std::string::npos);
  EXPECT_NE(page.find("Test CPU &lt;x86&gt; @ 3.5GHz"), std::string::npos);
  EXPECT_NE(page.find("/models/tiny &amp; &quot;quoted&quot;.onnx"), std::string::npos);
  EXPECT_NE(page.find("32.0 fp32 MACs/cycle/core"), std::string::npos);
  EXPECT_NE(page.find("448.0 GFLOP/s on 2 core(s)"), std::string::npos);  // 2 x 32 x 3.5 x 2
  EXPECT_NE(page.find("14.5 GB/s (1 core) / 22.2 GB/s (all cores)"), std::string::npos);
  // Sort values: the raw number, not the shown text; unknown (no cycles for the reshape) empty.
  EXPECT_NE(page.find("data-v=\"800\""), std::string::npos);
  EXPECT_NE(page.find("class=\"kernel fallback\""), std::string::npos);
}

// Body rows (a Loop's layers, an If's inside it) sit under their control layer's row, marked and
// indented by depth, their FullName after their scope; the findings' links name them so too.
TEST(HtmlReport, BodyRowsAreNestedUnderTheirControlLayer) {
  PerfReport r = sample_report();
  r.layers[2] = layer(3, "Loop", {"loop_0"}, 0, 0, 200, "bodies(dynamic)", "");
  LayerProfile branch = layer(4, "If", {"inner_if"}, 0, 0, 150, "bodies(dynamic)", "");
  branch.parent = 3;
  branch.scope = "loop_0/body";
  branch.calls = 4;
  LayerProfile mul = layer(5, "Mul", {"double"}, 0, 4096, 100, "native:binary", "memory");
  mul.parent = 4;
  mul.scope = "loop_0/body/inner_if/then_branch";
  mul.calls = 4;
  r.layers.push_back(branch);
  r.layers.push_back(mul);
  Finding f;
  f.kind = "data_movement";
  f.layer_ids = {5};
  const std::string page = perf_report_html(r, {f});
  EXPECT_EQ(count(page, "class=\"body-row\""), 2u);
  EXPECT_NE(page.find("<tr id=\"layer-4\" data-op=\"If\" class=\"body-row\" data-parent=\"3\" style=\"--depth:1\">"),
            std::string::npos);
  EXPECT_NE(page.find("<tr id=\"layer-5\" data-op=\"Mul\" class=\"body-row\" data-parent=\"4\" style=\"--depth:2\">"),
            std::string::npos);
  EXPECT_LT(page.find("id=\"layer-3\""), page.find("id=\"layer-4\""));  // under the Loop, in report order
  EXPECT_NE(page.find(">loop_0/body/inner_if/then_branch/Mul:double</td>"), std::string::npos);
  EXPECT_NE(page.find("title=\"loop_0/body/inner_if/then_branch/Mul:double\">#5 Mul</a>"), std::string::npos);
  EXPECT_NE(page.find("per run, summed over its 4 calls"), std::string::npos);
  EXPECT_EQ(count(page, "<tr id=\"layer-1\" data-op=\"Conv\">"), 1u);  // top-level rows unchanged
}

TEST(HtmlReport, FindingsLinkToTheirLayerRows) {
  const std::string page = perf_report_html(sample_report(), sample_findings());
  EXPECT_NE(page.find("<li class=\"finding sev-high\" data-kind=\"fallback_kernels\">"), std::string::npos);
  EXPECT_NE(page.find("1 layer ran on the generic &#39;ref&#39; kernel &lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("Add &lt;fast&gt; path missing"), std::string::npos);
  EXPECT_NE(page.find("27.2% of layer time"), std::string::npos);
  EXPECT_NE(page.find("<a class=\"layer-link\" href=\"#layer-2\""), std::string::npos);
  EXPECT_EQ(page.find("href=\"#layer-99\""), std::string::npos);
  EXPECT_NE(page.find("<span class=\"layer-link missing\">#99</span>"), std::string::npos);

  const std::string none = perf_report_html(sample_report(), {});
  EXPECT_NE(none.find("id=\"no-findings\""), std::string::npos);
}

TEST(HtmlReport, EmbeddedJsonParsesBackToTheReport) {
  const PerfReport r = sample_report();
  const std::vector<Finding> findings = sample_findings();
  const std::string blob = data_blob(perf_report_html(r, findings));
  JsonValue doc;
  std::string err;
  ASSERT_TRUE(parse_json(blob, &doc, &err)) << err;
  const JsonValue* report = doc.find("report");
  ASSERT_NE(report, nullptr);
  EXPECT_EQ(report->find("schema")->as_string(), "layerscope.perf");
  EXPECT_EQ(report->find("model_path")->as_string(), r.model_path);
  EXPECT_EQ(report->find("roofs")->find("cpu_model")->as_string(), r.roofs.cpu_model);
  const auto& layers = report->find("layers")->as_array();
  ASSERT_EQ(layers.size(), r.layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& names = layers[i].find("source_names")->as_array();
    ASSERT_EQ(names.size(), r.layers[i].source_names.size());
    for (size_t k = 0; k < names.size(); ++k) EXPECT_EQ(names[k].as_string(), r.layers[i].source_names[k]);
    EXPECT_EQ(layers[i].find("time_us")->find("median")->as_number(), r.layers[i].time_us.median);
  }
  EXPECT_EQ(report->find("ranking")->as_array().size(), r.ranking.size());
  const auto& f = doc.find("findings")->as_array();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].find("title")->as_string(), findings[0].title);
  EXPECT_EQ(f[0].find("layer_ids")->as_array().size(), 2u);
}

TEST(HtmlReport, NoDatumCanEndOrConfuseAScriptElement) {
  PerfReport r = sample_report();
  r.model_path = std::string("/m/") + kBreakout + ".onnx";
  const std::string page = perf_report_html(r, sample_findings());
  // Only the page's own two scripts (the data blob and the code) end; "<script" inside the blob
  // is inert text for the HTML tokenizer as long as no "<!--" precedes it.
  EXPECT_EQ(count(page, "</script"), 2u);
  EXPECT_EQ(count(page, "<!--"), 0u);
  const std::string blob = data_blob(page);
  EXPECT_EQ(blob.find("</"), std::string::npos);
  JsonValue doc;
  ASSERT_TRUE(parse_json(blob, &doc));
  EXPECT_EQ(doc.find("report")->find("layers")->as_array()[1].find("source_names")->as_array()[1].as_string(),
            kBreakout);
  EXPECT_EQ(doc.find("report")->find("model_path")->as_string(), r.model_path);
}

TEST(HtmlReport, RefersToNothingOutsideTheFile) {
  const std::string page = perf_report_html(sample_report(), sample_findings());
  for (const char* needle : {"http://", "https://", "//cdn", "src=", "@import", "url(", "<link", "@font-face"})
    EXPECT_EQ(page.find(needle), std::string::npos) << needle;
  // Every link stays inside the page.
  for (size_t at = page.find("href=\""); at != std::string::npos; at = page.find("href=\"", at + 1))
    EXPECT_EQ(page[at + 6], '#') << page.substr(at, 40);
}

TEST(HtmlReport, UnmeasuredRoofsSaySo) {
  const std::string page = perf_report_html(sample_report(false), {});
  EXPECT_NE(page.find("not measured"), std::string::npos);
  EXPECT_NE(page.find("no roof lines are drawn"), std::string::npos);
  EXPECT_EQ(count(page, "<tr id=\"layer-"), 3u);
}

// An imported eval_perf text: the board's cycles, no end-to-end runs, no measured roofs.
TEST(HtmlReport, ImportedReportShowsBoardCyclesAndNoLatency) {
  PerfReport r = sample_report(false);
  r.imported_from = "RKNN eval_perf text, 2.x layout (board.txt)";
  r.latency_ms = Stats{};
  r.profiled_latency_ms = Stats{};
  r.layers[0].mem_cycles = 324681;
  r.layers[0].compute_cycles = 28374528;
  r.layers[0].total_cycles = 28374528;
  const std::string page = perf_report_html(r, {});
  EXPECT_NE(page.find("RKNN eval_perf text, 2.x layout (board.txt)"), std::string::npos);
  EXPECT_NE(page.find(">324681/28374528/28374528<"), std::string::npos);
  EXPECT_NE(page.find("No end-to-end runs in this report"), std::string::npos);
  EXPECT_EQ(page.find("Profiling overhead: <strong>"), std::string::npos);
}

TEST(HtmlReport, ScriptSafeJsonKeepsValuesAndDropsLayout) {
  EXPECT_EQ(html::script_safe_json("{\n  \"a b\": \"x</y\",\n  \"c\": [1, 2]\n}\n"),
            "{\"a b\":\"x<\\/y\",\"c\":[1,2]}");
  EXPECT_EQ(html::script_safe_json("\"\\\"</\\\\\""), "\"\\\"<\\/\\\\\"");  // escapes are copied whole
  EXPECT_EQ(html::script_safe_json("\"<!-- <a>\""), "\"\\u003c!-- <a>\"");
}

TEST(HtmlReport, WritePerfReportsWritesThePageWithTheFindings) {
  testing::TempDir tmp;
  const PerfReport r = sample_report();
  Status st = write_perf_reports(r, tmp.path().string(), "text\n");
  ASSERT_TRUE(st) << st.message();
  std::ifstream in(tmp.path() / "report.html", std::ios::binary);
  std::stringstream page;
  page << in.rdbuf();
  EXPECT_EQ(page.str(), perf_report_html(r, find_findings(r)));
  EXPECT_NE(page.str().find("id=\"findings\""), std::string::npos);
}

}  // namespace
}  // namespace layerscope
