// Machine calibration: plausibility of the measured figures (quick mode, so the whole file
// runs in about a second), the JSON cache round trip and its recovery from bad files, and
// the JSON writer/reader it is built on.
#include "layerscope/machine.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/json.h"

namespace layerscope {
namespace {

namespace fs = std::filesystem;

// One quick calibration shared by the plausibility tests.
const MachineInfo& quick_info() {
  static const MachineInfo info = [] {
    CalibrationOptions o;
    o.quick = true;
    return calibrate_machine(o);
  }();
  return info;
}

// Very short runs for tests that only need *a* calibration to happen.
CalibrationOptions tiny_options() {
  CalibrationOptions o;
  o.quick = true;
  o.kernel_seconds = 0.002;
  o.repetitions = 1;
  o.skip_bandwidth = true;
  return o;
}

// Points LAYERSCOPE_CACHE_DIR at a fresh directory for the lifetime of the object.
class TempCacheDir {
 public:
  TempCacheDir() {
    std::string tmpl = (fs::temp_directory_path() / "layerscope-machine-test-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    const char* old = getenv("LAYERSCOPE_CACHE_DIR");
    had_old_ = old != nullptr;
    if (old) old_ = old;
    setenv("LAYERSCOPE_CACHE_DIR", dir_.c_str(), 1);
  }
  ~TempCacheDir() {
    if (had_old_) setenv("LAYERSCOPE_CACHE_DIR", old_.c_str(), 1);
    else unsetenv("LAYERSCOPE_CACHE_DIR");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_, old_;
  bool had_old_ = false;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::trunc);
  f << text;
}

// ---- identification and measured figures ----

TEST(Machine, IdentifiesCpu) {
  MachineInfo m = identify_machine();
  EXPECT_FALSE(m.model_name.empty());
  EXPECT_GE(m.logical_cores, 1);
  EXPECT_GE(m.physical_cores, 1);
  EXPECT_LE(m.physical_cores, m.logical_cores);
  EXPECT_EQ(m.key.size(), 16u);
  EXPECT_EQ(m.key, identify_machine().key) << "the cache key must be stable";
#if defined(__x86_64__)
  EXPECT_TRUE(m.isa.sse4_2 || m.isa.avx2);
  EXPECT_GT(m.cache.l1d_bytes, 0);
  EXPECT_GT(m.cache.llc_total_bytes, 0);
#endif
  if (m.isa.avx512_bf16 || m.isa.avx512_vnni) {
    EXPECT_TRUE(m.isa.avx512f);
  }
}

TEST(Machine, ClockIsPlausible) {
  const MachineInfo& m = quick_info();
  EXPECT_GT(m.clock_ghz, 0.5);
  EXPECT_LT(m.clock_ghz, 7.0);
}

// Only facts every x86-64 CPU with AVX-512 shares (AMD or Intel, with or without AMX or
// AVX512-FP16), never a ratio between measured rates: those differ between CPUs (a Xeon without
// AMX runs vdpbf16ps at half its FMA rate) and between a quiet and a busy machine.
TEST(Machine, ComputePeaksArePlausible) {
  const MachineInfo& m = quick_info();
  EXPECT_FALSE(m.fp32.kernel.empty());
  EXPECT_EQ(m.bf16.gmacs_1core > 0, m.isa.avx512_bf16);
  EXPECT_EQ(m.int8.gmacs_1core > 0, m.isa.avx512_vnni || m.isa.avx_vnni);
  for (const PeakCompute* p : {&m.fp32, &m.bf16, &m.int8}) {
    if (p == &m.fp32 || p->gmacs_1core > 0) {
      EXPECT_GT(p->gmacs_1core, 0);
      EXPECT_GT(p->gmacs_all, 0);
      EXPECT_TRUE(std::isfinite(p->gmacs_1core) && std::isfinite(p->gmacs_all));
    }
  }
}

TEST(Machine, BandwidthIsPlausible) {
  const MachineInfo& m = quick_info();
  EXPECT_GT(m.bandwidth_buffer_bytes, m.cache.llc_total_bytes);
  for (const Bandwidth* b : {&m.read, &m.write, &m.write_nt, &m.copy}) {
    EXPECT_GT(b->gbs_1core, 0.0);
    EXPECT_GT(b->gbs_all, 0.0);
    EXPECT_TRUE(std::isfinite(b->gbs_1core) && std::isfinite(b->gbs_all));
  }
}

TEST(Machine, RoofHelpersScaleWithThreads) {
  MachineInfo m;
  m.logical_cores = 4;
  m.fp32 = {10.0, 36.0, "k"};
  m.read = {20.0, 50.0};
  m.copy = {15.0, 60.0};
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::F32, 1), 10.0);
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::F32, 2), 20.0);
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::F32, 0), 36.0);
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::F32, 8), 36.0);
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::BF16, 1), 0.0);  // not measured
  EXPECT_DOUBLE_EQ(peak_gmacs(m, DType::F16, 1), 0.0);
  EXPECT_DOUBLE_EQ(roof_bandwidth_gbs(m, 1), 20.0);
  EXPECT_DOUBLE_EQ(roof_bandwidth_gbs(m, 3), 50.0);  // min(3 x 20, 50) vs min(3 x 15, 60)
  EXPECT_DOUBLE_EQ(roof_bandwidth_gbs(m, 0), 60.0);
}

TEST(Machine, FormatMentionsTheFigures) {
  MachineInfo m = quick_info();
  m.cache_path = "/some/where/machine-x.json";
  std::string s = format_machine(m);
  EXPECT_NE(s.find(m.model_name), std::string::npos) << s;
  EXPECT_NE(s.find("GMAC/s"), std::string::npos) << s;
  EXPECT_NE(s.find("GB/s"), std::string::npos) << s;
  EXPECT_NE(s.find("GHz"), std::string::npos) << s;
  EXPECT_NE(s.find("/some/where/machine-x.json"), std::string::npos) << s;
}

TEST(Machine, FormatKeepsALongCachePathWhole) {
  // Longer than the fixed 256-byte line buffer format_machine once had: nothing may be cut.
  MachineInfo m = quick_info();
  m.cache_path = "/" + std::string(400, 'd') + "/machine-x.json";
  const std::string s = format_machine(m);
  EXPECT_NE(s.find("Cache file  " + m.cache_path + " (written)\n"), std::string::npos) << s;
}

// ---- cache ----

TEST(MachineCache, JsonRoundTripsExactly) {
  MachineInfo m = quick_info();
  m.model_name = "Quote\" back\\slash\nnewline\ttab \x01 \xc3\xa9";  // escaping
  m.clock_ghz = 1.0 / 3.0;                                           // no short decimal form
  m.copy.gbs_all = 1e-300;
  m.cache.llc_total_bytes = int64_t{1} << 50;
  MachineInfo back;
  Status st = machine_from_json(machine_to_json(m), &back);
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(back == m) << machine_to_json(back) << "\nvs\n" << machine_to_json(m);
}

TEST(MachineCache, RejectsBadDocuments) {
  const std::string good = machine_to_json(quick_info());
  MachineInfo out;
  out.model_name = "untouched";
  EXPECT_FALSE(machine_from_json("", &out));
  EXPECT_FALSE(machine_from_json(good.substr(0, good.size() / 2), &out));  // truncated
  EXPECT_FALSE(machine_from_json("[1, 2]", &out));
  std::string other_schema = good;
  other_schema.replace(other_schema.find("\"schema\": 1"), 11, "\"schema\": 999");
  EXPECT_FALSE(machine_from_json(other_schema, &out));
  std::string missing = good;
  missing.replace(missing.find("\"measured_ghz\""), 14, "\"measured_ghx\"");
  Status st = machine_from_json(missing, &out);
  EXPECT_FALSE(st);
  EXPECT_NE(st.message().find("measured_ghz"), std::string::npos) << st.message();
  EXPECT_EQ(out.model_name, "untouched");
}

TEST(MachineCache, MissThenHit) {
  TempCacheDir dir;
  const std::string path = machine_cache_path();
  EXPECT_EQ(path.rfind(dir.path() + "/machine-", 0), 0u) << path;

  MachineInfo first;
  Status st = load_or_calibrate(&first, false, tiny_options());
  ASSERT_TRUE(st) << st.message();
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(first.cache_path, path);
  ASSERT_TRUE(fs::exists(path));

  auto t0 = std::chrono::steady_clock::now();
  MachineInfo second;
  st = load_or_calibrate(&second, false, tiny_options());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(st) << st.message();
  EXPECT_TRUE(second.from_cache);
  EXPECT_LT(seconds, 0.5) << "a cache hit must not measure anything";
  second.from_cache = false;
  EXPECT_TRUE(second == first);

  // force recalibrates even with a valid file.
  MachineInfo third;
  ASSERT_TRUE(load_or_calibrate(&third, true, tiny_options()));
  EXPECT_FALSE(third.from_cache);
}

TEST(MachineCache, CorruptFileIsIgnoredAndRewritten) {
  TempCacheDir dir;
  const std::string path = machine_cache_path();
  MachineInfo m;
  ASSERT_TRUE(load_or_calibrate(&m, false, tiny_options()));
  const std::string good = slurp(path);

  std::string wrong_key = good;
  wrong_key.replace(wrong_key.find(m.key), m.key.size(), "0123456789abcdef");
  for (const std::string& bad :
       {std::string("{ not json"), std::string(), good.substr(0, 100), std::string("{\"schema\": 1}"), wrong_key}) {
    spit(path, bad);
    MachineInfo again;
    Status st = load_or_calibrate(&again, false, tiny_options());
    ASSERT_TRUE(st) << st.message();
    EXPECT_FALSE(again.from_cache) << "accepted: " << bad;
    MachineInfo reread;
    EXPECT_TRUE(machine_from_json(slurp(path), &reread)) << "not rewritten after: " << bad;
    EXPECT_EQ(reread.key, m.key);
  }
}

TEST(MachineCache, QuickResultDoesNotServeFullRequest) {
  TempCacheDir dir;
  MachineInfo m;
  ASSERT_TRUE(load_or_calibrate(&m, false, tiny_options()));
  // Same options again: hit. A request that wants bandwidth: the cached file has none.
  MachineInfo again;
  ASSERT_TRUE(load_or_calibrate(&again, false, tiny_options()));
  EXPECT_TRUE(again.from_cache);
  CalibrationOptions with_bw = tiny_options();
  with_bw.skip_bandwidth = false;
  with_bw.bandwidth_bytes = 8 << 20;
  ASSERT_TRUE(load_or_calibrate(&again, false, with_bw));
  EXPECT_FALSE(again.from_cache);
  EXPECT_GT(again.read.gbs_1core, 0);
}

TEST(MachineCache, UnwritableDirectoryStillReturnsFigures) {
  TempCacheDir dir;
  std::string blocker = dir.path() + "/file";
  spit(blocker, "x");
  setenv("LAYERSCOPE_CACHE_DIR", (blocker + "/sub").c_str(), 1);  // a path under a file
  MachineInfo m;
  Status st = load_or_calibrate(&m, false, tiny_options());
  EXPECT_FALSE(st);
  EXPECT_GT(m.fp32.gmacs_1core, 0);
  EXPECT_TRUE(m.cache_path.empty());
}

// ---- JSON writer / reader ----

TEST(Json, WriterEscapesAndNests) {
  JsonWriter w(0);
  w.begin_object();
  w.field("s", "a\"b\\c\n\x1f").field("i", int64_t{-5}).field("u", uint64_t{18446744073709551615ull});
  w.field("d", 0.1).field("b", true).field("nan", std::nan(""));
  w.key("arr").begin_array().value(1).begin_object().end_object().begin_array().end_array().end_array();
  w.end_object();
  EXPECT_EQ(w.str(),
            "{\"s\":\"a\\\"b\\\\c\\n\\u001f\",\"i\":-5,\"u\":18446744073709551615,\"d\":0.1,"
            "\"b\":true,\"nan\":null,\"arr\":[1,{},[]]}");
}

TEST(Json, WriterRejectsMisuse) {
  JsonWriter w;
  w.begin_object();
  EXPECT_ANY_THROW(w.value(1));  // value without key
  EXPECT_ANY_THROW(w.str());     // still open
  EXPECT_ANY_THROW(w.end_array());
}

TEST(Json, ParserReadsWhatTheWriterWrites) {
  JsonWriter w;
  w.begin_object().field("x", 1.0 / 3.0).field("name", "\xe2\x82\xac \"q\"").key("list");
  w.begin_array().value(1).value(false).null().end_array().end_object();
  JsonValue v;
  std::string err;
  ASSERT_TRUE(parse_json(w.str(), &v, &err)) << err;
  EXPECT_EQ(v.find("x")->as_number(), 1.0 / 3.0);
  EXPECT_EQ(v.find("name")->as_string(), "\xe2\x82\xac \"q\"");
  ASSERT_EQ(v.find("list")->as_array().size(), 3u);
  EXPECT_TRUE(v.find("list")->as_array()[2].is_null());
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Json, ParserHandlesEscapesAndErrors) {
  JsonValue v;
  ASSERT_TRUE(parse_json(R"({"a": "\u00e9\ud83d\ude00\/", "n": -12, "e": 1.5e3})", &v));
  EXPECT_EQ(v.find("a")->as_string(), "\xc3\xa9\xf0\x9f\x98\x80/");
  int64_t n = 0;
  EXPECT_TRUE(v.find("n")->as_int64(&n));
  EXPECT_EQ(n, -12);
  EXPECT_FALSE(v.find("e")->as_int64(&n));
  EXPECT_EQ(v.find("e")->as_number(), 1500.0);
  std::string err;
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"\\ud800\"", "tru", "{} x", "\"a\nb\""}) {
    EXPECT_FALSE(parse_json(bad, &v, &err)) << bad;
  }
  EXPECT_NE(err.find("byte"), std::string::npos) << err;
  EXPECT_FALSE(parse_json(std::string(1000, '['), &v, &err)) << "depth limit";
}

}  // namespace
}  // namespace layerscope
