// Broadcast plans for the native elementwise kernels. The output is walked as rows of one
// contiguous inner run; each input either streams along the run (stride 1) or repeats one
// value (stride 0). Adjacent dims with the same broadcast pattern are merged first, so
// (N,C,H,W) + (1,C,1,1) becomes rows over (N,C) with an inner run of H*W against a scalar.
// Work is split into (row, part-of-row) items: many short rows go to threads in blocks,
// a few long rows are cut into pieces so that every thread still gets work.
#pragma once
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "layerscope/tensor.h"

namespace layerscope::native {

// Elements below which a kernel stays single-threaded: waking threads costs more.
constexpr int64_t kParallelMinElements = 1 << 16;

constexpr int kMaxBroadcastInputs = 3;

struct BroadcastPlan {
  int inputs = 0;
  int64_t inner = 1;                                        // contiguous run length
  std::array<int64_t, kMaxBroadcastInputs> inner_stride{};  // 0 or 1 per input
  std::vector<int64_t> outer;                               // merged outer dims, outermost first
  std::array<std::vector<int64_t>, kMaxBroadcastInputs> outer_stride;
  int64_t rows = 1;  // product of outer
  int64_t total() const { return rows * inner; }
};

BroadcastPlan make_broadcast_plan(const Shape& out, const std::vector<Shape>& inputs);

// Threads to use for `elements` of work.
inline int threads_for(int64_t elements, int max_threads) {
  return elements >= kParallelMinElements ? std::max(1, max_threads) : 1;
}

// Calls run(offsets, out_offset, len) for every piece of every row, in parallel when large.
// offsets[k] is input k's element offset at the start of the piece.
template <typename Run>
void for_each_run(const BroadcastPlan& p, int max_threads, Run run) {
  if (p.total() == 0) return;
  const int threads = threads_for(p.total(), max_threads);
  // Split rows only when there are too few to share: pieces of >= 4096 elements.
  int64_t splits = 1;
  if (threads > 1 && p.rows < 4 * threads)
    splits = std::clamp<int64_t>(4 * threads / p.rows, 1, std::max<int64_t>(1, p.inner / 4096));
  const int64_t piece = (p.inner + splits - 1) / splits;
  const int64_t items = p.rows * splits;
  auto work = [&](int64_t begin, int64_t end) {
    if (begin >= end) return;
    const int dims = static_cast<int>(p.outer.size());
    std::vector<int64_t> idx(dims, 0);
    std::array<int64_t, kMaxBroadcastInputs> base{};
    int64_t row = begin / splits, r = row;
    for (int d = dims - 1; d >= 0; --d) {  // unravel the first row once, then count
      idx[d] = r % p.outer[d];
      r /= p.outer[d];
      for (int k = 0; k < p.inputs; ++k) base[k] += idx[d] * p.outer_stride[k][d];
    }
    int64_t part = begin % splits;
    for (int64_t it = begin; it < end; ++it) {
      const int64_t start = part * piece, len = std::min(piece, p.inner - start);
      std::array<int64_t, kMaxBroadcastInputs> off = base;
      for (int k = 0; k < p.inputs; ++k) off[k] += start * p.inner_stride[k];
      if (len > 0) run(off, row * p.inner + start, len);
      if (++part < splits) continue;
      part = 0;
      ++row;
      for (int d = dims - 1; d >= 0; --d) {
        for (int k = 0; k < p.inputs; ++k) base[k] += p.outer_stride[k][d];
        if (++idx[d] < p.outer[d]) break;
        for (int k = 0; k < p.inputs; ++k) base[k] -= p.outer_stride[k][d] * p.outer[d];
        idx[d] = 0;
      }
    }
  };
  if (threads == 1) {
    work(0, items);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), n = omp_get_num_threads();
    work(items * t / n, items * (t + 1) / n);
  }
}

// Calls run(begin, end) over [0, n) in contiguous chunks (multiples of 16 elements), in
// parallel when n is large.
template <typename Run>
void for_each_chunk(int64_t n, int max_threads, Run run) {
  const int threads = threads_for(n, max_threads);
  if (threads == 1) {
    if (n > 0) run(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), k = omp_get_num_threads();
    const int64_t blocks = (n + 15) / 16;
    const int64_t b = std::min(n, blocks * t / k * 16), e = std::min(n, blocks * (t + 1) / k * 16);
    if (b < e) run(b, e);
  }
}

}  // namespace layerscope::native
