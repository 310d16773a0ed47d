// Reading perf.json back: a real profiled run and an imported eval_perf text survive
// write -> read -> write unchanged (so every field the writer writes is read), and bad files
// give errors that name the file and the field.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "layerscope/import.h"
#include "layerscope/profile.h"
#include "layerscope/report.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// x -> Relu -> Add(x): two layers with real timings.
PerfReport profiled_run(const TempDir& dir) {
  onnx::ModelProto m = testing::single_node_model("Relu", {1, 32, 16, 16});
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "r");
  auto* a = g->add_node();
  a->set_op_type("Add");
  a->set_name("block/add, \"quoted\" \\ name");
  a->add_input("r");
  a->add_input("x");
  a->add_output("y");
  std::unique_ptr<Session> session;
  Status st = Session::load(dir.write_model("two.onnx", m), {}, &session);
  EXPECT_TRUE(st) << st.message();
  ProfileOptions o;
  o.warmup = 1;
  o.runs = 3;
  Roofs roofs;  // fixed roofs, so the derived cycle fields are numbers
  roofs.cpu_model = "Test CPU @ 3.0GHz";
  roofs.clock_ghz = 3.0;
  roofs.macs_per_cycle_per_core = 32;
  roofs.int8_macs_per_cycle_per_core = 128;
  roofs.bandwidth_gbs_one_core = 20;
  roofs.bandwidth_gbs_all_cores = 30;
  roofs.cores = 2;
  roofs.measured = true;
  PerfReport r;
  st = evaluate_performance(*session, {{"x", Tensor(DType::F32, {1, 32, 16, 16})}}, o, roofs, &r);
  EXPECT_TRUE(st) << st.message();
  return r;
}

TEST(JsonReader, RealRunRoundTripsExactly) {
  TempDir dir;
  PerfReport r = profiled_run(dir);
  ASSERT_FALSE(r.layers.empty());
  const std::string json = perf_report_json(r);
  PerfReport back;
  Status st = perf_report_from_json(json, "perf.json", &back);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(perf_report_json(back), json);  // every written field was read back, bit for bit
  EXPECT_EQ(back.layers.back().source_names, r.layers.back().source_names);
  EXPECT_EQ(back.layers.back().time_us.median, r.layers.back().time_us.median);
  EXPECT_EQ(back.layers[0].total_cycles, r.layers[0].total_cycles);
  EXPECT_EQ(back.roofs.cpu_model, "Test CPU @ 3.0GHz");
  EXPECT_EQ(back.roofs.int8_macs_per_cycle_per_core, 128);
  EXPECT_EQ(back.latency_ms.count, 3);
  // Layers name the values they read and write, and the names connect them.
  ASSERT_FALSE(r.layers[0].input_names.empty());
  EXPECT_EQ(r.layers[0].input_names[0], "x");
  EXPECT_EQ(back.layers[0].input_names, r.layers[0].input_names);
  EXPECT_EQ(back.layers.back().output_names, r.layers.back().output_names);
  for (size_t i = 1; i < r.layers.size(); ++i) {
    bool connected = false;
    for (const std::string& v : r.layers[i].input_names)
      for (size_t k = 0; k < i; ++k)
        for (const std::string& o : r.layers[k].output_names) connected = connected || (!v.empty() && v == o);
    EXPECT_TRUE(connected) << "layer " << r.layers[i].id << " reads nothing an earlier layer wrote";
  }

  // A report written before int8 roofs and value names existed still reads: both unknown.
  std::string old = json;
  for (const char* key : {"\"int8_macs_per_cycle_per_core\"", "\"input_names\"", "\"output_names\""}) {
    for (size_t at = old.find(key); at != std::string::npos; at = old.find(key)) {
      const size_t end = old[old.find(':', at) + 2] == '[' ? old.find(']', at) + 1 : old.find(',', at);
      old.erase(at, old.find_first_not_of(" \n,", end) - at);
    }
  }
  ASSERT_EQ(old.find("input_names"), std::string::npos);
  PerfReport older;
  st = perf_report_from_json(old, "old.json", &older);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(older.roofs.int8_macs_per_cycle_per_core, 0);
  EXPECT_TRUE(older.layers[0].input_names.empty());
  EXPECT_EQ(older.layers.size(), r.layers.size());

  // Without roofs the cycles are written as null (unknown) and read back as 0.
  PerfReport unmeasured = r;
  unmeasured.roofs = Roofs{};
  const std::string json2 = perf_report_json(unmeasured);
  EXPECT_NE(json2.find("\"mem_cycles\": null"), std::string::npos);
  ASSERT_TRUE(perf_report_from_json(json2, "perf.json", &back));
  EXPECT_EQ(back.layers[0].mem_cycles, 0);
  EXPECT_EQ(perf_report_json(back), json2);
}

TEST(JsonReader, ImportedReportKeepsTheBoardsCycles) {
  PerfReport r;
  Status st = read_perf_report(LAYERSCOPE_TEST_DIR "/data/rknn/eval_perf_2x.txt", &r);
  ASSERT_TRUE(st) << st.message();
  const std::string json = perf_report_json(r);
  EXPECT_NE(json.find("\"compute_cycles\": 28374528"), std::string::npos);
  EXPECT_NE(json.find("\"imported_from\": \"RKNN eval_perf text, 2.x layout"), std::string::npos);
  EXPECT_NE(json.find("\"findings\": ["), std::string::npos);
  EXPECT_NE(json.find("\"kind\": \"fallback_kernels\""), std::string::npos);
  PerfReport back;
  ASSERT_TRUE(perf_report_from_json(json, "perf.json", &back));
  EXPECT_EQ(perf_report_json(back), json);
  EXPECT_EQ(back.layers[1].target, "NPU");
  EXPECT_EQ(back.layers[1].compute_cycles, 28374528);
}

TEST(JsonReader, ReadsTheFileWrittenByWritePerfReports) {
  TempDir dir;
  PerfReport r = profiled_run(dir);
  ASSERT_TRUE(write_perf_reports(r, dir.path().string(), "text"));
  PerfReport back;
  const std::string path = (dir.path() / "perf.json").string();
  Status st = read_perf_report(path, &back);
  ASSERT_TRUE(st) << st.message();
  EXPECT_EQ(perf_report_json(back), read_text(path));
}

TEST(JsonReader, ErrorsNameTheFileAndField) {
  PerfReport r;
  Status st = perf_report_from_json("{\"schema\": \"layerscope.perf\", \"layers\": [", "a.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("a.json: not valid JSON"), std::string::npos) << st.message();

  st = perf_report_from_json("{\"schema\": \"layerscope.trace\", \"schema_version\": 1}", "b.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("b.json: not a layerscope performance report (schema 'layerscope.trace'"),
            std::string::npos)
      << st.message();

  st = perf_report_from_json("{\"schema\": \"layerscope.perf\", \"schema_version\": 99, \"layers\": []}", "c.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("schema_version 99"), std::string::npos) << st.message();

  st = perf_report_from_json(
      "{\"schema\": \"layerscope.perf\", \"schema_version\": 1, \"layers\": [{\"id\": 1, \"op_type\": \"Relu\", "
      "\"time_us\": {\"median\": \"fast\"}}]}",
      "d.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("d.json: layers[0].time_us.median: expected a number, got a string"), std::string::npos)
      << st.message();

  st = perf_report_from_json("{\"schema\": \"layerscope.perf\", \"schema_version\": 1, \"layers\": [{\"id\": 1}]}",
                             "e.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("e.json: layers[0].op_type: missing"), std::string::npos) << st.message();

  // A body row's parent is an earlier row (the control layer that ran it comes first).
  st = perf_report_from_json(
      "{\"schema\": \"layerscope.perf\", \"schema_version\": 1, \"layers\": [{\"id\": 1, \"op_type\": \"Loop\", "
      "\"time_us\": {}}, {\"id\": 2, \"op_type\": \"Add\", \"time_us\": {}, \"parent\": 3}]}",
      "f.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("f.json: layers[1].parent: expected 0 or the id of an earlier layer, got 3"),
            std::string::npos)
      << st.message();
  st = perf_report_from_json(
      "{\"schema\": \"layerscope.perf\", \"schema_version\": 1, \"layers\": [{\"id\": 1, \"op_type\": \"Loop\", "
      "\"time_us\": {}}, {\"id\": 2, \"op_type\": \"Add\", \"time_us\": {}, \"parent\": 1, \"calls\": -2}]}",
      "g.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("g.json: layers[1].calls: expected a finite number of executions, at least 0, got -2"),
            std::string::npos)
      << st.message();

  st = read_perf_report("/nonexistent/perf.json", &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("'/nonexistent/perf.json': the file does not exist"), std::string::npos) << st.message();

  TempDir dir;
  std::string other = dir.write("notes.txt", "hello\n");
  st = read_perf_report(other, &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("notes.txt: unrecognised content"), std::string::npos) << st.message();
  st = read_perf_report(dir.write("empty.json", ""), &r);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("empty.json: empty file"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace layerscope
