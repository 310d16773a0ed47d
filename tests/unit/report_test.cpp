// Machine-readable reports (perf.json, layers.csv, trace.json) on a hand-built PerfReport:
// every field read back, CSV quoting round trip, trace structure, atomic file writing.
#include "layerscope/report.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "onnx_builder.h"
#include "util/json.h"

namespace layerscope {
namespace {

namespace fs = std::filesystem;

const char* const kTrickyName = "block1/add, \"skip\" branch";

Stats stats(double median, double min, double max, double p90, double mean, int count) {
  Stats s;
  s.median = median;
  s.min = min;
  s.max = max;
  s.p90 = p90;
  s.mean = mean;
  s.count = count;
  return s;
}

// Two threads, measured roofs; a conv (balanced), a fused add+relu whose name needs quoting
// (imbalanced), and a reshape that ran on one thread with no work and no bound.
PerfReport sample_report(bool roofs_measured = true) {
  PerfReport r;
  r.model_path = "/models/resnet_tiny.onnx";
  r.threads = 2;
  r.warmup = 5;
  r.runs = 20;
  r.roofs.measured = roofs_measured;
  if (roofs_measured) {
    r.roofs.clock_ghz = 3.5;
    r.roofs.macs_per_cycle_per_core = 32;
    r.roofs.int8_macs_per_cycle_per_core = 128;
    r.roofs.bandwidth_gbs_one_core = 14.5;
    r.roofs.bandwidth_gbs_all_cores = 22.25;
    r.roofs.cores = 2;
  }

  LayerProfile conv;
  conv.id = 1;
  conv.op_type = "Conv";
  conv.data_type = "FLOAT";
  conv.input_shapes = {{1, 3, 224, 224}, {64, 3, 7, 7}, {64}};
  conv.output_shapes = {{1, 64, 112, 112}};
  conv.kernel = "onednn:brg:avx512_core";
  conv.source_names = {"conv1"};
  conv.input_names = {"image", "conv1.weight", ""};
  conv.output_names = {"conv1_out"};
  conv.macs = 118013952;
  conv.other_ops = 802816;
  conv.bytes_read = 640588;
  conv.bytes_written = 3211264;
  conv.time_us = stats(812.5, 790.25, 901, 880.75, 820.125, 20);
  conv.workload = {0.5, 0.5};
  if (roofs_measured) {
    conv.mem_cycles = 606024.5;
    conv.compute_cycles = 1843968;
    conv.total_cycles = 1843968;
    conv.mac_usage_pct = {32.5, 32.25};
    conv.bound = "compute";
  }
  conv.live_activation_bytes = 3813376;

  LayerProfile add;
  add.id = 2;
  add.op_type = "Add";
  add.data_type = "FLOAT";
  add.input_shapes = {{1, 64, 112, 112}, {1, 64, 112, 112}};
  add.output_shapes = {{1, 64, 112, 112}};
  add.kernel = "native:binary";
  add.source_names = {kTrickyName, "relu_1"};
  add.other_ops = 802816;
  add.bytes_read = 6422528;
  add.bytes_written = 3211264;
  add.time_us = stats(300.25, 280, 350.5, 340, 305, 20);
  add.workload = {0.75, 0.25};
  if (roofs_measured) {
    add.mem_cycles = 1516000;
    add.total_cycles = 1516000;
    add.bound = "memory";
  }
  add.live_activation_bytes = 9633792;

  LayerProfile reshape;
  reshape.id = 3;
  reshape.op_type = "Reshape";
  reshape.data_type = "FLOAT";
  reshape.input_shapes = {{1, 64, 112, 112}, {}};
  reshape.output_shapes = {{64, 12544}};
  reshape.kernel = "ref";
  reshape.source_names = {"flatten"};
  reshape.time_us = stats(1.5, 1, 3, 2.5, 1.75, 20);
  reshape.workload = {1, 0};
  reshape.live_activation_bytes = 3211264;

  r.layers = {conv, add, reshape};
  r.layer_sum_us = 812.5 + 300.25 + 1.5;
  r.ranking = {{"Conv", 1, 812.5, 72.9}, {"Add", 1, 300.25, 26.9}, {"Reshape", 1, 1.5, 0.2}};
  r.latency_ms = stats(1.125, 1.0625, 1.5, 1.25, 1.15, 20);
  r.profiled_latency_ms = stats(1.1875, 1.125, 1.625, 1.3, 1.2, 20);
  r.overhead_pct = 5.5555;
  r.layer_sum_ratio_pct = 99.08;
  r.memory.weight_bytes = 37632;
  r.memory.internal_bytes = 12845056;
  r.memory.other_bytes = 3813376;
  r.memory.total_bytes = 37632 + 12845056 + 3813376;
  r.memory.model_file_bytes = 38400;
  r.memory.naive_activation_bytes = 16056320;
  return r;
}

// sample_report() with the reshape replaced by a Loop (id 3) whose body ran a MatMul and a Relu
// five times per run (ids 4 and 5), then a top-level Softmax (id 6): what the profiler writes
// for control flow.
PerfReport report_with_loop() {
  PerfReport r = sample_report();
  LayerProfile& loop = r.layers[2];
  loop.op_type = "Loop";
  loop.kernel = "bodies(dynamic)";
  loop.source_names = {"loop_0"};
  loop.time_us = stats(100, 90, 130, 120, 104, 20);
  LayerProfile matmul = loop, relu = loop, softmax = loop;
  matmul.id = 4;
  matmul.op_type = "MatMul";
  matmul.kernel = "onednn:brg:avx512_core";
  matmul.source_names = {"mm"};
  matmul.time_us = stats(60, 50, 80, 70, 62, 20);
  matmul.workload = {};
  matmul.parent = 3;
  matmul.scope = "loop_0/body";
  matmul.calls = 5;
  relu = matmul;
  relu.id = 5;
  relu.op_type = "Relu";
  relu.source_names = {"act"};
  relu.time_us = stats(30, 25, 45, 40, 31, 20);
  softmax.id = 6;
  softmax.op_type = "Softmax";
  softmax.source_names = {"probs"};
  softmax.time_us = stats(10, 9, 12, 11, 10, 20);
  r.layers.insert(r.layers.end(), {matmul, relu, softmax});
  r.layer_sum_us = 812.5 + 300.25 + 100 + 10;
  return r;
}

// ---- JSON helpers ----

JsonValue parse(const std::string& text) {
  JsonValue doc;
  std::string err;
  EXPECT_TRUE(parse_json(text, &doc, &err)) << err;
  return doc;
}

const JsonValue& get(const JsonValue& obj, const char* key) {
  static const JsonValue missing;
  const JsonValue* v = obj.find(key);
  EXPECT_NE(v, nullptr) << "missing field '" << key << "'";
  return v ? *v : missing;
}

double num(const JsonValue& obj, const char* key) {
  const JsonValue& v = get(obj, key);
  EXPECT_TRUE(v.is_number()) << key;
  return v.as_number();
}

int64_t integer(const JsonValue& obj, const char* key) {
  int64_t out = -1;
  EXPECT_TRUE(get(obj, key).as_int64(&out)) << key << " is not an integer";
  return out;
}

std::string str(const JsonValue& obj, const char* key) {
  const JsonValue& v = get(obj, key);
  EXPECT_TRUE(v.is_string()) << key;
  return v.as_string();
}

void expect_stats(const JsonValue& v, const Stats& s) {
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(num(v, "median"), s.median);
  EXPECT_EQ(num(v, "min"), s.min);
  EXPECT_EQ(num(v, "max"), s.max);
  EXPECT_EQ(num(v, "p90"), s.p90);
  EXPECT_EQ(num(v, "mean"), s.mean);
  EXPECT_EQ(integer(v, "count"), s.count);
  EXPECT_EQ(v.as_object().size(), 6u);
}

std::vector<double> numbers(const JsonValue& v) {
  std::vector<double> out;
  for (const JsonValue& x : v.as_array()) out.push_back(x.as_number());
  return out;
}

std::vector<std::string> strings(const JsonValue& v) {
  std::vector<std::string> out;
  for (const JsonValue& x : v.as_array()) out.push_back(x.as_string());
  return out;
}

std::vector<std::vector<int64_t>> shapes(const JsonValue& v) {
  std::vector<std::vector<int64_t>> out;
  for (const JsonValue& s : v.as_array()) {
    out.emplace_back();
    for (const JsonValue& d : s.as_array()) {
      int64_t x = -1;
      EXPECT_TRUE(d.as_int64(&x));
      out.back().push_back(x);
    }
  }
  return out;
}

TEST(PerfJson, HasEveryFieldWithItsValue) {
  const PerfReport r = sample_report();
  const JsonValue doc = parse(perf_report_json(r));
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(str(doc, "schema"), "layerscope.perf");
  EXPECT_EQ(integer(doc, "schema_version"), kPerfSchemaVersion);
  EXPECT_EQ(str(doc, "model_path"), r.model_path);
  EXPECT_EQ(integer(doc, "threads"), 2);
  EXPECT_EQ(integer(doc, "warmup"), 5);
  EXPECT_EQ(integer(doc, "runs"), 20);

  const JsonValue& roofs = get(doc, "roofs");
  EXPECT_TRUE(get(roofs, "measured").as_bool());
  EXPECT_EQ(num(roofs, "clock_ghz"), 3.5);
  EXPECT_EQ(num(roofs, "macs_per_cycle_per_core"), 32);
  EXPECT_EQ(num(roofs, "int8_macs_per_cycle_per_core"), 128);
  EXPECT_EQ(num(roofs, "bandwidth_gbs_one_core"), 14.5);
  EXPECT_EQ(num(roofs, "bandwidth_gbs_all_cores"), 22.25);
  EXPECT_EQ(integer(roofs, "cores"), 2);

  expect_stats(get(doc, "latency_ms"), r.latency_ms);
  expect_stats(get(doc, "profiled_latency_ms"), r.profiled_latency_ms);
  EXPECT_EQ(num(doc, "overhead_pct"), r.overhead_pct);
  EXPECT_EQ(num(doc, "layer_sum_us"), r.layer_sum_us);
  EXPECT_EQ(num(doc, "layer_sum_ratio_pct"), r.layer_sum_ratio_pct);

  const JsonValue& layers = get(doc, "layers");
  ASSERT_EQ(layers.as_array().size(), r.layers.size());
  for (size_t i = 0; i < r.layers.size(); ++i) {
    SCOPED_TRACE("layer " + std::to_string(i + 1));
    const LayerProfile& l = r.layers[i];
    const JsonValue& j = layers.as_array()[i];
    EXPECT_EQ(integer(j, "id"), l.id);
    EXPECT_EQ(str(j, "op_type"), l.op_type);
    EXPECT_EQ(str(j, "data_type"), l.data_type);
    EXPECT_EQ(str(j, "target"), "CPU");
    EXPECT_EQ(shapes(get(j, "input_shapes")), l.input_shapes);
    EXPECT_EQ(shapes(get(j, "output_shapes")), l.output_shapes);
    EXPECT_EQ(str(j, "kernel"), l.kernel);
    EXPECT_EQ(strings(get(j, "source_names")), l.source_names);
    EXPECT_EQ(strings(get(j, "input_names")), l.input_names);
    EXPECT_EQ(strings(get(j, "output_names")), l.output_names);
    EXPECT_EQ(num(j, "macs"), l.macs);
    EXPECT_EQ(num(j, "other_ops"), l.other_ops);
    EXPECT_EQ(integer(j, "bytes_read"), l.bytes_read);
    EXPECT_EQ(integer(j, "bytes_written"), l.bytes_written);
    expect_stats(get(j, "time_us"), l.time_us);
    EXPECT_EQ(numbers(get(j, "workload")), l.workload);
    EXPECT_EQ(num(j, "mem_cycles"), l.mem_cycles);
    EXPECT_EQ(num(j, "compute_cycles"), l.compute_cycles);
    EXPECT_EQ(num(j, "total_cycles"), l.total_cycles);
    EXPECT_EQ(numbers(get(j, "mac_usage_pct")), l.mac_usage_pct);
    if (l.bound.empty()) EXPECT_TRUE(get(j, "bound").is_null());
    else EXPECT_EQ(str(j, "bound"), l.bound);
    EXPECT_EQ(integer(j, "live_activation_bytes"), l.live_activation_bytes);
    EXPECT_EQ(integer(j, "parent"), l.parent);
    EXPECT_EQ(str(j, "scope"), l.scope);
    EXPECT_EQ(num(j, "calls"), l.calls);
    EXPECT_EQ(j.as_object().size(), 25u) << "a LayerProfile field is not covered by this test";
  }
  EXPECT_EQ(layers.as_array()[1].find("source_names")->as_array()[0].as_string(), kTrickyName);

  const JsonValue& ranking = get(doc, "ranking");
  ASSERT_EQ(ranking.as_array().size(), r.ranking.size());
  for (size_t i = 0; i < r.ranking.size(); ++i) {
    const JsonValue& k = ranking.as_array()[i];
    EXPECT_EQ(str(k, "op_type"), r.ranking[i].op_type);
    EXPECT_EQ(integer(k, "calls"), r.ranking[i].calls);
    EXPECT_EQ(num(k, "total_us"), r.ranking[i].total_us);
    EXPECT_EQ(num(k, "ratio_pct"), r.ranking[i].ratio_pct);
  }

  const JsonValue& mem = get(doc, "memory");
  EXPECT_EQ(integer(mem, "weight_bytes"), r.memory.weight_bytes);
  EXPECT_EQ(integer(mem, "internal_bytes"), r.memory.internal_bytes);
  EXPECT_EQ(integer(mem, "other_bytes"), r.memory.other_bytes);
  EXPECT_EQ(integer(mem, "total_bytes"), r.memory.total_bytes);
  EXPECT_EQ(integer(mem, "model_file_bytes"), r.memory.model_file_bytes);
  EXPECT_EQ(integer(mem, "naive_activation_bytes"), r.memory.naive_activation_bytes);
}

TEST(PerfJson, UnmeasuredRoofsGiveNullCycles) {
  const JsonValue doc = parse(perf_report_json(sample_report(false)));
  EXPECT_FALSE(get(get(doc, "roofs"), "measured").as_bool());
  for (const JsonValue& l : get(doc, "layers").as_array()) {
    EXPECT_TRUE(get(l, "mem_cycles").is_null());
    EXPECT_TRUE(get(l, "compute_cycles").is_null());
    EXPECT_TRUE(get(l, "total_cycles").is_null());
    EXPECT_TRUE(get(l, "bound").is_null());
    EXPECT_TRUE(get(l, "mac_usage_pct").as_array().empty());
  }
}

// ---- CSV ----

// RFC 4180 reader: quoted fields may hold commas, CR/LF and doubled quotes; rows end in CRLF.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  size_t i = 0;
  bool quoted = false;
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c == '"') quoted = false;
      else field += c;
      ++i;
      continue;
    }
    if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field at byte " << i;
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF outside quotes at byte " << i;
      field += c;
    }
    ++i;
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_TRUE(row.empty() && field.empty()) << "last row not terminated by CRLF";
  return rows;
}

TEST(PerfCsv, OneRowPerLayerAndQuotingRoundTrips) {
  PerfReport r = sample_report();
  r.layers[2].kernel = "ref\nline two";  // a newline must be quoted too
  const std::string csv = perf_layers_csv(r);
  const auto rows = parse_csv(csv);
  ASSERT_EQ(rows.size(), 1 + r.layers.size());
  const auto& header = rows[0];
  for (const auto& row : rows) EXPECT_EQ(row.size(), header.size());
  auto col = [&](const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << "no column " << name;
    return static_cast<size_t>(it - header.begin());
  };
  EXPECT_EQ(rows[1][col("id")], "1");
  EXPECT_EQ(rows[1][col("op_type")], "Conv");
  EXPECT_EQ(rows[1][col("input_shapes")], "1x3x224x224;64x3x7x7;64");
  EXPECT_EQ(rows[1][col("output_shapes")], "1x64x112x112");
  EXPECT_EQ(rows[1][col("time_median_us")], "812.5");
  EXPECT_EQ(rows[1][col("time_count")], "20");
  EXPECT_EQ(rows[1][col("macs")], "118013952");
  EXPECT_EQ(rows[1][col("workload")], "0.5;0.5");
  EXPECT_EQ(rows[1][col("mac_usage_pct")], "32.5;32.25");
  EXPECT_EQ(rows[1][col("compute_cycles")], "1843968");
  EXPECT_EQ(rows[1][col("bound")], "compute");
  EXPECT_EQ(rows[1][col("live_activation_bytes")], "3813376");
  EXPECT_EQ(rows[2][col("source_names")], std::string(kTrickyName) + ";relu_1");
  EXPECT_EQ(rows[2][col("bytes_read")], "6422528");
  EXPECT_EQ(rows[3][col("kernel")], "ref\nline two");
  EXPECT_EQ(rows[3][col("input_shapes")], "1x64x112x112;scalar");
  EXPECT_EQ(rows[3][col("bound")], "");
  // The quoted field as written: quotes doubled, whole field in quotes.
  EXPECT_NE(csv.find("\"block1/add, \"\"skip\"\" branch;relu_1\""), std::string::npos);

  const auto unmeasured = parse_csv(perf_layers_csv(sample_report(false)));
  EXPECT_EQ(unmeasured[1][col("total_cycles")], "");
  EXPECT_EQ(unmeasured[1][col("mac_usage_pct")], "");
}

TEST(PerfCsv, BodyRowsNameTheirParentScopeAndCalls) {
  const auto rows = parse_csv(perf_layers_csv(report_with_loop()));
  ASSERT_EQ(rows.size(), 7u);
  const auto& header = rows[0];
  auto col = [&](const char* name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(col("calls"), header.size());
  EXPECT_EQ(rows[3][col("op_type")], "Loop");
  EXPECT_EQ(rows[3][col("parent")], "0");
  EXPECT_EQ(rows[3][col("scope")], "");
  EXPECT_EQ(rows[3][col("calls")], "1");
  for (size_t i : {4, 5}) {
    EXPECT_EQ(rows[i][col("parent")], "3");
    EXPECT_EQ(rows[i][col("scope")], "loop_0/body");
    EXPECT_EQ(rows[i][col("calls")], "5");
  }
  EXPECT_EQ(rows[6][col("parent")], "0");
}

// ---- Chrome trace ----

TEST(PerfTrace, EventsLayersEndToEndAndWorkerShares) {
  const PerfReport r = sample_report();
  const JsonValue doc = parse(perf_chrome_trace(r));
  EXPECT_EQ(str(doc, "displayTimeUnit"), "ms");
  EXPECT_TRUE(get(doc, "otherData").is_object());
  const auto& events = get(doc, "traceEvents").as_array();

  int metadata = 0;
  std::vector<const JsonValue*> layers, workers;
  std::map<int64_t, std::string> thread_names;
  std::string process_name;
  double last_ts = 0;
  for (const JsonValue& e : events) {
    const std::string ph = str(e, "ph");
    if (ph == "M") {
      ++metadata;
      const std::string name = str(e, "name");
      if (name == "thread_name") thread_names[integer(e, "tid")] = str(get(e, "args"), "name");
      if (name == "process_name") process_name = str(get(e, "args"), "name");
      continue;
    }
    ASSERT_EQ(ph, "X");
    EXPECT_GE(num(e, "ts"), last_ts) << "ts must not decrease";
    last_ts = num(e, "ts");
    EXPECT_GE(num(e, "dur"), 0);
    (integer(e, "tid") == 0 ? layers : workers).push_back(&e);
  }
  EXPECT_EQ(process_name, "resnet_tiny.onnx");
  EXPECT_EQ(thread_names,
            (std::map<int64_t, std::string>{{0, "layers (median run)"}, {1, "worker 0"}, {2, "worker 1"}}));
  EXPECT_EQ(metadata, 8);  // process + 3 threads, each with its sort index
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(workers.size(), 5u);  // 2 + 2 + 1: the reshape's idle thread gets no span

  double ts = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const JsonValue& e = *layers[i];
    const LayerProfile& l = r.layers[i];
    EXPECT_EQ(str(e, "name"), l.op_type);
    EXPECT_EQ(num(e, "ts"), ts);
    EXPECT_EQ(num(e, "dur"), l.time_us.median);
    ts += l.time_us.median;
    const JsonValue& args = get(e, "args");
    EXPECT_EQ(str(args, "op_type"), l.op_type);
    EXPECT_EQ(str(args, "kernel"), l.kernel);
    EXPECT_EQ(num(args, "macs"), l.macs);
    EXPECT_EQ(integer(args, "bytes_read"), l.bytes_read);
    EXPECT_EQ(integer(args, "bytes_written"), l.bytes_written);
    EXPECT_EQ(strings(get(args, "source_names")), l.source_names);
    EXPECT_EQ(num(args, "min_us"), l.time_us.min);
    EXPECT_EQ(num(args, "max_us"), l.time_us.max);
    EXPECT_EQ(num(args, "p90_us"), l.time_us.p90);
    EXPECT_EQ(str(args, "bound"), l.bound.empty() ? "unknown" : l.bound);
    EXPECT_TRUE(get(args, "input_shapes").is_array());
    EXPECT_TRUE(get(args, "output_shapes").is_array());
  }
  EXPECT_EQ(strings(get(get(*layers[0], "args"), "input_shapes")),
            (std::vector<std::string>{"1x3x224x224", "64x3x7x7", "64"}));

  // Add: shares 0.75 / 0.25 -> worker 0 busy the whole layer, worker 1 a third of it.
  const JsonValue& w0 = *workers[2];
  const JsonValue& w1 = *workers[3];
  EXPECT_EQ(integer(w0, "tid"), 1);
  EXPECT_EQ(integer(w1, "tid"), 2);
  EXPECT_EQ(num(w0, "ts"), 812.5);
  EXPECT_EQ(num(w0, "dur"), 300.25);
  EXPECT_NEAR(num(w1, "dur"), 300.25 / 3, 0.001);
  EXPECT_EQ(num(*workers[4], "dur"), 1.5);
}

// A body row is a slice inside its control layer's, laid from the control layer's start; the
// next top-level layer starts where the control layer ends.
TEST(PerfTrace, BodyRowsNestInsideTheirControlLayer) {
  const PerfReport r = report_with_loop();
  const JsonValue doc = parse(perf_chrome_trace(r));
  std::map<int64_t, const JsonValue*> by_id;
  for (const JsonValue& e : get(doc, "traceEvents").as_array())
    if (str(e, "ph") == "X" && integer(e, "tid") == 0) by_id[integer(get(e, "args"), "id")] = &e;
  ASSERT_EQ(by_id.size(), 6u);
  const double loop_ts = 812.5 + 300.25;
  EXPECT_EQ(num(*by_id[3], "ts"), loop_ts);
  EXPECT_EQ(num(*by_id[3], "dur"), 100);
  EXPECT_EQ(num(*by_id[4], "ts"), loop_ts);
  EXPECT_EQ(num(*by_id[4], "dur"), 60);
  EXPECT_EQ(num(*by_id[5], "ts"), loop_ts + 60);
  EXPECT_EQ(num(*by_id[5], "dur"), 30);
  EXPECT_EQ(num(*by_id[6], "ts"), loop_ts + 100);
  const JsonValue& args = get(*by_id[4], "args");
  EXPECT_EQ(integer(args, "parent"), 3);
  EXPECT_EQ(str(args, "scope"), "loop_0/body");
  EXPECT_EQ(num(args, "calls"), 5);

  // Body rows whose medians add up to more than the control layer's are cut at its end.
  PerfReport over = r;
  over.layers[4].time_us.median = 70;
  const JsonValue cut = parse(perf_chrome_trace(over));
  for (const JsonValue& e : get(cut, "traceEvents").as_array()) {
    if (str(e, "ph") == "X" && integer(get(e, "args"), "id") == 5) {
      EXPECT_EQ(num(e, "dur"), 40);
    }
  }
}

// ---- files ----

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(WritePerfReports, WritesAllFourAndNoTemporaries) {
  testing::TempDir tmp;
  const PerfReport r = sample_report();
  // An older report is replaced.
  tmp.write("perf.json", "old");
  Status st = write_perf_reports(r, tmp.path().string(), "the text report\n");
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(listing(tmp.path()),
            (std::vector<std::string>{"layers.csv", "perf.json", "perf.txt", "report.html", "trace.json"}));
  EXPECT_EQ(read_file(tmp.path() / "perf.txt"), "the text report\n");
  EXPECT_EQ(read_file(tmp.path() / "perf.json"), perf_report_json(r));
  EXPECT_EQ(read_file(tmp.path() / "layers.csv"), perf_layers_csv(r));
  EXPECT_EQ(read_file(tmp.path() / "trace.json"), perf_chrome_trace(r));
}

TEST(WritePerfReports, MissingFolderFailsAndCreatesNothing) {
  testing::TempDir tmp;
  const fs::path missing = tmp.path() / "no" / "such";
  Status st = write_perf_reports(sample_report(), missing.string(), "x");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("does not exist"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(missing.string()), std::string::npos) << st.message();
  EXPECT_TRUE(listing(tmp.path()).empty());

  const std::string file = tmp.write("plain_file", "x");
  st = write_perf_reports(sample_report(), file, "x");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("is not a folder"), std::string::npos) << st.message();
}

TEST(WritePerfReports, UnwritableFolderFailsAndLeavesNothing) {
  testing::TempDir tmp;
  fs::path dir = tmp.path() / "locked";
  fs::create_directories(dir);
  // root ignores permission bits; /proc refuses new files whoever asks.
  const bool root = ::geteuid() == 0;
  if (!root) ::chmod(dir.c_str(), 0555);
  const fs::path target = root ? fs::path("/proc") : dir;
  Status st = write_perf_reports(sample_report(), target.string(), "x");
  if (!root) ::chmod(dir.c_str(), 0755);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("cannot write '" + (target / "perf.txt").string() + "'"), std::string::npos)
      << st.message();
  EXPECT_TRUE(listing(dir).empty());
  EXPECT_FALSE(fs::exists("/proc/perf.txt"));
}

// A write failing half way (here: a file-size limit lets the small perf.txt through but not
// perf.json) must remove the temporaries already written and leave the old reports as they were.
TEST(WritePerfReports, FailureHalfWayLeavesOldReportsAndNoTemporaries) {
  testing::TempDir tmp;
  tmp.write("perf.txt", "old text");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the limit is per process: keep it out of the test runner
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64, 64};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    Status st = write_perf_reports(sample_report(), tmp.path().string(), "new text");
    const bool expected = !st && st.message().find("perf.json") != std::string::npos;
    ::_exit(expected ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected a failure naming perf.json";
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"perf.txt"});
  EXPECT_EQ(read_file(tmp.path() / "perf.txt"), "old text");
}

TEST(WritePerfReports, FolderInTheWayFailsBeforeWritingAnything) {
  testing::TempDir tmp;
  fs::create_directories(tmp.path() / "trace.json" / "inner");
  Status st = write_perf_reports(sample_report(), tmp.path().string(), "x");
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("trace.json"), std::string::npos) << st.message();
  EXPECT_EQ(listing(tmp.path()), std::vector<std::string>{"trace.json"});
}

}  // namespace
}  // namespace layerscope
