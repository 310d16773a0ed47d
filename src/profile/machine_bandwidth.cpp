// Memory bandwidth: streaming kernels over buffers much larger than the last-level cache,
// one pass per timed repetition, best repetition kept. All-core runs split each buffer into
// one contiguous chunk per thread, and each thread first-touches its own chunk so on NUMA
// machines the pages live on the node of the CPU that streams them.
// Store kernels write a constant whose bytes differ (0x0123...): a byte-uniform constant
// lets the compiler turn the loop into memset(), whose large-size path uses non-temporal
// stores and would blur the regular-vs-streaming distinction.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "profile/machine_internal.h"
#include "util/simd.h"

namespace layerscope::machine_detail {

namespace {

constexpr long long kPattern = 0x0123456789abcdefLL;

__attribute__((target("avx2"))) uint64_t read_avx2(const char* p, size_t bytes) {
  const __m256i* v = reinterpret_cast<const __m256i*>(p);
  const size_t n = bytes / sizeof(__m256i);
  // Four independent sums so the add latency never limits the load stream.
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 = _mm256_add_epi64(s0, _mm256_load_si256(v + i));
    s1 = _mm256_add_epi64(s1, _mm256_load_si256(v + i + 1));
    s2 = _mm256_add_epi64(s2, _mm256_load_si256(v + i + 2));
    s3 = _mm256_add_epi64(s3, _mm256_load_si256(v + i + 3));
  }
  for (; i < n; ++i) s0 = _mm256_add_epi64(s0, _mm256_load_si256(v + i));
  s0 = _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s0);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

__attribute__((target("avx2"))) void write_avx2(char* p, size_t bytes) {
  __m256i* v = reinterpret_cast<__m256i*>(p);
  const __m256i c = _mm256_set1_epi64x(kPattern);
  for (size_t i = 0, n = bytes / sizeof(__m256i); i < n; ++i) _mm256_store_si256(v + i, c);
}

__attribute__((target("avx2"))) void write_nt_avx2(char* p, size_t bytes) {
  __m256i* v = reinterpret_cast<__m256i*>(p);
  const __m256i c = _mm256_set1_epi64x(kPattern);
  for (size_t i = 0, n = bytes / sizeof(__m256i); i < n; ++i) _mm256_stream_si256(v + i, c);
  _mm_sfence();  // streaming stores are weakly ordered: drain them inside the timed region
}

// Baseline x86-64 (SSE2) versions for CPUs without AVX2.
uint64_t read_sse2(const char* p, size_t bytes) {
  const __m128i* v = reinterpret_cast<const __m128i*>(p);
  const size_t n = bytes / sizeof(__m128i);
  __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 = _mm_add_epi64(s0, _mm_load_si128(v + i));
    s1 = _mm_add_epi64(s1, _mm_load_si128(v + i + 1));
    s2 = _mm_add_epi64(s2, _mm_load_si128(v + i + 2));
    s3 = _mm_add_epi64(s3, _mm_load_si128(v + i + 3));
  }
  for (; i < n; ++i) s0 = _mm_add_epi64(s0, _mm_load_si128(v + i));
  s0 = _mm_add_epi64(_mm_add_epi64(s0, s1), _mm_add_epi64(s2, s3));
  alignas(16) uint64_t lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), s0);
  return lanes[0] + lanes[1];
}

void write_sse2(char* p, size_t bytes) {
  __m128i* v = reinterpret_cast<__m128i*>(p);
  const __m128i c = _mm_set1_epi64x(kPattern);
  for (size_t i = 0, n = bytes / sizeof(__m128i); i < n; ++i) _mm_store_si128(v + i, c);
}

void write_nt_sse2(char* p, size_t bytes) {
  __m128i* v = reinterpret_cast<__m128i*>(p);
  const __m128i c = _mm_set1_epi64x(kPattern);
  for (size_t i = 0, n = bytes / sizeof(__m128i); i < n; ++i) _mm_stream_si128(v + i, c);
  _mm_sfence();
}

constexpr size_t kHugePage = size_t{2} << 20;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<char, FreeDeleter>;

// 2 MiB aligned and advised for transparent huge pages: with 4 KiB pages the TLB misses of
// a pure stream can cost a few percent of bandwidth.
Buffer allocate(size_t bytes) {
  bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  char* p = static_cast<char*>(std::aligned_alloc(kHugePage, bytes));
  if (p) madvise(p, bytes, MADV_HUGEPAGE);
  return Buffer(p);
}

volatile uint64_t g_sink;

}  // namespace

void measure_bandwidth(MachineInfo* info, const std::vector<int>& cpus, int64_t bytes_wanted, int reps) {
  const size_t page = 4096;
  const size_t bytes = std::max<size_t>(static_cast<size_t>(bytes_wanted) / page * page, page * cpus.size());
  Buffer a = allocate(bytes), b = allocate(bytes);
  if (!a || !b) return;  // figures stay 0
  info->bandwidth_buffer_bytes = static_cast<int64_t>(bytes);

  const bool avx2 = info->isa.avx2;
  auto read = avx2 ? read_avx2 : read_sse2;
  auto write = avx2 ? write_avx2 : write_sse2;
  auto write_nt = avx2 ? write_nt_avx2 : write_nt_sse2;

  // Thread i of n streams [offset, offset + length) of each buffer.
  auto chunk = [&](int i, int n, size_t* offset, size_t* length) {
    size_t per = bytes / n / page * page;
    *offset = per * i;
    *length = i == n - 1 ? bytes - *offset : per;
  };
  const std::vector<int> one{cpus.front()};
  const int all_n = static_cast<int>(cpus.size());
  run_pinned(cpus, [&](int i) {  // first touch, by the thread that streams the chunk
    size_t off, len;
    chunk(i, all_n, &off, &len);
    write(a.get() + off, len);
    write(b.get() + off, len);
  });

  // op(src, dst, len); traffic = bytes x traffic_factor per pass.
  // One thread: its wall time less any time it was descheduled (thread CPU time when
  // smaller), so other processes on a busy machine cost little accuracy. Several threads:
  // the aggregate only means something if they streamed at the same time, so the plain
  // wall time of the common window is used, and a run counts as clean only if every thread
  // held its CPU for >= 90% of it; while no run was clean, up to 4x more runs are tried
  // (within 0.5 s, so a loaded machine does not stretch the calibration much).
  auto best_gbs = [&](const std::vector<int>& on, double traffic_factor, auto op) {
    const int n = static_cast<int>(on.size());
    const double traffic = bytes * traffic_factor;
    const int min_runs = std::max(1, reps);
    double best = 0, spent = 0;
    bool clean = false;
    for (int r = 0; r < min_runs || (!clean && r < 5 * min_runs && spent < 0.5); ++r) {
      std::vector<uint64_t> sums(n);
      std::vector<double> cpu;
      const auto started = std::chrono::steady_clock::now();
      double wall = run_pinned(
          on,
          [&](int i) {
            size_t off, len;
            chunk(i, n, &off, &len);
            sums[i] = op(a.get() + off, b.get() + off, len);
          },
          &cpu);
      spent += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (uint64_t s : sums) g_sink = g_sink + s;
      if (wall <= 0) continue;
      double t = wall;
      bool run_clean = true;
      if (n == 1) {
        if (cpu[0] > 0) t = std::min(wall, cpu[0]);
      } else {
        for (double c : cpu) run_clean = run_clean && c >= 0.9 * wall;
      }
      clean = clean || run_clean;
      best = std::max(best, traffic / t / 1e9);
    }
    return best;
  };
  auto do_read = [&](char* src, char*, size_t len) { return read(src, len); };
  auto do_write = [&](char* src, char*, size_t len) {
    write(src, len);
    return uint64_t{0};
  };
  auto do_write_nt = [&](char* src, char*, size_t len) {
    write_nt(src, len);
    return uint64_t{0};
  };
  auto do_copy = [&](char* src, char* dst, size_t len) {
    std::memcpy(dst, src, len);
    return static_cast<uint64_t>(dst[len - 1]);
  };

  info->read.gbs_1core = best_gbs(one, 1.0, do_read);
  info->write.gbs_1core = best_gbs(one, 1.0, do_write);
  info->write_nt.gbs_1core = best_gbs(one, 1.0, do_write_nt);
  info->copy.gbs_1core = best_gbs(one, 2.0, do_copy);
  if (all_n > 1) {
    info->read.gbs_all = best_gbs(cpus, 1.0, do_read);
    info->write.gbs_all = best_gbs(cpus, 1.0, do_write);
    info->write_nt.gbs_all = best_gbs(cpus, 1.0, do_write_nt);
    info->copy.gbs_all = best_gbs(cpus, 2.0, do_copy);
  } else {
    info->read.gbs_all = info->read.gbs_1core;
    info->write.gbs_all = info->write.gbs_1core;
    info->write_nt.gbs_all = info->write_nt.gbs_1core;
    info->copy.gbs_all = info->copy.gbs_1core;
  }
}

}  // namespace layerscope::machine_detail
