// native:flash_sdpa — SDPAttention (ops/fused/transformer.h) streaming over the keys: no score
// row is ever longer than one key block. Per (head, tile of T query rows), on one thread:
//   Qs = Q_tile * scale * log2(e)                         packed [T, D]
//   for each block of Bk keys:
//     S = Qs K_blk^T + mask_blk * log2(e)                 [T, Bk], in L2
//     per row: m' = max(m, max S), r = 2^(m - m'), P = 2^(S - m'), l = l r + sum P, m = m'
//     O = diag(r) O + P V_blk                             [T, Dv], one pass over O
//   O_tile row i = O_i / l_i                              into the (strided) output
// (the online softmax of Milakov & Gimelshein 2018, as FlashAttention uses it, in base 2: the
// exponentials need no range-reduction multiply). Both products are our register-tiled
// AVX-512 loops (flash_blocks.h): on these block shapes they measured 125-132 GMAC/s on one Zen 5
// core where oneDNN's matmul primitive made 103-126 (bench/attention_threshold.sh products),
// and they fold the rescaling of O into the product's pass over it. K is read as K^T [D, Lk]
// rows of 16 keys, so K stored as rows [Lk, D] (every exporter's layout) is transposed once per
// head into the thread's scratch (16 x 16 blocks in registers); Q is packed per tile; V is read
// in place (see prepare()).
// Against native:sdpa (attention.cpp), which materialises S = Q_tile K^T over all Lk keys in a
// tile of ~512 KB and runs oneDNN matmuls on it: the working set does not grow with Lk, and no
// per-tile oneDNN calls. The selection rule is at flash_supported().
#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>

#include "kernels/kernel_registry.h"
#include "kernels/native/attention_geometry.h"
#include "kernels/native/attention_rows.h"
#include "kernels/native/flash_blocks.h"
#include "ops/fused/transformer.h"
#include "ops/op_utils.h"

#if defined(__AVX512F__)
namespace layerscope {
namespace {

using attention_geometry::Geometry;
using attention_geometry::MatrixView;

// Query rows per tile and keys per block. Measured with bench/attention_threshold.sh (1 and 2
// threads; 197, 1531 and 4096 tokens): tiles of 96 rows 1-4% ahead of 64 and 128, blocks of 256
// and 512 keys within 1% of each other, 128 keys 2-4% slower. The [T, Bk] score block (96 KB)
// and the [T, Dv] accumulator stay in L2 beside the K and V blocks.
constexpr int64_t kTileRows = 96, kKeyBlock = 256;
// Tiles split to give every thread several (head, tile) items keep at least this many register
// tiles of rows.
constexpr int64_t kMinTileGroups = 2;

size_t align64(size_t n) { return (n + 63) & ~size_t(63); }
int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }
// A row stride of n floats, plus one cache line when n is a multiple of 256 floats (1 KB): the
// product reads 64 rows of K^T per register tile, and at a stride of a multiple of 4 KB (Lk =
// 1024, 2048, ...) they all fall into the same few L1 sets and evict each other.
int64_t skewed(int64_t n) { return n % 256 == 0 ? n + 16 : n; }

class FlashAttentionKernel final : public Kernel {
 public:
  std::string name() const override { return "native:flash_sdpa"; }
  size_t scratch_bytes() const override { return per_thread_ * threads_ + 64; }

  void prepare(const KernelSetup& s) override {
    g_ = attention_geometry::of(s);
    scale_ = s.node.attrs.get_float("scale", 1.f);
    threads_ = std::max(1, s.threads);
    if (s.inputs.size() > kAttnMask && s.node.inputs[kAttnMask] >= 0) {
      has_mask_ = true;
      mask_ = attention_geometry::mask_of(g_, s.inputs[kAttnMask].shape);
    }
    key_block_ = std::min(kKeyBlock, g_.Lk);
    choose_tiles(kTileRows);
    // K^T rows are read in place when they are K^T's unit-stride dim, unless their stride would
    // put them all in the same L1 sets (see skewed()).
    pack_k_ = g_.kt.col != 1 || skewed(g_.kt.row) != g_.kt.row;
    // V rows are read in place: copying them per head measured 2-8% slower on Swin's and the
    // Depth model's views. But rows a multiple of 1 KB apart (16 heads of 64 interleaved) are
    // copied: 2-3% faster at 1531 and 2048 tokens.
    pack_v_ = g_.v.col != 1 || skewed(g_.v.row) != g_.v.row;
    ldk_ = pack_k_ ? skewed(round16(g_.Lk)) : g_.kt.row;
    ldv_ = pack_v_ ? skewed(g_.Dv) : g_.v.row;
    ldo_ = round16(g_.Dv);
    auto floats = [](int64_t n) { return align64(static_cast<size_t>(n) * sizeof(float)); };
    // Per thread: Q tile | K^T | V | scores | output accumulator | m, l, rescale.
    at_ = {0,
           floats(tile_rows_ * g_.D),
           pack_k_ ? floats(g_.D * ldk_) : 0,
           pack_v_ ? floats(g_.Lk * ldv_) : 0,
           floats(tile_rows_ * round16(key_block_)),
           floats(tile_rows_ * ldo_),
           floats(3 * tile_rows_)};
    for (size_t i = 1; i < at_.size(); ++i) at_[i] += at_[i - 1];
    per_thread_ = at_.back();
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const float* q = in[kAttnQ]->data_as<float>();
    const float* k = in[kAttnK]->data_as<float>();
    const float* v = in[kAttnV]->data_as<float>();
    const float* mask = has_mask_ ? in[kAttnMask]->data_as<float>() : nullptr;
    float* o = out[0]->data_as<float>();
    char* base = reinterpret_cast<char*>(align64(reinterpret_cast<size_t>(scratch)));
    const int64_t items = g_.batch * tiles_;
    const int64_t D = g_.D, Dv = g_.Dv, Lk = g_.Lk, ld_s = round16(key_block_);
#pragma omp parallel num_threads(threads_)
    {
      char* mine = base + per_thread_ * omp_get_thread_num();
      auto part = [&](int i) { return reinterpret_cast<float*>(mine + at_[i]); };
      float *q_pack = part(0), *k_pack = part(1), *v_pack = part(2), *scores = part(3), *acc = part(4);
      const flash_blocks::RowState state{part(5), part(5) + tile_rows_, part(5) + 2 * tile_rows_};
      // Contiguous blocks of items: a thread meets each head's tiles in a row and packs its K and V
      // once (the tiles cost the same, so static blocks balance).
      int64_t packed = -1;  // the head whose K^T and V sit in k_pack / v_pack
#pragma omp for schedule(static)
      for (int64_t it = 0; it < items; ++it) {
        const int64_t b = it / tiles_, r0 = (it % tiles_) * tile_rows_;
        const int64_t rows = std::min(tile_rows_, g_.Lq - r0);
        const float* kt = k + g_.kt.offsets[b];
        const float* vb = v + g_.v.offsets[b];
        if (b != packed) {
          if (pack_k_ && g_.kt.row == 1) {
            flash_blocks::transpose(k_pack, ldk_, kt, Lk, D, g_.kt.col);
          } else if (pack_k_) {
            for (int64_t d = 0; d < D; ++d)
              attention_rows::pack(k_pack + d * ldk_, kt + d * g_.kt.row, 1, Lk, 0, g_.kt.col);
          }
          if (pack_v_)
            for (int64_t j = 0; j < Lk; ++j)
              attention_rows::pack(v_pack + j * ldv_, vb + j * g_.v.row, 1, Dv, 0, g_.v.col);
          packed = b;
        }
        if (pack_k_) kt = k_pack;
        if (pack_v_) vb = v_pack;
        pack_scaled(q_pack, q + g_.q.offsets[b] + r0 * g_.q.row, rows);
        std::fill(state.max, state.max + rows, -std::numeric_limits<float>::infinity());
        std::fill(state.sum, state.sum + rows, 0.f);
        const float* mrow = mask ? mask + mask_.offsets[b] + r0 * mask_.row : nullptr;
        for (int64_t j0 = 0; j0 < Lk; j0 += key_block_) {
          const int64_t n = std::min(key_block_, Lk - j0);
          flash_blocks::product(q_pack, D, kt + j0, ldk_, scores, ld_s, rows, D, n, nullptr);
          flash_blocks::online_softmax(scores, ld_s, rows, n, mrow ? mrow + j0 * mask_.col : nullptr, mask_.row,
                                       mask_.col, state);
          flash_blocks::product(scores, ld_s, vb + j0 * ldv_, ldv_, acc, ldo_, rows, n, Dv,
                                j0 == 0 ? nullptr : state.rescale);
        }
        attention_rows::scale_rows(acc, ldo_, o + g_.o.offsets[b] + r0 * g_.o.row, g_.o.row, rows, Dv, state.sum);
      }
    }
  }

 private:
  // Q's rows [r0, r0 + rows) of one head times the scale and log2(e) (the online softmax
  // works in base 2: flash_blocks.h), dense [rows, D].
  void pack_scaled(float* dst, const float* src, int64_t rows) const {
    const float f = scale_ * 1.44269504088896341f;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t d = 0; d < g_.D; ++d) dst[i * g_.D + d] = src[i * g_.q.row + d * g_.q.col] * f;
  }

  // Tiles of about `rows` query rows, a multiple of the product's register rows (only the last
  // tile has a partial register tile), and more tiles when the heads would not give every
  // thread several.
  void choose_tiles(int64_t rows) {
    const int64_t groups = (g_.Lq + flash_blocks::kProductRows - 1) / flash_blocks::kProductRows;
    const int64_t per_tile = std::max<int64_t>(1, rows / flash_blocks::kProductRows);
    tiles_ = (groups + per_tile - 1) / per_tile;
    const int64_t want_items = 4 * threads_, min_groups = kMinTileGroups;
    if (g_.batch * tiles_ < want_items)
      tiles_ =
          std::max(tiles_, std::min((want_items + g_.batch - 1) / g_.batch, (groups + min_groups - 1) / min_groups));
    tiles_ = std::clamp<int64_t>(tiles_, 1, groups);
    tile_rows_ = (groups + tiles_ - 1) / tiles_ * flash_blocks::kProductRows;
    tiles_ = (g_.Lq + tile_rows_ - 1) / tile_rows_;
  }

  Geometry g_;
  MatrixView mask_;
  bool has_mask_ = false, pack_k_ = false, pack_v_ = false;
  float scale_ = 1.f;
  int threads_ = 1;
  int64_t key_block_ = 0, tiles_ = 1, tile_rows_ = 0, ldk_ = 0, ldv_ = 0, ldo_ = 0;
  std::array<size_t, 7> at_{};  // per-thread scratch: offsets of its parts, then the end
  size_t per_thread_ = 0;
};

// Every node this kernel can compute, above native:sdpa. Measured with
// bench/attention_threshold.sh (both kernels on the same node, interleaved; AMD EPYC Zen 5, quiet
// machine), native:sdpa time / this kernel's, medians of 6 processes at 1 / 2 threads: Swin-T's
// 49-token windows 1.41 / 1.38, 128 tokens with a padding or causal mask (BERT, GPT) 1.04 / 1.03,
// 197 (ViT-B/16) 1.13 / 1.12, 512 1.02 / 1.01, 1531 (the Depth model) 1.07 / 1.06, 4096 1.15 /
// 1.15, 8192 1.24 / 1.23; head sizes 32 to 128 at 512-1024 tokens 1.01-1.10 / 0.96-1.04.
// Per model (layerscope perf, attention layers, medians of 6 rounds): Depth 1.06 / 1.02, ViT-B/16
// 1.13 / 0.97, BERT 1.04 / 1.08, Swin-T 1.35 / 1.27. Where it does not lead: at 2 threads,
// shapes bound by memory traffic (1 to 32 queries over 1024-4096 keys: medians 0.74-0.98, at 1
// thread 0.99-1.25), and 128-197 tokens in some processes (0.84-0.95), both varying with this
// VM's memory speed from one process to the next (native:sdpa's plain copies of K and V gain
// more from a second core's bandwidth). No rule for them: the memory-bound shapes are in none
// of our models, and the short sequences lead in the other processes and per model.
bool flash_supported(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (s.node.inputs[i] >= 0 && (s.inputs[i].dtype != DType::F32 || shape_numel(s.inputs[i].shape) == 0)) return false;
  if (s.outputs[0].dtype != DType::F32) return false;
  if (s.inputs.size() <= kAttnV || s.inputs[kAttnQ].shape.size() < 2) return false;
  const Geometry g = attention_geometry::of(s);
  if (g.o.col != 1) return false;  // scale_rows writes output rows contiguously
  return true;
}

}  // namespace

void register_native_flash_attention_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "SDPAttention";
  d.domain = kFusedDomain;
  d.name = "native:flash_sdpa";
  d.priority = 110;  // above native:sdpa (100): see flash_supported
  d.supports = flash_supported;
  d.create = [] { return std::make_unique<FlashAttentionKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
#else
namespace layerscope {
void register_native_flash_attention_kernels(KernelRegistry&) {}  // AVX-512 only
}  // namespace layerscope
#endif
