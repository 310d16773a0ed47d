// The step loop of the native recurrent kernel (layouts and contract in recurrent_steps.h),
// written once over the vector operations of recurrent_simd.h and instantiated for AVX-512 and
// AVX2 (whichever the build's -march offers: on an AVX-512 machine both are compiled, so the
// tests run the AVX2 one too).
//
// Registers: a block of G gates x V lanes for up to kRows batch rows holds G x rows
// accumulators (AVX-512: 4 rows, 16 of 32 registers for an LSTM; AVX2: 2 rows, 8 of 16). With
// one row, the columns k alternate between two accumulator sets, so 2 G independent FMA
// chains hide the FMA latency; the loop then runs at the rate L2 delivers the weights.
#include "kernels/native/recurrent_steps.h"

#include <algorithm>

#include "kernels/native/recurrent_simd.h"

namespace layerscope::native {
namespace {

template <class S>
constexpr int kRows = S::kLanes == 16 ? 4 : 2;

// Where the outputs of (t, dir, row n) start. Y: [T, D, N, H] or [N, T, D, H]; Y_h / Y_c:
// [D, N, H] or [N, D, H].
int64_t y_offset(const RecurrentSteps& s, int64_t t, int dir, int64_t n) {
  return s.layout == 0 ? ((t * s.dirs + dir) * s.N + n) * s.H : ((n * s.T + t) * s.dirs + dir) * s.H;
}
int64_t state_offset(const RecurrentSteps& s, int dir, int64_t n) {
  return s.layout == 0 ? (dir * s.N + n) * s.H : (n * s.dirs + dir) * s.H;
}

template <class S>
inline void put(float* dst, typename S::V v, int valid) {
  if (valid == S::kLanes) S::store(dst, v);
  else S::store_first(dst, v, valid);
}

// acc[j][g] = sum_k h_prev[row j][k] * R[block][k][g][:] for `Rows` rows.
template <class S, int G, int Rows>
inline void recurrent_product(const float* slab, const float* const* h_prev, int64_t H, typename S::V (&acc)[Rows][G]) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  for (int j = 0; j < Rows; ++j)
    for (int g = 0; g < G; ++g) acc[j][g] = S::zero();
  int64_t k = 0;
  if constexpr (Rows == 1) {
    V odd[G];
    for (int g = 0; g < G; ++g) odd[g] = S::zero();
    for (; k + 2 <= H; k += 2) {
      const V h0 = S::set1(h_prev[0][k]), h1 = S::set1(h_prev[0][k + 1]);
      const float* w = slab + k * G * L;
      for (int g = 0; g < G; ++g) acc[0][g] = S::fmadd(S::load(w + g * L), h0, acc[0][g]);
      for (int g = 0; g < G; ++g) odd[g] = S::fmadd(S::load(w + (G + g) * L), h1, odd[g]);
    }
    for (int g = 0; g < G; ++g) acc[0][g] = S::add(acc[0][g], odd[g]);
  }
  for (; k < H; ++k) {
    const float* w = slab + k * G * L;
    V wg[G];
    for (int g = 0; g < G; ++g) wg[g] = S::load(w + g * L);
    for (int j = 0; j < Rows; ++j) {
      const V hk = S::set1(h_prev[j][k]);
      for (int g = 0; g < G; ++g) acc[j][g] = S::fmadd(wg[g], hk, acc[j][g]);
    }
  }
}

// One block of `Rows` batch rows starting at n0: product, activations, state update, outputs.
template <class S, RecurrentKind Kind, int Rows>
void block_rows(const RecurrentSteps& s, int dir, int64_t step, int64_t b, int64_t n0) {
  using V = typename S::V;
  constexpr int L = S::kLanes;
  constexpr int G = Kind == RecurrentKind::Lstm ? 4 : Kind == RecurrentKind::Gru ? 3 : 1;
  const int64_t T = s.T, N = s.N, H = s.H, Hp = s.padded();
  const int parity = static_cast<int>(step & 1);
  const float* h_prev[Rows];
  for (int j = 0; j < Rows; ++j) h_prev[j] = s.h + ((parity * s.dirs + dir) * N + n0 + j) * Hp;
  V acc[Rows][G];
  recurrent_product<S, G, Rows>(s.r + (dir * s.blocks + b) * H * G * L, h_prev, H, acc);

  const int valid = static_cast<int>(std::min<int64_t>(L, H - b * L));
  const bool last = step == T - 1;
  for (int j = 0; j < Rows; ++j) {
    const int64_t n = n0 + j;
    const int64_t len = s.lengths ? s.lengths[n] : T;
    if (step >= len) {
      // Past this row's sequence: the state carries over (zero for an empty sequence), and
      // Y at time `step` (which the row's own steps never reach) is zero.
      float* h_next = s.h + (((parity ^ 1) * s.dirs + dir) * N + n) * Hp + b * L;
      const V h = len == 0 ? S::zero() : S::load(h_prev[j] + b * L);
      S::store(h_next, h);
      if (s.y) put<S>(s.y + y_offset(s, step, dir, n) + b * L, S::zero(), valid);
      if (last && s.y_h) put<S>(s.y_h + state_offset(s, dir, n) + b * L, h, valid);
      if (last && s.y_c) {
        const V c = len == 0 ? S::zero() : S::load(s.c + (dir * N + n) * Hp + b * L);
        put<S>(s.y_c + state_offset(s, dir, n) + b * L, c, valid);
      }
      continue;
    }
    const int64_t t = s.backwards[dir] ? len - 1 - step : step;
    const int64_t row = s.layout == 0 ? t * N + n : n * T + t;
    const float* x = s.projection + row * s.projection_stride() + (dir * s.blocks + b) * G * L;
    float* h_next = s.h + (((parity ^ 1) * s.dirs + dir) * N + n) * Hp + b * L;
    V h;
    if constexpr (Kind == RecurrentKind::Lstm) {
      // i = s(xi + hRi + Pi c), o = s(xo + hRo + Po c'), f = s(xf + hRf + Pf c),
      // c' = f c + i tanh(xc + hRc), h = o tanh(c')
      float* cp = s.c + (dir * N + n) * Hp + b * L;
      const V c_prev = S::load(cp);
      V gi = S::add(acc[j][0], S::load(x)), go = S::add(acc[j][1], S::load(x + L));
      V gf = S::add(acc[j][2], S::load(x + 2 * L));
      const V gc = simd::tanh<S>(S::add(acc[j][3], S::load(x + 3 * L)));
      const float* p = s.peephole ? s.peephole + dir * 3 * Hp + b * L : nullptr;
      if (p) {
        gi = S::fmadd(S::load(p), c_prev, gi);
        gf = S::fmadd(S::load(p + 2 * Hp), c_prev, gf);
      }
      const V c = S::fmadd(simd::sigmoid<S>(gf), c_prev, S::mul(simd::sigmoid<S>(gi), gc));
      if (p) go = S::fmadd(S::load(p + Hp), c, go);
      h = S::mul(simd::sigmoid<S>(go), simd::tanh<S>(c));
      S::store(cp, c);
      if (last && s.y_c) put<S>(s.y_c + state_offset(s, dir, n) + b * L, c, valid);
    } else if constexpr (Kind == RecurrentKind::Gru) {
      // z = s(xz + hRz), r = s(xr + hRr), n = tanh(xh + r (hRh + Rbh)), h = n + z (h_prev - n)
      const V z = simd::sigmoid<S>(S::add(acc[j][0], S::load(x)));
      const V r = simd::sigmoid<S>(S::add(acc[j][1], S::load(x + L)));
      const V rh = S::add(acc[j][2], S::load(s.rb_h + dir * Hp + b * L));
      const V cand = simd::tanh<S>(S::fmadd(r, rh, S::load(x + 2 * L)));
      h = S::fmadd(z, S::sub(S::load(h_prev[j] + b * L), cand), cand);
    } else {
      h = simd::tanh<S>(S::add(acc[j][0], S::load(x)));
    }
    S::store(h_next, h);
    if (s.y) put<S>(s.y + y_offset(s, t, dir, n) + b * L, h, valid);
    if (last && s.y_h) put<S>(s.y_h + state_offset(s, dir, n) + b * L, h, valid);
  }
}

template <class S, RecurrentKind Kind>
void run_step(const RecurrentSteps& s, int dir, int64_t step, int64_t block_begin, int64_t block_end) {
  constexpr int R = kRows<S>;
  const int64_t count = block_end - block_begin;
  for (int64_t i = 0; i < count; ++i) {
    // Even steps walk the blocks forwards, odd steps backwards (see recurrent_steps.h).
    const int64_t b = step % 2 == 0 ? block_begin + i : block_end - 1 - i;
    int64_t n = 0;
    for (; n + R <= s.N; n += R) block_rows<S, Kind, R>(s, dir, step, b, n);
    switch (s.N - n) {
      case 3:
        if constexpr (R > 3) block_rows<S, Kind, 3>(s, dir, step, b, n);
        break;
      case 2:
        if constexpr (R > 2) block_rows<S, Kind, 2>(s, dir, step, b, n);
        break;
      case 1: block_rows<S, Kind, 1>(s, dir, step, b, n); break;
      default: break;
    }
  }
}

template <class S>
RecurrentStepFn step_for(RecurrentKind kind) {
  switch (kind) {
    case RecurrentKind::Lstm: return run_step<S, RecurrentKind::Lstm>;
    case RecurrentKind::Gru: return run_step<S, RecurrentKind::Gru>;
    case RecurrentKind::Rnn: return run_step<S, RecurrentKind::Rnn>;
  }
  return nullptr;
}

}  // namespace

RecurrentStepFn recurrent_step_function(RecurrentIsa isa, RecurrentKind kind) {
#if defined(LAYERSCOPE_RECURRENT_AVX512)
  if (isa == RecurrentIsa::Avx512) return step_for<simd::Avx512>(kind);
#endif
#if defined(LAYERSCOPE_RECURRENT_AVX2)
  if (isa == RecurrentIsa::Avx2) return step_for<simd::Avx2>(kind);
#endif
  (void)isa;
  (void)kind;
  return nullptr;
}

int recurrent_lanes(RecurrentIsa isa) { return isa == RecurrentIsa::Avx512 ? 16 : 8; }

RecurrentIsa best_recurrent_isa() {
#if defined(LAYERSCOPE_RECURRENT_AVX512)
  return RecurrentIsa::Avx512;
#elif defined(LAYERSCOPE_RECURRENT_AVX2)
  return RecurrentIsa::Avx2;
#else
  return RecurrentIsa::None;
#endif
}

}  // namespace layerscope::native
