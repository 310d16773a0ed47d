// Importing the reference tool's eval_perf text: the 2.x and 1.x fixtures (tests/data/rknn/,
// written in the documented layouts, with the rows of the reference notes), the later 2.x
// column widths, a two-core board, and malformed input reported with file and line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "layerscope/findings.h"
#include "layerscope/import.h"

namespace layerscope {
namespace {

const std::string kDir = LAYERSCOPE_TEST_DIR "/data/rknn/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// 1-based number of the first line starting with `prefix`.
int line_number(const std::vector<std::string>& lines, const std::string& prefix) {
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0) return static_cast<int>(i) + 1;
  return -1;
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return p == std::string::npos ? s : s.replace(p, from.size(), to);
}

PerfReport parse_ok(const std::string& text, const std::string& name) {
  PerfReport r;
  Status st = parse_perf_report(text, name, &r);
  EXPECT_TRUE(st) << st.message();
  return r;
}

std::string parse_error(const std::string& text, const std::string& name = "board.txt") {
  PerfReport r;
  Status st = perf_report_from_rknn_text(text, name, &r);
  EXPECT_FALSE(st);
  return st.message();
}

TEST(RknnImport, Layout2xEveryColumn) {
  PerfReport r;
  Status st = read_perf_report(kDir + "eval_perf_2x.txt", &r);
  ASSERT_TRUE(st) << st.message();
  ASSERT_EQ(r.layers.size(), 17u);
  EXPECT_NE(r.imported_from.find("2.x layout"), std::string::npos) << r.imported_from;
  EXPECT_NE(r.imported_from.find("NPU 1000 MHz; DDR 2112 MHz"), std::string::npos) << r.imported_from;
  EXPECT_NE(r.imported_from.find("CPU 1800/2256 MHz"), std::string::npos) << r.imported_from;
  EXPECT_EQ(r.threads, 3);
  EXPECT_EQ(r.runs, 1);
  EXPECT_EQ(r.latency_ms.count, 0);
  EXPECT_FALSE(r.roofs.measured);
  EXPECT_EQ(r.layer_sum_us, 163316);

  const LayerProfile& conv = r.layers[1];  // "2    Conv  FLOAT16  NPU  (1,3,480,640),(384,3,14,14),(384) ..."
  EXPECT_EQ(conv.id, 2);
  EXPECT_EQ(conv.op_type, "Conv");
  EXPECT_EQ(conv.data_type, "FLOAT16");
  EXPECT_EQ(conv.target, "NPU");
  EXPECT_EQ(conv.input_shapes, (std::vector<std::vector<int64_t>>{{1, 3, 480, 640}, {384, 3, 14, 14}, {384}}));
  EXPECT_EQ(conv.output_shapes, (std::vector<std::vector<int64_t>>{{1, 384, 67, 90}}));
  EXPECT_EQ(conv.mem_cycles, 324681);
  EXPECT_EQ(conv.compute_cycles, 28374528);
  EXPECT_EQ(conv.total_cycles, 28374528);
  EXPECT_EQ(conv.bound, "compute");
  EXPECT_EQ(conv.time_us.median, 12600);
  EXPECT_EQ(conv.time_us.count, 1);
  EXPECT_EQ(conv.mac_usage_pct, (std::vector<double>{7.03, 7.03, 7.03}));
  ASSERT_EQ(conv.workload.size(), 3u);
  for (double w : conv.workload) EXPECT_NEAR(w, 0.333, 1e-12);
  EXPECT_EQ(conv.bytes_read, 2977 * 1024);
  EXPECT_EQ(conv.kernel, "");
  EXPECT_EQ(conv.source_names, std::vector<std::string>{"/patch_embed/proj/Conv_stride_split"});

  const LayerProfile& input = r.layers[0];  // '\' input shapes, '\' MacUsage
  EXPECT_TRUE(input.input_shapes.empty());
  EXPECT_TRUE(input.mac_usage_pct.empty());
  EXPECT_EQ(input.bound, "");
  const LayerProfile& norm = r.layers[6];  // "(1,384,1,1531),(1,384,1,1),..." : the cut part is left out
  EXPECT_EQ(norm.input_shapes.size(), 2u);
  EXPECT_EQ(norm.workload, (std::vector<double>{1.0, 0.0, 0.0}));
  EXPECT_EQ(norm.bound, "memory");
  EXPECT_EQ(r.layers[9].source_names,
            std::vector<std::string>{"/blocks.0/attn/Transpose_output_0_tp_4/blocks.0/attn/Gather_3_2slice_2split"});
  EXPECT_EQ(r.layers[9].target, "CPU");
  EXPECT_EQ(r.layers[15].data_type, "INT8");

  ASSERT_EQ(r.ranking.size(), 12u);  // the printed ranking table
  EXPECT_EQ(r.ranking[0].op_type, "Resize");
  EXPECT_EQ(r.ranking[0].total_us, 67780);
  EXPECT_DOUBLE_EQ(r.ranking[0].ratio_pct, 41.50);
  EXPECT_EQ(r.ranking[4].op_type, "Reshape");
  EXPECT_EQ(r.ranking[4].calls, 3);

  EXPECT_EQ(r.memory.weight_bytes, static_cast<int64_t>(3.53 * 1024 * 1024 + 0.5));
  EXPECT_EQ(r.memory.other_bytes, 473 * 1024);
  EXPECT_EQ(r.memory.model_file_bytes, static_cast<int64_t>(4.09 * 1024 * 1024 + 0.5));
}

TEST(RknnImport, Layout2xTextAndFindings) {
  PerfReport r;
  ASSERT_TRUE(read_perf_report(kDir + "eval_perf_2x.txt", &r));
  std::string text = format_perf_text(r);
  EXPECT_NE(text.find("Imported from: RKNN eval_perf text, 2.x layout"), std::string::npos);
  EXPECT_NE(text.find("Cycles(DDR/NPU/Total)"), std::string::npos);
  // The ranking keeps the board's units: Reshape ran 3476 us on the CPU and 17 us on the NPU.
  EXPECT_NE(text.find("Reshape            3            3476         0            17           3493"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Total              17           96069        0            67247        163316"),
            std::string::npos);

  std::vector<Finding> f = find_findings(r);
  const Finding* fallback = nullptr;
  for (const Finding& x : f)
    if (x.kind == "fallback_kernels") fallback = &x;
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->layer_ids, (std::vector<int>{9, 10, 12, 15}));  // not the Input/OutputOperator rows
  EXPECT_NEAR(fallback->time_share_pct, 100.0 * (3476 + 14819 + 9911 + 67780) / 163316, 1e-9);
  for (const Finding& x : f) EXPECT_NE(x.kind, "generic_kernels");  // no kernel names to judge
}

TEST(RknnImport, Layout1x) {
  PerfReport r;
  Status st = read_perf_report(kDir + "eval_perf_1x.txt", &r);
  ASSERT_TRUE(st) << st.message();
  EXPECT_NE(r.imported_from.find("1.x layout"), std::string::npos);
  ASSERT_EQ(r.layers.size(), 8u);
  const LayerProfile& c = r.layers[1];  // three cycle columns, WorkLoad "100.0%/0.0%/0.0% - Up:0.0%"
  EXPECT_EQ(c.op_type, "ConvRelu");
  EXPECT_EQ(c.data_type, "INT8");
  EXPECT_EQ(c.mem_cycles, 411227);
  EXPECT_EQ(c.compute_cycles, 153600);
  EXPECT_EQ(c.total_cycles, 411227);
  EXPECT_EQ(c.bound, "memory");
  EXPECT_EQ(c.time_us.median, 1057);
  EXPECT_EQ(c.mac_usage_pct, (std::vector<double>{14.53, 0, 0}));
  EXPECT_EQ(c.workload, (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(c.bytes_read, 3211 * 1024);
  EXPECT_EQ(c.source_names, std::vector<std::string>{"/model.0/conv/Conv"});
  EXPECT_EQ(r.layer_sum_us, 14868);
  ASSERT_EQ(r.ranking.size(), 7u);  // "Operator Time-Consuming Ranking:" without a GPU column
  EXPECT_EQ(r.ranking[0].op_type, "Transpose");
  EXPECT_EQ(r.ranking[2].calls, 2);
  EXPECT_DOUBLE_EQ(r.ranking[2].ratio_pct, 14.74);
  // A run on core 0 only: the imbalance rule stays quiet; MacUsage counts the core in use.
  for (const Finding& x : find_findings(r)) {
    EXPECT_NE(x.kind, "workload_imbalance");
    if (x.kind == "low_mac_usage") {
      EXPECT_NE(x.detail.find("MacUsage 14.5%"), std::string::npos) << x.detail;
    }
  }
}

TEST(RknnImport, LaterWiderOpTypeColumnAndTwoCoreBoard) {
  // Later 2.x prints OpType 19 wide: values are read by position in the row, not by offset.
  std::vector<std::string> lines = lines_of(read_text(kDir + "eval_perf_2x.txt"));
  const int header = line_number(lines, "ID   OpType");
  for (size_t i = header - 1; i < lines.size() && lines[i].rfind("Total Operator", 0) != 0; ++i)
    if (!lines[i].empty() && lines[i][0] != '-') lines[i].insert(22, "  ");
  PerfReport wide = parse_ok(join(lines), "wide.txt");
  PerfReport narrow;
  ASSERT_TRUE(read_perf_report(kDir + "eval_perf_2x.txt", &narrow));
  ASSERT_EQ(wide.layers.size(), narrow.layers.size());
  for (size_t i = 0; i < wide.layers.size(); ++i) {
    EXPECT_EQ(wide.layers[i].op_type, narrow.layers[i].op_type);
    EXPECT_EQ(wide.layers[i].time_us.median, narrow.layers[i].time_us.median);
    EXPECT_EQ(wide.layers[i].source_names, narrow.layers[i].source_names);
  }

  // RK3576-class: WorkLoad(0/1); no frequency header, no ranking table (computed from the rows).
  const std::string two_core =
      "Network Layer Information Table\n"
      "ID   OpType             DataType Target InputShape        OutputShape     Cycles(DDR/NPU/Total)    "
      "Time(us)     MacUsage(%)          WorkLoad(0/1)        RW(KB)       FullName\n"
      "1    ConvRelu           INT8     NPU    (1,3,224,224)     (1,32,112,112)  1000/4000/4000           "
      "300          40.00/40.00          50.0%/50.0%          120          ConvRelu:conv1 with space\n"
      "2    Softmax            FLOAT16  CPU    (1,1000)          (1,1000)        0/0/0                    "
      "700          \\                    100.0%/0.0%          8            Softmax:prob\n"
      "Total Operator Elapsed Per Frame Time(us): 1000\n";
  PerfReport r = parse_ok(two_core, "rk3576.txt");
  EXPECT_EQ(r.threads, 2);
  EXPECT_EQ(r.layers[0].source_names, std::vector<std::string>{"conv1 with space"});
  ASSERT_EQ(r.ranking.size(), 2u);
  EXPECT_EQ(r.ranking[0].op_type, "Softmax");
  EXPECT_DOUBLE_EQ(r.ranking[0].ratio_pct, 70.0);
}

TEST(RknnImport, RecognisedByContentNotName) {
  PerfReport r = parse_ok(read_text(kDir + "eval_perf_1x.txt"), "looks_like.json");
  EXPECT_EQ(r.layers.size(), 8u);
}

TEST(RknnImport, MalformedInputNamesFileAndLine) {
  const std::string text = read_text(kDir + "eval_perf_2x.txt");
  const std::vector<std::string> lines = lines_of(text);
  const std::string row9 = std::to_string(line_number(lines, "9    Reshape"));
  const std::string row10 = std::to_string(line_number(lines, "10   Transpose"));

  std::string m = parse_error(replace_once(text, "3476         \\", "34x6         \\"));
  EXPECT_NE(m.find("board.txt:" + row9 + ": Time(us): expected a number, got '34x6'"), std::string::npos) << m;

  m = parse_error(replace_once(text, "0/0/0                    14819", "0/0                      14819"));
  EXPECT_NE(m.find("board.txt:" + row10 + ": Cycles(DDR/NPU/Total): expected three integers"), std::string::npos) << m;

  m = parse_error(
      replace_once(text, "0.0%/0.0%/0.0%       3444         Reshape", "0.0%/0.0%            3444         Reshape"));
  EXPECT_NE(m.find("board.txt:" + row9 + ": WorkLoad: expected 3 per-core shares"), std::string::npos) << m;

  m = parse_error(replace_once(text, "(1,1152,1,1531),(4)  ", "[1,1152,1,1531],(4)  "));
  EXPECT_NE(m.find("board.txt:" + row9 + ": InputShape: expected shapes"), std::string::npos) << m;

  m = parse_error(replace_once(text, "10   Transpose", "8    Transpose"));
  EXPECT_NE(m.find("board.txt:" + row10 + ": ID 8 after ID 9: expected increasing layer numbers"), std::string::npos)
      << m;

  m = parse_error(replace_once(text, "RW(KB)", "Power(mW)"));
  EXPECT_NE(m.find("layer table header: unknown column 'Power(mW)'"), std::string::npos) << m;

  // A row that stops early (values lost at the end of a line).
  std::string cut =
      "ID   OpType   DataType Target InputShape OutputShape Cycles(DDR/NPU/Total) Time(us) MacUsage(%) "
      "WorkLoad(0/1/2) RW(KB) FullName\n1    Conv     INT8     NPU    (1,3)      (1,3)       1/2/2\n";
  m = parse_error(cut);
  EXPECT_NE(m.find("board.txt:2: layer row ends before its 'Time(us)' column"), std::string::npos) << m;

  m = parse_error("                 Network Layer Information Table\n-----------------------------\n");
  EXPECT_NE(m.find("board.txt: no layer table found"), std::string::npos) << m;
  m = parse_error(cut.substr(0, cut.find('\n') + 1) + "------------------------------\n");
  EXPECT_NE(m.find("board.txt: the layer table has no rows"), std::string::npos) << m;

  m = parse_error(
      replace_once(text, "Resize             1            67780", "Resize             1            67780 12"));
  EXPECT_NE(m.find("ranking row: expected 7 values"), std::string::npos) << m;
}

// A text cut off anywhere never imports as a report of fewer layers: at every byte, the import
// either fails or holds every layer of the table.
TEST(RknnImport, TextCutAnywhereNeverYieldsPartOfTheLayers) {
  for (const auto& [file, layers] : {std::pair<std::string, size_t>{"eval_perf_2x.txt", 17}, {"eval_perf_1x.txt", 8}}) {
    const std::string text = read_text(kDir + file);
    size_t refused = 0;
    for (size_t keep = 0; keep < text.size(); ++keep) {
      PerfReport r;
      Status st = perf_report_from_rknn_text(text.substr(0, keep), "cut.txt", &r);
      if (st) EXPECT_EQ(r.layers.size(), layers) << file << " cut at byte " << keep;
      else ++refused;
      if (HasFailure()) return;
    }
    EXPECT_GT(refused, text.size() / 2) << file;
  }
}

TEST(RknnImport, CutOffTablesAndTotalsAreNamed) {
  const std::string text = read_text(kDir + "eval_perf_2x.txt");
  // The probe's case: the file ends after row 5 of 17.
  std::string m = parse_error(text.substr(0, text.find("6    Add")));
  EXPECT_NE(m.find("the layer table runs into the end of the file after 5 rows (last ID 5)"), std::string::npos) << m;
  EXPECT_NE(m.find("looks cut off"), std::string::npos) << m;
  // Blank lines after the last row do not hide it.
  m = parse_error(text.substr(0, text.find("6    Add")) + "\n\n");
  EXPECT_NE(m.find("runs into the end of the file"), std::string::npos) << m;
  // Cut inside the ranking table: it counts fewer layers than the layer table holds.
  m = parse_error(text.substr(0, text.find("Add                1")));
  EXPECT_NE(m.find("the ranking table counts 13 layer calls but the layer table has 17 rows"), std::string::npos) << m;
  // Rows lost in the middle of the table: the totals disagree.
  const size_t row9 = text.find("9    Reshape");
  std::string gap = text;
  gap.erase(row9, text.find('\n', row9) + 1 - row9);
  m = parse_error(gap);
  EXPECT_NE(m.find("'Total Operator Elapsed' says 163316 us but the 16 layers read sum to 159840 us"),
            std::string::npos)
      << m;
  // Cut inside the memory dump.
  m = parse_error(text.substr(0, text.find("  Other Memory")));
  EXPECT_NE(m.find("the memory dump has no 'Total Memory:' line"), std::string::npos) << m;
  // Cut right after the table's closing rule: every layer is there, the import goes on.
  const size_t totals = text.find("Total Operator Elapsed");
  PerfReport r = parse_ok(text.substr(0, totals), "table_only.txt");
  EXPECT_EQ(r.layers.size(), 17u);
}

}  // namespace
}  // namespace layerscope
