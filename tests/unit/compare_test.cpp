// A/B comparison: the three matching passes, the noise verdicts, op-type sums, the text/JSON/HTML
// outputs, all-or-nothing file writing, and comparisons of real reports (a profiled run, the
// imported eval_perf fixtures).
#include "layerscope/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compare/match.h"
#include "layerscope/import.h"
#include "layerscope/report.h"
#include "onnx_builder.h"
#include "util/json.h"

namespace layerscope {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

Stats stats(double median, double min, double p90, int count = 5) {
  Stats s;
  s.count = count;
  s.median = s.mean = median;
  s.min = min;
  s.p90 = p90;
  s.max = p90 * 1.1;
  return s;
}

LayerProfile layer(int id, const std::string& op, const std::string& name, std::vector<std::vector<int64_t>> in,
                   Stats t) {
  LayerProfile l;
  l.id = id;
  l.op_type = op;
  if (!name.empty()) l.source_names = {name};
  l.input_shapes = std::move(in);
  l.output_shapes = {{1, 8}};
  l.time_us = t;
  return l;
}

PerfReport report(std::vector<LayerProfile> layers, int runs = 5) {
  PerfReport r;
  r.runs = runs;
  r.threads = 1;
  r.layers = std::move(layers);
  for (const LayerProfile& l : r.layers) r.layer_sum_us += l.time_us.median;
  return r;
}

const LayerChange* by_a(const Comparison& c, int id) {
  for (const LayerChange& l : c.layers)
    if (l.id_a == id) return &l;
  return nullptr;
}

TEST(Compare, ConverterSuffixRule) {
  EXPECT_TRUE(compare::is_converter_suffix_of("/attn/qkv/MatMul", "/attn/qkv/MatMul_2conv"));
  EXPECT_TRUE(compare::is_converter_suffix_of("/attn/Reshape", "/attn/Reshape_output_0_rs"));
  EXPECT_FALSE(compare::is_converter_suffix_of("/attn/Reshape", "/attn/Reshape_1"));     // another node
  EXPECT_FALSE(compare::is_converter_suffix_of("/attn/Reshape", "/attn/Reshape_1_rs"));  // derived from it
  EXPECT_FALSE(compare::is_converter_suffix_of("/attn/Reshape", "/attn/ReshapeX"));
  EXPECT_TRUE(compare::is_converter_suffix_of("/attn/Reshape", "/attn/Reshape_2conv"));
  EXPECT_FALSE(compare::is_converter_suffix_of("", "_x"));
}

TEST(Compare, MatchesByNameThenPrefixThenShapes) {
  const Stats t = stats(100, 95, 105);
  PerfReport a =
      report({layer(1, "Conv", "/conv1", {{1, 3}}, t), layer(2, "Relu", "/relu", {{1, 8}}, t),
              layer(3, "MatMul", "/attn/qkv/MatMul", {{1, 8}}, t), layer(4, "Transpose", "/t_a", {{2, 4}}, t),
              layer(5, "Transpose", "/t_b", {{4, 2}}, t), layer(6, "Reshape", "/attn/Reshape", {{8}}, t)});
  PerfReport b = report(
      {layer(1, "Conv", "/conv1", {{1, 3}}, t), layer(2, "Conv", "/attn/qkv/MatMul_2conv", {{1, 8}, {8, 8, 1, 1}}, t),
       layer(3, "Relu", "/relu", {{1, 8}}, t), layer(4, "Transpose", "other", {{4, 2}}, t),
       layer(5, "Transpose", "names", {{2, 4}}, t), layer(6, "Reshape", "/attn/Reshape_1_rs", {{8}, {2}}, t)});
  Comparison c = compare_reports(a, b, "a.json", "b.json");
  EXPECT_EQ(c.matched_by_name, 2);
  EXPECT_EQ(c.matched_by_prefix, 1);
  EXPECT_EQ(c.matched_by_shapes, 2);
  EXPECT_EQ(c.removed, 1);
  EXPECT_EQ(c.added, 1);
  EXPECT_EQ(by_a(c, 2)->id_b, 3);
  EXPECT_EQ(by_a(c, 2)->match, "name");
  EXPECT_EQ(by_a(c, 3)->id_b, 2);
  EXPECT_EQ(by_a(c, 3)->match, "name prefix");
  EXPECT_EQ(by_a(c, 3)->op_type_b, "Conv");
  EXPECT_EQ(by_a(c, 4)->id_b, 5);  // same op and shapes, not the same position
  EXPECT_EQ(by_a(c, 4)->match, "op + shapes");
  EXPECT_EQ(by_a(c, 5)->id_b, 4);
  EXPECT_EQ(by_a(c, 6)->id_b, 0);  // "_1_rs" belongs to another node
  EXPECT_EQ(by_a(c, 6)->time.verdict, "removed");
  const LayerChange* added = by_a(c, 0);
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->id_b, 6);
  EXPECT_EQ(added->time.verdict, "added");
  EXPECT_EQ(added->time.change_us, 100);
}

TEST(Compare, NoiseVerdicts) {
  PerfReport a = report({layer(1, "Conv", "c", {}, stats(100, 95, 105)), layer(2, "Relu", "r", {}, stats(100, 95, 105)),
                         layer(3, "Add", "x", {}, stats(100, 95, 105))});
  PerfReport b = report({layer(1, "Conv", "c", {}, stats(120, 112, 125)),  // fastest B run above A's p90
                         layer(2, "Relu", "r", {}, stats(101, 96, 106)),   // overlapping ranges
                         layer(3, "Add", "x", {}, stats(80, 75, 84))});    // B's p90 below A's fastest run
  Comparison c = compare_reports(a, b, "a", "b");
  EXPECT_EQ(by_a(c, 1)->time.verdict, "slower");
  EXPECT_DOUBLE_EQ(by_a(c, 1)->time.change_us, 20);
  EXPECT_DOUBLE_EQ(by_a(c, 1)->time.change_pct, 20);
  EXPECT_EQ(by_a(c, 2)->time.verdict, "within noise");
  EXPECT_EQ(by_a(c, 3)->time.verdict, "faster");
  EXPECT_EQ(c.layers.front().id_a, 1);             // largest change first (+20 vs -20: stable order)
  EXPECT_EQ(c.layer_sum.verdict, "within noise");  // [285, 315] vs [283, 315]
  EXPECT_DOUBLE_EQ(c.layer_sum.a.low_us, 285);
  EXPECT_DOUBLE_EQ(c.layer_sum.b.high_us, 315);
  EXPECT_FALSE(c.has_latency);

  PerfReport single = report({layer(1, "Conv", "c", {}, stats(300, 300, 300, 1))}, 1);
  Comparison s = compare_reports(a, single, "a", "board.txt");
  EXPECT_EQ(by_a(s, 1)->time.verdict, "no spread");
  EXPECT_FALSE(s.b.has_spread);
  std::string text = format_comparison_text(s);
  EXPECT_NE(text.find("B is a single run"), std::string::npos) << text;
  EXPECT_NE(text.find("no verdict"), std::string::npos);
}

TEST(Compare, OpTypeSums) {
  PerfReport a = report({layer(1, "Conv", "c1", {}, stats(100, 90, 110)), layer(2, "Conv", "c2", {}, stats(50, 45, 55)),
                         layer(3, "Relu", "r", {}, stats(10, 9, 11))});
  PerfReport b =
      report({layer(1, "Conv", "c1", {}, stats(100, 90, 110)), layer(2, "Gelu", "g", {}, stats(30, 28, 33))});
  Comparison c = compare_reports(a, b, "a", "b");
  ASSERT_EQ(c.op_types.size(), 3u);
  EXPECT_EQ(c.op_types[0].op_type, "Conv");  // -50 us, the largest change
  EXPECT_EQ(c.op_types[0].calls_a, 2);
  EXPECT_EQ(c.op_types[0].calls_b, 1);
  EXPECT_DOUBLE_EQ(c.op_types[0].time.change_us, -50);
  EXPECT_DOUBLE_EQ(c.op_types[0].time.a.low_us, 135);
  EXPECT_EQ(c.op_types[0].time.verdict, "faster");  // [90, 110] entirely below [135, 165]
  EXPECT_EQ(c.op_types[1].op_type, "Gelu");
  EXPECT_EQ(c.op_types[1].time.verdict, "added");
  EXPECT_EQ(c.op_types[2].time.verdict, "removed");
}

// `l` as a layer of the body of the row `parent`, run `calls` times per run.
LayerProfile in_body(LayerProfile l, int parent, const std::string& scope, double calls) {
  l.parent = parent;
  l.scope = scope;
  l.calls = calls;
  return l;
}

// Body rows pair within their scope, by name like top-level rows; the layer sum counts the top
// level once, and op types count as the ranking does (executions; a Loop its own time).
TEST(Compare, BodyRowsMatchWithinTheirScope) {
  const Stats t = stats(100, 95, 105);
  PerfReport a = report({layer(1, "MatMul", "mm", {{1, 8}}, t), layer(2, "Loop", "loop_0", {}, stats(300, 290, 310)),
                         in_body(layer(3, "MatMul", "mm", {{1, 8}}, stats(200, 190, 210)), 2, "loop_0/body", 4),
                         in_body(layer(4, "Relu", "act", {{1, 8}}, stats(50, 45, 55)), 2, "loop_0/body", 4)});
  PerfReport b = report({layer(1, "Loop", "loop_0", {}, stats(200, 190, 210)),
                         in_body(layer(2, "Relu", "act", {{1, 8}}, stats(40, 35, 45)), 1, "loop_0/body", 4),
                         in_body(layer(3, "MatMul", "mm", {{1, 8}}, stats(120, 110, 130)), 1, "loop_0/body", 4),
                         layer(4, "MatMul", "mm", {{1, 8}}, t)});
  a.layer_sum_us = 400;
  b.layer_sum_us = 300;
  Comparison c = compare_reports(a, b, "a", "b");
  EXPECT_EQ(c.matched_by_name, 4);
  EXPECT_EQ(by_a(c, 1)->id_b, 4);  // the top-level "mm", not the body's
  EXPECT_EQ(by_a(c, 3)->id_b, 3);
  EXPECT_EQ(by_a(c, 3)->name_a, "loop_0/body/mm");
  EXPECT_EQ(by_a(c, 4)->id_b, 2);
  EXPECT_DOUBLE_EQ(c.layer_sum.a.median_us, 400);
  EXPECT_DOUBLE_EQ(c.layer_sum.b.median_us, 300);
  for (const OpTypeChange& o : c.op_types) {
    if (o.op_type == "MatMul") {
      EXPECT_EQ(o.calls_a, 5);
      EXPECT_DOUBLE_EQ(o.time.a.median_us, 300);
    }
    if (o.op_type == "Loop") {
      EXPECT_EQ(o.calls_a, 1);
      EXPECT_DOUBLE_EQ(o.time.a.median_us, 50);  // 300 less its body's 250
      EXPECT_DOUBLE_EQ(o.time.b.median_us, 40);
    }
  }

  // A body layer never pairs with a top-level one by op and shapes either.
  PerfReport top_only = report({layer(1, "Relu", "other_name", {{1, 8}}, t)});
  Comparison d = compare_reports(a, top_only, "a", "b");
  EXPECT_EQ(by_a(d, 4)->id_b, 0);
}

TEST(Compare, OutputsAreSelfContainedAndEscaped) {
  PerfReport a = report({layer(1, "Conv", "<script>alert(1)</script>", {}, stats(100, 95, 105))});
  PerfReport b = report({layer(1, "Conv", "<script>alert(1)</script>", {}, stats(50, 45, 55)),
                         layer(2, "Relu", "new & shiny", {}, stats(5, 4, 6))});
  Comparison c = compare_reports(a, b, "a & b.json", "b.json");
  std::string html = comparison_html(c);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* remote : {"http://", "https://", "src=", "<link", "@import"})
    EXPECT_EQ(html.find(remote), std::string::npos) << remote;
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("new &amp; shiny"), std::string::npos);
  EXPECT_NE(html.find("table.sortable"), std::string::npos);  // the sorting script

  JsonValue doc;
  std::string err;
  ASSERT_TRUE(parse_json(comparison_json(c), &doc, &err)) << err;
  EXPECT_EQ(doc.find("schema")->as_string(), "layerscope.compare");
  const auto& layers = doc.find("layers")->as_array();
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].find("verdict")->as_string(), "faster");
  EXPECT_DOUBLE_EQ(layers[0].find("change_pct")->as_number(), -50);
  EXPECT_TRUE(layers[1].find("change_pct")->is_null());  // added: no baseline
  EXPECT_TRUE(layers[1].find("id_a")->is_null());
  EXPECT_EQ(doc.find("matching")->find("added")->as_number(), 1);
}

// A single-run side's legend line names its model path whole, however long (the legend was once
// formatted in a fixed 1024-byte buffer): in the header and in the note, twice.
TEST(Compare, LongModelPathIsPrintedWhole) {
  const Stats t = stats(100, 95, 105, 1);
  PerfReport a = report({layer(1, "Conv", "/conv1", {{1, 3}}, t)}, 1);
  a.model_path = "/" + std::string(1500, 'm') + "/model.onnx";
  PerfReport b = report({layer(1, "Conv", "/conv1", {{1, 3}}, t)}, 1);
  const std::string text = format_comparison_text(compare_reports(a, b, "a", "b"));
  size_t n = 0;
  for (size_t at = text.find(a.model_path); at != std::string::npos; at = text.find(a.model_path, at + 1)) ++n;
  EXPECT_EQ(n, 2u) << text;
}

TEST(Compare, WritesAllFilesOrNone) {
  TempDir dir;
  PerfReport a = report({layer(1, "Conv", "c", {}, stats(100, 95, 105))});
  Comparison c = compare_reports(a, a, "a", "a");
  Status st = write_comparison_files(c, dir.path().string(), "TEXT");
  ASSERT_TRUE(st) << st.message();
  for (const char* f : kCompareFiles) EXPECT_TRUE(fs::exists(dir.path() / f)) << f;
  std::ifstream in(dir.path() / "compare.txt");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "TEXT");

  TempDir blocked;
  fs::create_directory(blocked.path() / "compare.html");
  st = write_comparison_files(c, blocked.path().string(), "TEXT");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("compare.html"), std::string::npos) << st.message();
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(blocked.path())) entries += e.path().filename() != "compare.html";
  EXPECT_EQ(entries, 0u);  // nothing written, no temporaries

  st = write_comparison_files(c, (dir.path() / "missing").string(), "TEXT");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
}

TEST(Compare, RealRunAgainstItselfIsWithinNoise) {
  TempDir dir;
  onnx::ModelProto m = testing::single_node_model("Relu", {1, 16, 32, 32});
  std::unique_ptr<Session> session;
  ASSERT_TRUE(Session::load(dir.write_model("relu.onnx", m), {}, &session));
  ProfileOptions o;
  o.warmup = 1;
  o.runs = 5;
  PerfReport r;
  ASSERT_TRUE(evaluate_performance(*session, {{"x", Tensor(DType::F32, {1, 16, 32, 32})}}, o, Roofs{}, &r));
  PerfReport back;
  ASSERT_TRUE(perf_report_from_json(perf_report_json(r), "perf.json", &back));
  Comparison c = compare_reports(r, back, "run", "perf.json");
  EXPECT_EQ(c.matched_by_name, static_cast<int>(r.layers.size()));
  EXPECT_TRUE(c.has_latency);
  EXPECT_EQ(c.latency.verdict, "within noise");
  for (const LayerChange& l : c.layers) {
    EXPECT_EQ(l.time.change_us, 0);
    EXPECT_EQ(l.time.verdict, "within noise");  // identical ranges always overlap
  }
}

TEST(Compare, ImportedBoardReportAgainstAnEditedCopy) {
  PerfReport a;
  ASSERT_TRUE(read_perf_report(LAYERSCOPE_TEST_DIR "/data/rknn/eval_perf_2x.txt", &a));
  PerfReport b = a;
  b.layers[14].time_us.median = b.layers[14].time_us.min = b.layers[14].time_us.p90 = 33890;  // Resize halved
  Comparison c = compare_reports(a, b, "before.txt", "after.txt");
  EXPECT_EQ(c.matched_by_name, 17);
  EXPECT_EQ(c.op_types[0].op_type, "Resize");
  EXPECT_DOUBLE_EQ(c.op_types[0].time.change_pct, -50);
  EXPECT_EQ(c.op_types[0].time.verdict, "no spread");
  EXPECT_EQ(c.layers[0].id_a, 15);
  std::string text = format_comparison_text(c);
  EXPECT_NE(text.find("A is a single run"), std::string::npos);
  EXPECT_NE(text.find("End-to-end latency: not compared"), std::string::npos);
}

}  // namespace
}  // namespace layerscope
