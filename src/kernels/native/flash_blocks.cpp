#include "kernels/native/flash_blocks.h"

#if defined(__AVX512F__)
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "util/simd.h"

namespace layerscope::flash_blocks {
namespace {

constexpr int kTileRows = kProductRows, kTileVectors = 4, kLanes = 16;

__mmask16 first_lanes(int64_t n) { return n >= kLanes ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u); }

// One register tile: R rows x NV vectors of C; the last vector's lanes are `tail`. (The loops
// over r and v are unrolled so that GCC keeps `acc` in registers.)
template <int R, int NV>
void tile(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t k, __mmask16 tail,
          const float* row_scale) {
  __m512 acc[R][NV];
  __mmask16 lanes[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) lanes[v] = v == NV - 1 ? tail : __mmask16(0xFFFF);
  if (row_scale) {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 s = _mm512_set1_ps(row_scale[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        acc[r][v] = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes[v], c + r * ldc + v * kLanes), s);
    }
  } else {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; ++p, b += ldb) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_maskz_loadu_ps(lanes[v], b + v * kLanes);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[r * lda + p]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(c + r * ldc + v * kLanes, lanes[v], acc[r][v]);
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t, __mmask16,
                        const float*);

template <int R, int... V>
constexpr std::array<TileFn, kTileVectors> row_of_tiles(std::integer_sequence<int, V...>) {
  return {&tile<R, V + 1>...};
}
template <int... R>
constexpr std::array<std::array<TileFn, kTileVectors>, kTileRows> tile_table(std::integer_sequence<int, R...>) {
  return {row_of_tiles<R + 1>(std::make_integer_sequence<int, kTileVectors>{})...};
}
// kTiles[R - 1][NV - 1]
constexpr auto kTiles = tile_table(std::make_integer_sequence<int, kTileRows>{});

constexpr float kLog2e = 1.44269504088896341f;

// 2^t for t <= 0 (NaN propagates): n = round(t), r = t - n in [-1/2, 1/2], 2^r by its Taylor
// polynomial of degree 6 (ln2^k / k!, error 1.2e-7 relative, ~1 ulp), scaled by 2^n with
// scalef. Below -160 the result is 0, so a key masked with -inf weighs exactly nothing.
inline __m512 exp2_nonpositive(__m512 t) {
  static constexpr float c[] = {1.f,           0.693147181f,  0.240226507f,   0.0555041087f,
                                0.0096181291f, 0.0013333558f, 0.000154035304f};
  t = _mm512_max_ps(_mm512_set1_ps(-160.f), t);  // this operand order keeps a NaN t
  const __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_sub_ps(t, n);
  __m512 p = _mm512_set1_ps(c[6]);
  for (int k = 5; k >= 0; --k) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c[k]));
  return _mm512_scalef_ps(p, n);
}

// The row's largest score after adding its mask times log2(e) (written back); Mask: 0 none, 1
// one value per key (mask_col 1), 2 one value for the row (mask_col 0: broadcast along the keys).
template <int Mask>
float add_mask_max(float* s, int64_t n, const float* mask) {
  __m512 mx = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const __m512 log2e = _mm512_set1_ps(kLog2e);
  const __m512 row_mask = Mask == 2 ? _mm512_set1_ps(*mask * kLog2e) : _mm512_setzero_ps();
  auto step = [&](int64_t j, __mmask16 lanes) {
    __m512 x = _mm512_maskz_loadu_ps(lanes, s + j);
    if (Mask == 1) x = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, mask + j), log2e, x);
    if (Mask == 2) x = _mm512_add_ps(x, row_mask);
    if (Mask != 0) _mm512_mask_storeu_ps(s + j, lanes, x);
    mx = _mm512_mask_max_ps(mx, lanes, mx, x);
  };
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) step(j, 0xFFFF);
  if (j < n) step(j, first_lanes(n - j));
  return _mm512_reduce_max_ps(mx);
}

// s = 2^(s - m) over the row; returns the sum.
float exp_sum(float* s, int64_t n, float m) {
  const __m512 vm = _mm512_set1_ps(m);
  __m512 acc = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const __m512 e = exp2_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(s + j), vm));
    _mm512_storeu_ps(s + j, e);
    acc = _mm512_add_ps(acc, e);
  }
  if (j < n) {
    const __mmask16 lanes = first_lanes(n - j);
    const __m512 e = exp2_nonpositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, s + j), vm));
    _mm512_mask_storeu_ps(s + j, lanes, e);
    acc = _mm512_mask_add_ps(acc, lanes, acc, e);
  }
  return _mm512_reduce_add_ps(acc);
}

template <int Mask>
void online_rows(float* s, int64_t lds, int64_t rows, int64_t n, const float* mask, int64_t mask_row,
                 const RowState& state) {
  const float lowest = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < rows; ++i) {
    float* row = s + i * lds;
    const float m = std::max(state.max[i], add_mask_max<Mask>(row, n, Mask ? mask + i * mask_row : nullptr));
    if (m == lowest) {  // every key so far masked out
      std::fill(row, row + n, 0.f);
      state.rescale[i] = 1.f;
      continue;
    }
    // 2^-inf = 0 on the first unmasked block; most blocks leave the maximum where it was.
    state.rescale[i] = m == state.max[i] ? 1.f : std::exp2(state.max[i] - m);
    state.sum[i] = state.sum[i] * state.rescale[i] + exp_sum(row, n, m);
    state.max[i] = m;
  }
}

// dst rows d (stride ld) = column d of the 16 x 16 block at src (row stride src_row), in
// registers: pairs of rows interleaved by 32 and then 64 bits give, in each 128-bit lane l of
// u[4g + c], column 4l + c of rows 4g..4g+3; two rounds of 128-bit lane shuffles then gather
// lane l of u[c], u[4 + c], u[8 + c], u[12 + c] into output row 4l + c.
void transpose16(float* dst, int64_t ld, const float* src, int64_t src_row) {
  __m512 r[kLanes], t[kLanes];
  for (int i = 0; i < kLanes; ++i) r[i] = _mm512_loadu_ps(src + i * src_row);
  for (int i = 0; i < kLanes; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  auto pd = [](__m512 x) { return _mm512_castps_pd(x); };
  for (int i = 0; i < kLanes; i += 4) {
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[i]), pd(t[i + 2])));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[i]), pd(t[i + 2])));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[i + 1]), pd(t[i + 3])));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[i + 1]), pd(t[i + 3])));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44), x1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
    const __m512 y0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44),
                 y1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
    _mm512_storeu_ps(dst + c * ld, _mm512_shuffle_f32x4(x0, y0, 0x88));
    _mm512_storeu_ps(dst + (4 + c) * ld, _mm512_shuffle_f32x4(x0, y0, 0xDD));
    _mm512_storeu_ps(dst + (8 + c) * ld, _mm512_shuffle_f32x4(x1, y1, 0x88));
    _mm512_storeu_ps(dst + (12 + c) * ld, _mm512_shuffle_f32x4(x1, y1, 0xDD));
  }
}

}  // namespace

void product(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows, int64_t k,
             int64_t n, const float* row_scale) {
  constexpr int64_t kTileCols = kTileVectors * kLanes;
  for (int64_t j0 = 0; j0 < n; j0 += kTileCols) {
    const int64_t w = std::min(kTileCols, n - j0);
    const int nv = static_cast<int>((w + kLanes - 1) / kLanes);
    const __mmask16 tail = first_lanes(w - (nv - 1) * kLanes);
    for (int64_t i = 0; i < rows; i += kTileRows) {
      const int r = static_cast<int>(std::min<int64_t>(kTileRows, rows - i));
      kTiles[r - 1][nv - 1](a + i * lda, lda, b + j0, ldb, c + i * ldc + j0, ldc, k, tail,
                            row_scale ? row_scale + i : nullptr);
    }
  }
}

void online_softmax(float* s, int64_t lds, int64_t rows, int64_t n, const float* mask, int64_t mask_row,
                    int64_t mask_col, const RowState& state) {
  if (!mask) online_rows<0>(s, lds, rows, n, mask, mask_row, state);
  else if (mask_col == 1) online_rows<1>(s, lds, rows, n, mask, mask_row, state);
  else online_rows<2>(s, lds, rows, n, mask, mask_row, state);
}

void transpose(float* dst, int64_t ld, const float* src, int64_t rows, int64_t cols, int64_t src_row) {
  int64_t i0 = 0;
  for (; i0 + kLanes <= rows; i0 += kLanes) {
    int64_t j0 = 0;
    for (; j0 + kLanes <= cols; j0 += kLanes) transpose16(dst + j0 * ld + i0, ld, src + i0 * src_row + j0, src_row);
    for (int64_t j = j0; j < cols; ++j)
      for (int64_t i = 0; i < kLanes; ++i) dst[j * ld + i0 + i] = src[(i0 + i) * src_row + j];
  }
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = i0; i < rows; ++i) dst[j * ld + i] = src[i * src_row + j];
}

}  // namespace layerscope::flash_blocks
#endif
