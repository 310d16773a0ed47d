// memcpy of big buffers split across the plan's threads, shared by the kernels that copy whole
// tensors (native data movement, a Winograd convolution's residual placed in dst).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace layerscope {

// Below this a copy stays on the calling thread: splitting costs more than it saves.
inline constexpr int64_t kParallelCopyBytes = 256 * 1024;

inline void copy_bytes(void* dst, const void* src, int64_t bytes, int threads) {
  if (bytes <= 0 || dst == src) return;
  if (bytes < kParallelCopyBytes || threads <= 1) {
    std::memcpy(dst, src, bytes);
    return;
  }
  const int64_t chunk = (bytes / threads + 63) / 64 * 64;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const int64_t b = t * chunk, e = std::min(bytes, b + chunk);
    if (b < e) std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, e - b);
  }
}

}  // namespace layerscope
