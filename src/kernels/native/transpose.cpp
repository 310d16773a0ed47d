#include "kernels/native/transpose.h"

#include <algorithm>
#include <cstring>

#include "ir/error.h"
#include "util/simd.h"

namespace layerscope::native {

namespace {

// Parallelise only when the copy is big enough to amortise waking the threads.
constexpr int64_t kParallelBytes = 256 * 1024;
constexpr int64_t kTile = 32;

// dst[r * ldd + c] = src[c * lds + r] for r < rows, c < cols.
template <typename T>
void tile_scalar(const T* src, T* dst, int64_t rows, int64_t cols, int64_t lds, int64_t ldd) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[r * ldd + c] = src[c * lds + r];
}

#ifdef __AVX2__
// 8x8 transpose of 32-bit lanes: unpack pairs, shuffle quads, swap 128-bit halves. These are
// pure bit moves, so any 4-byte type (incl. NaN payloads) passes through unchanged.
inline void transpose8x8(const float* s, int64_t lds, float* d, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds), r2 = _mm256_loadu_ps(s + 2 * lds),
         r3 = _mm256_loadu_ps(s + 3 * lds), r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds),
         r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)),
         u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)),
         u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)),
         u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)),
         u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)),
         u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2)),
         u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)),
         u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif

template <typename T>
void tile(const T* src, T* dst, int64_t rows, int64_t cols, int64_t lds, int64_t ldd) {
#ifdef __AVX2__
  if constexpr (sizeof(T) == 4) {
    const int64_t r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    const float* s = reinterpret_cast<const float*>(src);
    float* d = reinterpret_cast<float*>(dst);
    for (int64_t r = 0; r < r8; r += 8)
      for (int64_t c = 0; c < c8; c += 8) transpose8x8(s + c * lds + r, lds, d + r * ldd + c, ldd);
    if (c8 < cols) tile_scalar(src + c8 * lds, dst + c8, r8, cols - c8, lds, ldd);
    if (r8 < rows) tile_scalar(src + r8, dst + r8 * ldd, rows - r8, cols, lds, ldd);
    return;
  }
#endif
  tile_scalar(src, dst, rows, cols, lds, ldd);
}

}  // namespace

TransposePlan::TransposePlan(const Shape& in_shape, const std::vector<int64_t>& perm, size_t elem_size)
    : elem_size_(elem_size), total_(shape_numel(in_shape)) {
  LS_CHECK(perm.size() == in_shape.size(), "transpose: perm and shape ranks differ");
  // Drop size-1 axes (they do not move any data) and renumber the rest.
  std::vector<int> new_id(in_shape.size(), -1);
  Shape dims;
  for (size_t a = 0; a < in_shape.size(); ++a)
    if (in_shape[a] != 1) {
      new_id[a] = static_cast<int>(dims.size());
      dims.push_back(in_shape[a]);
    }
  std::vector<int> p;
  for (int64_t a : perm)
    if (in_shape[a] != 1) p.push_back(new_id[a]);
  // Input strides of the reduced input.
  std::vector<int64_t> stride(dims.size(), 1);
  for (size_t a = dims.size(); a-- > 1;) stride[a - 1] = stride[a] * dims[a];
  // Merge input axes that stay adjacent and in order in the output: one axis of the product size.
  int prev = -2;
  for (int a : p) {
    if (a == prev + 1) {
      dims_.back() *= dims[a];
      in_strides_.back() = stride[a];
    } else {
      dims_.push_back(dims[a]);
      in_strides_.push_back(stride[a]);
    }
    prev = a;
  }
  out_strides_.assign(dims_.size(), 1);
  for (size_t d = dims_.size(); d-- > 1;) out_strides_[d - 1] = out_strides_[d] * dims_[d];
  const int n = static_cast<int>(dims_.size());
  if (n > 1 && in_strides_[n - 1] != 1) {
    while (in_strides_[row_axis_] != 1) ++row_axis_;
    for (int d = 0; d < n - 1; ++d)
      if (d != row_axis_) batch_axes_.push_back(d);
  }
}

void TransposePlan::run(const void* in, void* out, int threads) const {
  switch (elem_size_) {
    case 1: run_typed(static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out), threads); break;
    case 2: run_typed(static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out), threads); break;
    case 4: run_typed(static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out), threads); break;
    case 8: run_typed(static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out), threads); break;
    default: fail("transpose: unsupported element size ", elem_size_);
  }
}

template <typename T>
void TransposePlan::run_typed(const T* in, T* out, int threads) const {
  if (total_ == 0) return;
  const int n = static_cast<int>(dims_.size());
  if (n <= 1) {  // the permutation moves nothing once size-1 axes are gone
    std::memcpy(out, in, total_ * sizeof(T));
    return;
  }
  const bool big = total_ * static_cast<int64_t>(sizeof(T)) >= kParallelBytes;
  threads = std::max(1, threads);
  if (in_strides_[n - 1] == 1) {
    // Innermost axis unchanged: copy runs of dims_[n-1] elements.
    const int64_t run = dims_[n - 1], outer = total_ / run;
#pragma omp parallel for if (big) num_threads(threads) schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      int64_t rem = o, off = 0;
      for (int d = n - 2; d >= 0; --d) {
        off += (rem % dims_[d]) * in_strides_[d];
        rem /= dims_[d];
      }
      const T* s = in + off;
      T* t = out + o * run;
      if (run * sizeof(T) >= 64) std::memcpy(t, s, run * sizeof(T));
      else
        for (int64_t k = 0; k < run; ++k) t[k] = s[k];
    }
    return;
  }
  // Innermost input axis is output axis b; output's innermost axis a = n-1 reads input stride lds.
  const int a = n - 1, b = row_axis_;
  const int64_t rows = dims_[b], cols = dims_[a], lds = in_strides_[a], ldd = out_strides_[b];
  const std::vector<int>& batch_axes = batch_axes_;
  const int64_t batches = total_ / (rows * cols), row_tiles = (rows + kTile - 1) / kTile;
#pragma omp parallel for if (big) num_threads(threads) schedule(static)
  for (int64_t t = 0; t < batches * row_tiles; ++t) {
    int64_t rem = t / row_tiles, in_off = 0, out_off = 0;
    for (size_t k = batch_axes.size(); k-- > 0;) {
      const int d = batch_axes[k];
      const int64_t i = rem % dims_[d];
      rem /= dims_[d];
      in_off += i * in_strides_[d];
      out_off += i * out_strides_[d];
    }
    const int64_t r0 = (t % row_tiles) * kTile, r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile)
      tile(in + in_off + r0 + c0 * lds, out + out_off + r0 * ldd + c0, r1 - r0, std::min(cols, c0 + kTile) - c0, lds,
           ldd);
  }
}

}  // namespace layerscope::native
