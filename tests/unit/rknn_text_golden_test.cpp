// The text layout against a golden file: a fixed PerfReport (no timing involved) must render
// byte for byte as tests/unit/golden/perf_report.txt (and one with body rows as
// perf_report_bodies.txt). To accept an intended layout change,
// run with LAYERSCOPE_UPDATE_GOLDEN=1 and review the diff of the golden file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "layerscope/profile.h"
#include "profile/layer_nesting.h"
#include "profile/roofline.h"

namespace layerscope {
namespace {

Stats stats(double median) {
  Stats s;
  s.count = 20;
  s.median = median;
  s.min = median * 0.9;
  s.max = median * 1.3;
  s.p90 = median * 1.1;
  s.mean = median * 1.02;
  return s;
}

LayerProfile layer(int id, std::string op, std::vector<std::vector<int64_t>> in, std::vector<int64_t> out,
                   std::string kernel, std::vector<std::string> names, double macs, int64_t rd, int64_t wr,
                   double median_us, std::vector<double> workload) {
  LayerProfile l;
  l.id = id;
  l.op_type = std::move(op);
  l.data_type = "FLOAT";
  l.input_shapes = std::move(in);
  l.output_shapes = {std::move(out)};
  l.kernel = std::move(kernel);
  l.source_names = std::move(names);
  l.macs = macs;
  l.bytes_read = rd;
  l.bytes_written = wr;
  l.time_us = stats(median_us);
  l.workload = std::move(workload);
  return l;
}

PerfReport fixed_report() {
  PerfReport r;
  r.model_path = "models/depth_like.onnx";
  r.threads = 2;
  r.warmup = 5;
  r.runs = 20;
  r.roofs = Roofs{3.6, 16.0, 25.0, 55.0, 2, true, ""};
  r.layers = {
      layer(1, "Conv", {{1, 3, 480, 640}, {384, 3, 14, 14}, {384}}, {1, 384, 34, 45}, "onednn:x64:gemm:jit",
            {"/encoder/patch_embed/Conv"}, 349324800, 4586496, 2350080, 4191, {0.5, 0.5}),
      layer(2, "LayerNormalization", {{1, 1531, 384}, {384}, {384}}, {1, 1531, 384},
            "onednn:simple_layer_normalization:any", {"/encoder/blocks.0/norm1/LayerNormalization"}, 0, 2354688,
            2351616, 153, {0.6, 0.4}),
      layer(3, "MatMul", {{1, 1531, 384}, {384, 1152}}, {1, 1531, 1152}, "onednn:brg:avx512_core",
            {"/encoder/blocks.0/attn/qkv/MatMul", "/encoder/blocks.0/attn/qkv/Add"}, 677289984, 4121088, 7054848, 6147,
            {0.5, 0.5}),
      layer(4, "Reshape", {{1, 1531, 1152}, {5}}, {1, 1531, 3, 6, 64}, "native:copy",
            {"/encoder/blocks.0/attn/Reshape"}, 0, 7054888, 7054848, 183, {1.0, 0.0}),
  };
  double sum = 0;
  for (LayerProfile& l : r.layers) {
    apply_roofline(r.roofs, r.threads, l);  // the derived columns, as the profiler computes them
    sum += l.time_us.median;
  }
  r.layer_sum_us = sum;
  r.ranking = {{"MatMul", 1, 6147, 100.0 * 6147 / sum},
               {"Conv", 1, 4191, 100.0 * 4191 / sum},
               {"Reshape", 1, 183, 100.0 * 183 / sum},
               {"LayerNormalization", 1, 153, 100.0 * 153 / sum}};
  r.latency_ms = stats(10.9);
  r.profiled_latency_ms = stats(10.95);
  r.overhead_pct = 100.0 * (10.95 / 10.9 - 1);
  r.layer_sum_ratio_pct = 100.0 * sum / 10900.0;
  r.memory = MemoryReport{195500000, 136000000, 4900000, 336400000, 99150000, 3937000000};
  return r;
}

// fixed_report() with a Loop after the Reshape: its body runs a MatMul and an If (5 times each),
// whose taken branch runs a NonMaxSuppression (the longest op type two levels down), then a top-
// level Relu. Ids in report order; the ranking as the profiler makes it (profile/layer_nesting.h).
PerfReport report_with_bodies() {
  PerfReport r = fixed_report();
  auto body = [&](int id, std::string op, std::vector<std::vector<int64_t>> in, std::vector<int64_t> out,
                  std::string kernel, std::string name, double median_us, int parent, std::string scope) {
    LayerProfile l = layer(id, std::move(op), std::move(in), std::move(out), std::move(kernel), {std::move(name)}, 0,
                           1024, 512, median_us, {});
    l.parent = parent;
    l.scope = std::move(scope);
    l.calls = 5;
    return l;
  };
  r.layers.push_back(layer(5, "Loop", {{}, {}, {1, 1531, 384}}, {1, 1531, 384}, "bodies(dynamic)", {"/decoder/Loop"}, 0,
                           0, 0, 900, {0.9, 0.1}));
  r.layers.push_back(body(6, "MatMul", {{1, 384}, {384, 384}}, {1, 384}, "onednn:brg:avx512_core",
                          "/decoder/step/MatMul", 400, 5, "/decoder/Loop/body"));
  r.layers.push_back(body(7, "If", {{}}, {1, 100}, "bodies(dynamic)", "/decoder/If", 350, 5, "/decoder/Loop/body"));
  r.layers.push_back(body(8, "NonMaxSuppression", {{1, 100, 4}, {1, 1, 100}}, {10, 3}, "infer(dynamic)", "nms", 300, 7,
                          "/decoder/Loop/body//decoder/If/then_branch"));
  r.layers.push_back(layer(9, "Relu", {{1, 1531, 384}}, {1, 1531, 384}, "onednn:jit:avx512_core", {"/head/Relu"}, 0,
                           2351616, 2351616, 120, {0.5, 0.5}));
  r.layers[5].macs = 5 * 147456.0;  // the body MatMul, per run: five executions
  for (size_t i = 4; i < r.layers.size(); ++i) apply_roofline(r.roofs, r.threads, r.layers[i]);
  r.layer_sum_us = top_level_sum_us(r.layers);
  r.ranking = rank_op_types(r.layers, r.layer_sum_us);
  return r;
}

void expect_golden(const std::string& text, const std::string& file) {
  const std::string path = std::string(LAYERSCOPE_TEST_DIR) + "/unit/golden/" + file;
  if (std::getenv("LAYERSCOPE_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << text;
    GTEST_SKIP() << "golden file rewritten: " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing golden file " << path;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << "layout changed; if intended, regenerate with LAYERSCOPE_UPDATE_GOLDEN=1";
}

TEST(RknnText, MatchesGoldenFile) {
  PerfReport r = fixed_report();
  expect_golden(format_perf_text(r) + "\n" + format_memory_text(r.memory), "perf_report.txt");
}

// Body rows (a Loop's layers, an If's inside it) indented under their control layer, FullName
// after their scope, calls per run, and the note on what their times are.
TEST(RknnText, BodyRowsMatchGoldenFile) {
  expect_golden(format_perf_text(report_with_bodies()), "perf_report_bodies.txt");
}

// Indenting keeps the columns: every cell of every row starts where its heading does, the
std::vector<std::string> text_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The index of the layer table's header line ("ID  OpType ..."), lines.size() if none.
size_t layer_table_header(const std::vector<std::string>& lines) {
  size_t header = 0;
  while (header < lines.size() && lines[header].rfind("ID ", 0) != 0) ++header;
  return header;
}

// OpType column widened by the deepest indent (NonMaxSuppression two levels down is 21
// characters wide and still leaves a space).
TEST(RknnText, BodyRowsKeepTheColumnsAligned) {
  const PerfReport r = report_with_bodies();
  const std::vector<std::string> lines = text_lines(format_perf_text(r));
  const size_t header = layer_table_header(lines);
  ASSERT_LT(header, lines.size());
  const std::string& h = lines[header];
  EXPECT_EQ(lines[header - 1].size(), h.find("FullName"));  // the rules span the widened columns
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const std::string& row = lines[header + 2 + i];
    const LayerProfile& l = r.layers[i];
    SCOPED_TRACE(row);
    const size_t depth = l.parent == 0 ? 0 : l.parent == 5 ? 1 : 2;
    EXPECT_EQ(row.substr(h.find("OpType"), 2 * depth + l.op_type.size() + 1),
              std::string(2 * depth, ' ') + l.op_type + " ");
    for (const char* column : {"DataType", "Time(us)", "Kernel", "FullName"})
      EXPECT_EQ(row[h.find(column) - 1], ' ') << column;
    EXPECT_EQ(row.substr(h.find("DataType"), l.data_type.size()), l.data_type);
    EXPECT_EQ(row.substr(h.find("Kernel"), l.kernel.size()), l.kernel);
    std::string names;
    for (const std::string& n : l.source_names) names += (names.empty() ? "" : "+") + n;
    const std::string full = row.substr(h.find("FullName"));
    if (l.parent == 0) EXPECT_EQ(full, l.op_type + ":" + names);
    else EXPECT_EQ(full, l.scope + "/" + l.op_type + ":" + names + " [5 calls]");
  }
}

// The rules of each table span its padded columns: the layer table's up to FullName, the
// ranking's up to TimeRatio(%) plus that column's width (14), as the reference tool draws them.
// (An imported report: its header "Cycles(DDR/NPU/Total)" fits its column, where our own
// "Cycles(Mem/Compute/Total)" fills it and pushes the later headings one place right.)
TEST(RknnText, RulesSpanTheColumns) {
  PerfReport r = fixed_report();
  r.imported_from = "eval_perf.txt";
  const std::string text = format_perf_text(r);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto header = [&](const std::string& start) -> size_t {
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind(start, 0) == 0) return i;
    ADD_FAILURE() << "no line starts with " << start;
    return 0;
  };
  const size_t layers = header("ID   OpType");
  ASSERT_GT(layers, 0u);
  EXPECT_EQ(lines[layers - 1], std::string(lines[layers].find("FullName"), '-'));
  EXPECT_EQ(lines[layers + 1], lines[layers - 1]);
  const size_t ranking = header("OpType             CallNumber");
  ASSERT_GT(ranking, 0u);
  EXPECT_EQ(lines[ranking - 1], std::string(lines[ranking].find("TimeRatio(%)") + 14, '-'));
  EXPECT_EQ(lines[ranking + 1], lines[ranking - 1]);
}

// DataType widens for the float8 names (FLOAT8E4M3FNUZ is 14 characters, the column 9): every
// later cell still starts under its heading, and the rules span the wider table.
TEST(RknnText, LongDataTypesKeepTheColumnsAligned) {
  PerfReport r = fixed_report();
  r.layers[0].data_type = "FLOAT8E4M3FNUZ";
  r.layers[1].data_type = "INT4";
  const std::vector<std::string> lines = text_lines(format_perf_text(r));
  const size_t header = layer_table_header(lines);
  ASSERT_LT(header, lines.size());
  const std::string& h = lines[header];
  EXPECT_EQ(h.find("Target") - h.find("DataType"), 15u);  // the longest name and one space
  EXPECT_EQ(lines[header - 1].size(), h.find("FullName"));
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const std::string& row = lines[header + 2 + i];
    SCOPED_TRACE(row);
    EXPECT_EQ(row.substr(h.find("DataType"), r.layers[i].data_type.size() + 1), r.layers[i].data_type + " ");
    for (const char* column : {"Target", "Time(us)", "Kernel", "FullName"}) EXPECT_EQ(row[h.find(column) - 1], ' ');
    EXPECT_EQ(row.substr(h.find("Kernel"), r.layers[i].kernel.size()), r.layers[i].kernel);
  }
}

// A model path of any length is printed whole (the header was once formatted in a fixed
// 512-byte buffer, which cut long paths).
TEST(RknnText, LongModelPathIsPrintedWhole) {
  PerfReport r = fixed_report();
  r.model_path = "/" + std::string(700, 'm') + "/depth_like.onnx";
  const std::string text = format_perf_text(r);
  EXPECT_EQ(text.rfind("Model: " + r.model_path + "\n", 0), 0u) << text.substr(0, 800);
}

}  // namespace
}  // namespace layerscope
