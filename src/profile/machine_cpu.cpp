// CPU identification: CPUID (vendor, brand, family/model, ISA flags gated by the OS-enabled
// register state in XCR0), usable CPUs from the affinity mask, topology and cache sizes from
// sysfs (sysconf as fallback), and the cache key.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "profile/machine_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LS_MACHINE_X86 1
#endif

namespace layerscope {
namespace machine_detail {

namespace {

struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
#ifdef LS_MACHINE_X86
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
#endif
  return r;
}

bool bit(unsigned v, int i) { return (v >> i) & 1u; }

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\n\r");
  size_t e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool read_text(const std::string& path, std::string* out) {
  std::ifstream f(path);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = trim(ss.str());
  return true;
}

// sysfs cache sizes look like "32K", "1024K", "32768K" (sometimes "1M").
int64_t parse_size(const std::string& s) {
  if (s.empty()) return 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end == 'K' || *end == 'k') v <<= 10;
  else if (*end == 'M' || *end == 'm') v <<= 20;
  else if (*end == 'G' || *end == 'g') v <<= 30;
  return v;
}

void identify_cpuid(MachineInfo* m) {
#ifdef LS_MACHINE_X86
  Regs r0 = cpuid(0);
  unsigned max_leaf = r0.a;
  char vendor[13] = {};
  std::memcpy(vendor + 0, &r0.b, 4);
  std::memcpy(vendor + 4, &r0.d, 4);
  std::memcpy(vendor + 8, &r0.c, 4);
  m->vendor = vendor;

  Regs r1 = cpuid(1);
  unsigned base_family = (r1.a >> 8) & 0xf;
  m->family = static_cast<int>(base_family);
  if (base_family == 0xf) m->family += static_cast<int>((r1.a >> 20) & 0xff);
  m->model = static_cast<int>((r1.a >> 4) & 0xf);
  if (base_family == 0x6 || base_family == 0xf) m->model += static_cast<int>(((r1.a >> 16) & 0xf) << 4);
  m->stepping = static_cast<int>(r1.a & 0xf);

  // Which register state the OS saves on context switch: instructions on registers the OS
  // does not manage must not be used even when CPUID advertises them.
  uint64_t xcr0 = 0;
  if (bit(r1.c, 27)) {  // OSXSAVE
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  }
  const bool os_avx = (xcr0 & 0x6) == 0x6;                 // XMM + YMM state
  const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;         // XTILECFG + XTILEDATA

  IsaFlags& f = m->isa;
  f.sse4_2 = bit(r1.c, 20);
  f.avx = os_avx && bit(r1.c, 28);
  f.fma = os_avx && bit(r1.c, 12);
  f.f16c = os_avx && bit(r1.c, 29);
  if (max_leaf >= 7) {
    Regs r7 = cpuid(7, 0);
    f.avx2 = os_avx && bit(r7.b, 5);
    f.avx512f = os_avx512 && bit(r7.b, 16);
    f.avx512dq = f.avx512f && bit(r7.b, 17);
    f.avx512bw = f.avx512f && bit(r7.b, 30);
    f.avx512vl = f.avx512f && bit(r7.b, 31);
    f.avx512_vnni = f.avx512f && bit(r7.c, 11);
    f.avx512_fp16 = f.avx512f && bit(r7.d, 23);
    f.amx_bf16 = os_amx && bit(r7.d, 22);
    f.amx_tile = os_amx && bit(r7.d, 24);
    f.amx_int8 = os_amx && bit(r7.d, 25);
    if (r7.a >= 1) {
      Regs r71 = cpuid(7, 1);
      f.avx_vnni = os_avx && bit(r71.a, 4);
      f.avx512_bf16 = f.avx512f && bit(r71.a, 5);
    }
  }

  if (cpuid(0x80000000).a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      Regs r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i + 0, &r.a, 4);
      std::memcpy(brand + 16 * i + 4, &r.b, 4);
      std::memcpy(brand + 16 * i + 8, &r.c, 4);
      std::memcpy(brand + 16 * i + 12, &r.d, 4);
    }
    m->model_name = trim(brand);
  }
#endif
  if (m->model_name.empty()) {  // fall back to /proc/cpuinfo
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
      if (line.rfind("model name", 0) == 0) {
        size_t colon = line.find(':');
        if (colon != std::string::npos) m->model_name = trim(line.substr(colon + 1));
        break;
      }
    }
  }
  if (m->model_name.empty()) m->model_name = "unknown CPU";
}

void identify_topology(MachineInfo* m, const std::vector<int>& cpus) {
  m->logical_cores = static_cast<int>(cpus.size());
  std::set<std::pair<std::string, std::string>> cores;
  for (int c : cpus) {
    std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/topology/";
    std::string pkg, core;
    if (!read_text(base + "physical_package_id", &pkg) || !read_text(base + "core_id", &core)) {
      cores.clear();
      break;
    }
    cores.insert({pkg, core});
  }
  m->physical_cores = cores.empty() ? m->logical_cores : static_cast<int>(cores.size());
}

void identify_caches(MachineInfo* m, const std::vector<int>& cpus) {
  CacheSizes& cs = m->cache;
  int llc_index = -1, llc_level = 0;
  const std::string cpu0 = "/sys/devices/system/cpu/cpu" + std::to_string(cpus.front()) + "/cache/";
  for (int i = 0; i < 16; ++i) {
    std::string dir = cpu0 + "index" + std::to_string(i) + "/";
    std::string level, type, size;
    if (!read_text(dir + "level", &level) || !read_text(dir + "type", &type) || !read_text(dir + "size", &size)) break;
    if (type == "Instruction") continue;
    int lv = std::atoi(level.c_str());
    int64_t bytes = parse_size(size);
    if (lv == 1) cs.l1d_bytes = bytes;
    if (lv == 2) cs.l2_bytes = bytes;
    if (lv == 3) cs.l3_bytes = bytes;
    if (lv > llc_level) llc_level = lv, llc_index = i;
  }
  if (llc_index < 0) {
    cs.l1d_bytes = std::max<long>(0, sysconf(_SC_LEVEL1_DCACHE_SIZE));
    cs.l2_bytes = std::max<long>(0, sysconf(_SC_LEVEL2_CACHE_SIZE));
    cs.l3_bytes = std::max<long>(0, sysconf(_SC_LEVEL3_CACHE_SIZE));
    cs.l3_instances = cs.l3_bytes > 0 ? 1 : 0;
    cs.llc_total_bytes = cs.l3_bytes > 0 ? cs.l3_bytes : cs.l2_bytes * m->physical_cores;
    return;
  }
  // Distinct instances of the last-level cache among the usable CPUs (e.g. one per CCX on
  // AMD, one per socket on Intel): together they bound what an all-core run can keep cached.
  std::set<std::string> instances;
  for (int c : cpus) {
    std::string shared;
    std::string p = "/sys/devices/system/cpu/cpu" + std::to_string(c) + "/cache/index" + std::to_string(llc_index) +
                    "/shared_cpu_list";
    instances.insert(read_text(p, &shared) ? shared : std::to_string(c));
  }
  int n = static_cast<int>(instances.size());
  int64_t llc = llc_level == 3 ? cs.l3_bytes : cs.l2_bytes;
  if (llc_level == 3) cs.l3_instances = n;
  cs.llc_total_bytes = llc * n;
}

}  // namespace

std::vector<int> usable_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  if (cpus.empty()) {
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned c = 0; c < n; ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus;
}

double read_cpuinfo_mhz() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  double sum = 0;
  int n = 0;
  while (std::getline(f, line)) {
    if (line.rfind("cpu MHz", 0) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    sum += std::atof(line.c_str() + colon + 1);
    ++n;
  }
  return n ? sum / n : 0.0;
}

double read_load_average() {
  std::string s;
  if (!read_text("/proc/loadavg", &s)) return -1;
  return std::atof(s.c_str());
}

std::string machine_key(const MachineInfo& info) {
  std::string id = "schema=" + std::to_string(kCacheSchema) + "|" + info.model_name + "|" + isa_flags_string(info.isa) +
                   "|cpus=" + std::to_string(info.logical_cores);
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: stable across runs and builds
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace machine_detail

std::string isa_flags_string(const IsaFlags& f) {
  std::string s;
  for (const auto& flag : machine_detail::kIsaFlagNames) {
    if (!(f.*flag.member)) continue;
    if (!s.empty()) s += ' ';
    s += flag.name;
  }
  return s;
}

MachineInfo identify_machine() {
  using namespace machine_detail;
  MachineInfo m;
  std::vector<int> cpus = usable_cpus();
  identify_cpuid(&m);
  identify_topology(&m, cpus);
  identify_caches(&m, cpus);
  m.cpuinfo_mhz = read_cpuinfo_mhz();
  m.key = machine_key(m);
  return m;
}

}  // namespace layerscope
