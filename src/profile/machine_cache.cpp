// The on-disk cache of calibration results: JSON (fixed schema, every field required),
// path resolution and load_or_calibrate(). A file that is unreadable, malformed, of another
// schema or for another machine is treated as absent and overwritten.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "profile/machine_internal.h"
#include "util/atomic_write.h"
#include "util/json.h"

namespace layerscope {

using machine_detail::kCacheSchema;
using machine_detail::kIsaFlagNames;

namespace {

void write_peak(JsonWriter& w, const char* name, const PeakCompute& p) {
  w.key(name).begin_object();
  w.field("gmacs_1core", p.gmacs_1core).field("gmacs_all", p.gmacs_all).field("kernel", p.kernel);
  w.end_object();
}

void write_bandwidth(JsonWriter& w, const char* name, const Bandwidth& b) {
  w.key(name).begin_object();
  w.field("gbs_1core", b.gbs_1core).field("gbs_all", b.gbs_all);
  w.end_object();
}

// Typed field access that remembers the first missing or mistyped field.
class Reader {
 public:
  const JsonValue* object(const JsonValue* parent, const char* key) {
    const JsonValue* v = get(parent, key);
    if (v && !v->is_object()) return bad(key);
    return v;
  }
  void number(const JsonValue* parent, const char* key, double* out) {
    const JsonValue* v = get(parent, key);
    if (v && !v->is_number()) bad(key);
    else if (v) *out = v->as_number();
  }
  template <typename Int>
  void integer(const JsonValue* parent, const char* key, Int* out) {
    const JsonValue* v = get(parent, key);
    int64_t x = 0;
    if (v && !v->as_int64(&x)) bad(key);
    else if (v) *out = static_cast<Int>(x);
  }
  void string(const JsonValue* parent, const char* key, std::string* out) {
    const JsonValue* v = get(parent, key);
    if (v && !v->is_string()) bad(key);
    else if (v) *out = v->as_string();
  }
  void boolean(const JsonValue* parent, const char* key, bool* out) {
    const JsonValue* v = get(parent, key);
    if (v && !v->is_bool()) bad(key);
    else if (v) *out = v->as_bool();
  }
  void peak(const JsonValue* parent, const char* key, PeakCompute* p) {
    const JsonValue* o = object(parent, key);
    number(o, "gmacs_1core", &p->gmacs_1core);
    number(o, "gmacs_all", &p->gmacs_all);
    string(o, "kernel", &p->kernel);
  }
  void bandwidth(const JsonValue* parent, const char* key, Bandwidth* b) {
    const JsonValue* o = object(parent, key);
    number(o, "gbs_1core", &b->gbs_1core);
    number(o, "gbs_all", &b->gbs_all);
  }
  const std::string& error() const { return error_; }

 private:
  const JsonValue* get(const JsonValue* parent, const char* key) {
    if (!parent) return nullptr;  // the enclosing object already failed
    const JsonValue* v = parent->find(key);
    if (!v && error_.empty()) error_ = std::string("missing field '") + key + "'";
    return v;
  }
  const JsonValue* bad(const char* key) {
    if (error_.empty()) error_ = std::string("field '") + key + "' has the wrong type";
    return nullptr;
  }
  std::string error_;
};

std::string cache_dir() {
  if (const char* d = std::getenv("LAYERSCOPE_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/layerscope";
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    const passwd* pw = getpwuid(getuid());
    home = pw ? pw->pw_dir : nullptr;
  }
  if (!home || !*home) return {};
  return std::string(home) + "/.cache/layerscope";
}

std::string cache_path_for(const std::string& key) {
  std::string dir = cache_dir();
  return dir.empty() ? std::string() : dir + "/machine-" + key + ".json";
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return static_cast<bool>(f) || f.eof();
}

// The cache file appears complete or not at all (util/atomic_write.h): readers, or a
// concurrent calibration in another process, never see a half-written file.
bool write_cache_file(const std::string& path, const std::string& text, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::path(path).parent_path();
  fs::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create the cache folder '" + dir.string() + "': " + ec.message();
    return false;
  }
  Status st = write_file_atomically(path, {text});
  if (!st) *error = st.message();
  return static_cast<bool>(st);
}

// A cached result serves `options` unless it is less complete than what is asked for.
bool cache_satisfies(const MachineInfo& m, const CalibrationOptions& options) {
  if (m.clock_ghz <= 0 || m.fp32.gmacs_1core <= 0 || m.logical_cores <= 0) return false;
  if (m.quick && !options.quick) return false;
  if (!options.skip_bandwidth && m.read.gbs_1core <= 0) return false;
  return true;
}

}  // namespace

std::string machine_to_json(const MachineInfo& m) {
  JsonWriter w;
  w.begin_object();
  w.field("schema", kCacheSchema).field("key", m.key);

  w.key("cpu").begin_object();
  w.field("model_name", m.model_name).field("vendor", m.vendor);
  w.field("family", m.family).field("model", m.model).field("stepping", m.stepping);
  w.field("logical_cores", m.logical_cores).field("physical_cores", m.physical_cores);
  w.key("isa").begin_object();
  for (const auto& flag : kIsaFlagNames) w.field(flag.name, m.isa.*flag.member);
  w.end_object();
  w.key("cache").begin_object();
  w.field("l1d_bytes", m.cache.l1d_bytes).field("l2_bytes", m.cache.l2_bytes);
  w.field("l3_bytes", m.cache.l3_bytes).field("l3_instances", m.cache.l3_instances);
  w.field("llc_total_bytes", m.cache.llc_total_bytes);
  w.end_object();
  w.end_object();

  w.key("clock").begin_object();
  w.field("measured_ghz", m.clock_ghz).field("cpuinfo_mhz", m.cpuinfo_mhz);
  w.end_object();

  w.key("peak").begin_object();
  w.field("fp32_macs_per_cycle", m.fp32_macs_per_cycle);
  write_peak(w, "fp32", m.fp32);
  write_peak(w, "bf16", m.bf16);
  write_peak(w, "int8", m.int8);
  w.end_object();

  w.key("bandwidth").begin_object();
  w.field("buffer_bytes", m.bandwidth_buffer_bytes);
  write_bandwidth(w, "read", m.read);
  write_bandwidth(w, "write", m.write);
  write_bandwidth(w, "write_nt", m.write_nt);
  write_bandwidth(w, "copy", m.copy);
  w.end_object();

  w.key("calibration").begin_object();
  w.field("quick", m.quick).field("seconds", m.calibration_seconds);
  w.field("load_average", m.load_average).field("timestamp", m.calibrated_at);
  w.end_object();

  w.end_object();
  return w.str() + "\n";
}

Status machine_from_json(const std::string& json, MachineInfo* info) {
  JsonValue doc;
  std::string err;
  if (!parse_json(json, &doc, &err)) return Status::error("machine cache: invalid JSON: " + err);
  if (!doc.is_object()) return Status::error("machine cache: top level is not an object");
  Reader r;
  int schema = 0;
  r.integer(&doc, "schema", &schema);
  if (r.error().empty() && schema != kCacheSchema)
    return Status::error("machine cache: schema " + std::to_string(schema) + ", expected " +
                         std::to_string(kCacheSchema));
  MachineInfo m;
  r.string(&doc, "key", &m.key);

  const JsonValue* cpu = r.object(&doc, "cpu");
  r.string(cpu, "model_name", &m.model_name);
  r.string(cpu, "vendor", &m.vendor);
  r.integer(cpu, "family", &m.family);
  r.integer(cpu, "model", &m.model);
  r.integer(cpu, "stepping", &m.stepping);
  r.integer(cpu, "logical_cores", &m.logical_cores);
  r.integer(cpu, "physical_cores", &m.physical_cores);
  const JsonValue* isa = r.object(cpu, "isa");
  for (const auto& flag : kIsaFlagNames) r.boolean(isa, flag.name, &(m.isa.*flag.member));
  const JsonValue* cache = r.object(cpu, "cache");
  r.integer(cache, "l1d_bytes", &m.cache.l1d_bytes);
  r.integer(cache, "l2_bytes", &m.cache.l2_bytes);
  r.integer(cache, "l3_bytes", &m.cache.l3_bytes);
  r.integer(cache, "l3_instances", &m.cache.l3_instances);
  r.integer(cache, "llc_total_bytes", &m.cache.llc_total_bytes);

  const JsonValue* clock = r.object(&doc, "clock");
  r.number(clock, "measured_ghz", &m.clock_ghz);
  r.number(clock, "cpuinfo_mhz", &m.cpuinfo_mhz);

  const JsonValue* peak = r.object(&doc, "peak");
  r.number(peak, "fp32_macs_per_cycle", &m.fp32_macs_per_cycle);
  r.peak(peak, "fp32", &m.fp32);
  r.peak(peak, "bf16", &m.bf16);
  r.peak(peak, "int8", &m.int8);

  const JsonValue* bw = r.object(&doc, "bandwidth");
  r.integer(bw, "buffer_bytes", &m.bandwidth_buffer_bytes);
  r.bandwidth(bw, "read", &m.read);
  r.bandwidth(bw, "write", &m.write);
  r.bandwidth(bw, "write_nt", &m.write_nt);
  r.bandwidth(bw, "copy", &m.copy);

  const JsonValue* cal = r.object(&doc, "calibration");
  r.boolean(cal, "quick", &m.quick);
  r.number(cal, "seconds", &m.calibration_seconds);
  r.number(cal, "load_average", &m.load_average);
  r.string(cal, "timestamp", &m.calibrated_at);

  if (!r.error().empty()) return Status::error("machine cache: " + r.error());
  *info = std::move(m);
  return Status::ok();
}

std::string machine_cache_path() { return cache_path_for(identify_machine().key); }

Status load_or_calibrate(MachineInfo* info, bool force, const CalibrationOptions& options) {
  const std::string key = identify_machine().key;
  const std::string path = cache_path_for(key);
  if (!force && !path.empty()) {
    std::string text;
    MachineInfo cached;
    if (read_file(path, &text) && machine_from_json(text, &cached) && cached.key == key &&
        cache_satisfies(cached, options)) {
      cached.cache_path = path;
      cached.from_cache = true;
      *info = std::move(cached);
      return Status::ok();
    }
  }
  MachineInfo fresh = calibrate_machine(options);
  std::string err = path.empty() ? "no cache directory (set LAYERSCOPE_CACHE_DIR or HOME)" : "";
  if (!path.empty() && write_cache_file(path, machine_to_json(fresh), &err)) {
    fresh.cache_path = path;
    *info = std::move(fresh);
    return Status::ok();
  }
  *info = std::move(fresh);
  return Status::error("machine calibration not cached (" + err + "); using this run's calibration");
}

}  // namespace layerscope
