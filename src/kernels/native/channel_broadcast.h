// A binary elementwise op between an activation and a per-channel vector (a squeeze-excitation's
// scale [N, C, 1, 1], a layer scale or bias [C, 1, 1]), run in the activation's buffer layout.
// EfficientNet, MobileNetV3, MNASNet and RegNetY multiply every block's activation by such a
// scale: run Plain, that cost a Reorder to NCHW before the Mul and one back after it, 24% of
// EfficientNet-B0's time. The layout pass lets the node follow its activation's layout
// (LayoutChoice::follows_input, followed_input = the activation), and the loops here walk the
// buffer in that layout: channels-last [N, S, C] as rows of C, blocked [N, C/b, S, b] as rows of
// b channels, each row combined with its slice of the vector.
#pragma once
#include <omp.h>

#include <optional>

#include "kernels/kernel.h"
#include "kernels/parallel_copy.h"

namespace layerscope::native {

struct ChannelBroadcast {
  int full = 0;  // the input of the output's shape (the activation); the other is the vector
  int64_t n = 1, c = 1, s = 1;
  int64_t v_n_stride = 0, v_c_stride = 0;  // the vector's element (n, c) is n * v_n_stride + c * v_c_stride
};

// The node's inputs as (activation, per-channel vector), or nullopt: two inputs, one of the
// output's shape with rank 3-5, the other broadcasting along channels (and perhaps the batch)
// only, and neither a single value nor a full tensor (those are position-wise already).
inline std::optional<ChannelBroadcast> channel_broadcast_of(const KernelSetup& s) {
  if (s.inputs.size() != 2 || s.outputs.empty()) return std::nullopt;
  const Shape& y = s.outputs[0].shape;
  const size_t rank = y.size();
  if (rank < 3 || rank > 5) return std::nullopt;
  for (int full = 0; full < 2; ++full) {
    const Shape& a = s.inputs[full].shape;
    Shape v = s.inputs[1 - full].shape;
    if (a != y || v.size() > rank || shape_numel(v) <= 1 || shape_numel(v) == shape_numel(y)) continue;
    v.insert(v.begin(), rank - v.size(), 1);  // right-aligned, as broadcasting reads it
    bool channel_only = (v[0] == 1 || v[0] == y[0]) && (v[1] == 1 || v[1] == y[1]);
    for (size_t d = 2; d < rank; ++d) channel_only = channel_only && v[d] == 1;
    if (!channel_only) continue;
    ChannelBroadcast b;
    b.full = full;
    b.n = y[0];
    b.c = y[1];
    b.s = shape_numel(y) / (b.n * b.c);
    b.v_c_stride = v[1] == 1 ? 0 : 1;
    b.v_n_stride = v[0] == 1 ? 0 : v[1];
    return b;
  }
  return std::nullopt;
}

// y = f(x, v) (or f(v, x) when the vector is input 0) over a buffer in `layout` (channels-last or
// a blocked layout without channel padding); `threads` share out the rows.
template <typename F>
void run_channel_broadcast(const ChannelBroadcast& b, Layout layout, F f, const float* x, const float* v, float* y,
                           int threads) {
  const bool vector_first = b.full == 1;
  const int64_t block = layout == Layout::ChannelsLast ? b.c : layout_channel_block(layout);
  const int64_t blocks = b.c / block;  // 1 for channels-last: a row holds every channel
  const int64_t rows = b.n * blocks * b.s;
  const bool parallel = threads > 1 && rows * block * 4 >= kParallelCopyBytes;
#pragma omp parallel for if (parallel) num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r / (blocks * b.s), cb = (r / b.s) % blocks;
    const float* vr = v + n * b.v_n_stride + cb * block * b.v_c_stride;
    const float* xr = x + r * block;
    float* yr = y + r * block;
    if (b.v_c_stride == 0) {
      const float vv = *vr;
      if (vector_first) {
#pragma omp simd
        for (int64_t j = 0; j < block; ++j) yr[j] = f(vv, xr[j]);
      } else {
#pragma omp simd
        for (int64_t j = 0; j < block; ++j) yr[j] = f(xr[j], vv);
      }
    } else if (vector_first) {
#pragma omp simd
      for (int64_t j = 0; j < block; ++j) yr[j] = f(vr[j], xr[j]);
    } else {
#pragma omp simd
      for (int64_t j = 0; j < block; ++j) yr[j] = f(xr[j], vr[j]);
    }
  }
}

}  // namespace layerscope::native
