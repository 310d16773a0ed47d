// native:flash_sdpa (kernels/native/flash_attention.cpp) against SDPAttention's reference
// kernel through the kernel harness (common/kernel_check.h): key counts that are not a multiple
// of its key block or of 16 lanes, head sizes that are not a multiple of 16, additive masks
// (dense, key padding, per row, causal, rows masked out for whole key blocks or entirely), K
// given transposed, strided Q/K/V views and a transposed output, at 1 and 2 threads.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <optional>
#include <random>

#include "common/kernel_check.h"
#include "ops/fused/transformer.h"

namespace layerscope::testing {
namespace {

constexpr const char* kFlash = "native:flash_sdpa";
constexpr float kInf = std::numeric_limits<float>::infinity();

struct FlashCase {
  Shape q, k, v;
  bool k_transposed = false;
  std::optional<Tensor> mask;
  Attributes views;  // q_perm, out_perm, ... (ops/fused/attention_operands.h)
};
FlashCase qkv(Shape q, Shape k, Shape v, bool k_transposed = false, std::optional<Tensor> mask = std::nullopt) {
  return {std::move(q), std::move(k), std::move(v), k_transposed, std::move(mask), {}};
}

// The flash kernel ran on the case and agreed with the reference (NaN where it is NaN).
void expect_flash_matches(const FlashCase& c, std::mt19937& rng, int threads) {
#if !defined(__AVX512F__)
  GTEST_SKIP() << kFlash << " is built for AVX-512 only";
#endif
  Attributes a = c.views;
  a.set("scale", 0.31f);
  a.set("k_transposed", int64_t{c.k_transposed});
  Node n = make_node("SDPAttention", 1, c.mask ? 4 : 3, 1, a, kFusedDomain);
  std::vector<CaseInput> in = {{random_f32(rng, c.q)}, {random_f32(rng, c.k)}, {random_f32(rng, c.v)}};
  if (c.mask) in.push_back({*c.mask});
  const KernelCheck r =
      check_kernels(n, in, {.threads = threads, .tolerance = 2e-5, .scale_floor = 0.0, .only = kFlash});
  EXPECT_TRUE(r.ran_kernel(kFlash)) << shape_to_string(c.q) << " x " << shape_to_string(c.k) << ": " << kFlash
                                    << " did not run";
}

// [Lq, Lk] additive mask: 0 where keep(i, j), else -inf.
Tensor mask_where(int64_t Lq, int64_t Lk, const std::function<bool(int64_t, int64_t)>& keep) {
  Tensor t(DType::F32, {Lq, Lk});
  for (int64_t i = 0; i < Lq; ++i)
    for (int64_t j = 0; j < Lk; ++j) t.data_as<float>()[i * Lk + j] = keep(i, j) ? 0.f : -kInf;
  return t;
}

TEST(FlashAttention, MatchesReferenceOnOddSizes) {
  std::mt19937 rng(21);
  for (int threads : {1, 2}) {
    // Lk neither a multiple of the key block nor of 16; D and Dv not multiples of 16.
    expect_flash_matches(qkv({2, 3, 37, 24}, {2, 3, 1100, 24}, {2, 3, 1100, 40}), rng, threads);
    expect_flash_matches(qkv({1, 2, 200, 64}, {1, 2, 1531, 64}, {1, 2, 1531, 64}), rng, threads);
    // K given as K^T [D, Lk]: read in place, or copied when its rows are 4 KB apart.
    expect_flash_matches(qkv({3, 50, 17}, {3, 17, 1027}, {3, 1027, 5}, true), rng, threads);
    expect_flash_matches(qkv({2, 40, 16}, {2, 16, 1024}, {2, 1024, 16}, true), rng, threads);
    // One query row, one head.
    expect_flash_matches(qkv({1, 1, 1, 8}, {1, 1, 1300, 8}, {1, 1, 1300, 8}), rng, threads);
  }
}

TEST(FlashAttention, MatchesReferenceWithMasks) {
  std::mt19937 rng(22);
  const int64_t Lq = 70, Lk = 1100;
  for (int threads : {1, 2}) {
    // Dense random additive mask per head.
    expect_flash_matches(
        qkv({2, 2, Lq, 16}, {2, 2, Lk, 16}, {2, 2, Lk, 16}, false, random_f32(rng, {2, 2, Lq, Lk}, -4.f, 0.f)), rng,
        threads);
    // Key padding [B, 1, 1, Lk] and a per-row mask [Lq, 1] (broadcast along the keys).
    expect_flash_matches(
        qkv({2, 2, Lq, 16}, {2, 2, Lk, 16}, {2, 2, Lk, 16}, false, random_f32(rng, {2, 1, 1, Lk}, -4.f, 0.f)), rng,
        threads);
    expect_flash_matches(
        qkv({2, 2, Lq, 16}, {2, 2, Lk, 16}, {2, 2, Lk, 16}, false, random_f32(rng, {Lq, 1}, -4.f, 0.f)), rng, threads);
    // Causal (the last Lq queries of Lk positions) and its mirror, where the first key blocks of
    // every row are masked out entirely; one row masked out everywhere (NaN, as the reference).
    expect_flash_matches(qkv({1, 3, Lq, 32}, {1, 3, Lk, 32}, {1, 3, Lk, 32}, false,
                             mask_where(Lq, Lk, [&](int64_t i, int64_t j) { return j <= Lk - Lq + i; })),
                         rng, threads);
    expect_flash_matches(qkv({1, 3, Lq, 32}, {1, 3, Lk, 32}, {1, 3, Lk, 32}, false,
                             mask_where(Lq, Lk, [&](int64_t i, int64_t j) { return i != 5 && j >= Lk - Lq + i; })),
                         rng, threads);
  }
}

TEST(FlashAttention, MatchesReferenceOnStridedViews) {
  std::mt19937 rng(23);
  const int64_t B = 1, L = 1050, H = 3, D = 32;
  for (int threads : {1, 2}) {
    // [B, L, H, D] inputs with the heads split by q/k/v_perm and the result written back as
    // [B, L, H, D] (out_perm): strided Q rows, K rows transposed from a strided view, V read in
    // place with a row stride of H * D, output rows strided.
    FlashCase split = qkv({B, L, H, D}, {B, L, H, D}, {B, L, H, D});
    for (const char* attr : {"q_perm", "k_perm", "v_perm", "out_perm"})
      split.views.set(attr, std::vector<int64_t>{0, 2, 1, 3});
    expect_flash_matches(split, rng, threads);
    // 8 heads of 32: V's rows are 1 KB apart, so V is packed too.
    FlashCase wide = qkv({B, L, 8, D}, {B, L, 8, D}, {B, L, 8, D});
    wide.views = split.views;
    expect_flash_matches(wide, rng, threads);
    // V given as [B, H, Dv, L] and read transposed (v_perm): V's columns are strided, so V is packed.
    FlashCase vt = qkv({B, H, 40, D}, {B, H, L, D}, {B, H, D, L});
    vt.views.set("v_perm", std::vector<int64_t>{0, 1, 3, 2});
    expect_flash_matches(vt, rng, threads);
    // K^T [H, D, L] read from a [L, D, H] input (k_perm): neither of its strides is 1.
    FlashCase kt = qkv({H, 30, D}, {L, D, H}, {H, L, 24}, true);
    kt.views.set("k_perm", std::vector<int64_t>{2, 1, 0});
    expect_flash_matches(kt, rng, threads);
  }
}

}  // namespace
}  // namespace layerscope::testing
