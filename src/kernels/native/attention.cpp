// native:sdpa — SDPAttention (ops/fused_transformer.h) without the score matrix in memory.
// The queries of each batch item (head) are cut into tiles of T rows; one thread handles one
// (head, tile) at a time, entirely in its own cache:
//   S = Q_tile K^T           [T, Lk]  oneDNN matmul, into the thread's scratch
//   S = S * scale + mask; each row: m = max, S = exp(S - m), l = sum   (in place)
//   O_tile = S V             [T, Dv]  oneDNN matmul, straight into the output
//   O_tile row i /= l_i      (normalising O costs Dv per row instead of Lk for S)
// Tiles are parallelised over (head, tile) with OpenMP; a oneDNN primitive executed inside the
// parallel region runs on the calling thread, so the primitives are created once at prepare
// for one thread (tile shapes: T rows and the last tile's rows), with per-thread argument
// memories, stream and scratchpad. T keeps the S tile within ~512 KB of the core's L2 cache
// (tiles of 32 to 197 rows measured within 5% of each other for Lk = 1531 and Lk = 197).
// Also registered here: the fused Gelu, served by the native Gelu kernels.
#include <omp.h>

#include <algorithm>
#include <array>

#include "kernels/kernel_alias.h"
#include "kernels/native/attention_rows.h"
#include "kernels/onednn/onednn_common.h"
#include "ops/fused_transformer.h"
#include "ops/op_utils.h"

namespace layerscope {
namespace {

using onednn::engine;
using onednn::plain_md;
using onednn::strided_md;

constexpr int64_t kScoreTileBytes = 512 * 1024;
constexpr int64_t kMinTileRows = 16, kMaxTileRows = 128;

size_t align64(size_t n) { return (n + 63) & ~size_t(63); }

// One matmul primitive of a tile shape, and its per-thread argument memories.
struct TileMatmul {
  dnnl::matmul prim;
  dnnl::memory::desc src, wei, dst, pad;
  size_t scratchpad = 0;  // bytes of `pad`
};

struct ThreadArgs {
  dnnl::stream stream;
  // Per primitive (qk full, qk last, pv full, pv last): src, weights, dst, scratchpad.
  std::array<std::array<dnnl::memory, 4>, 4> mem;
  std::array<std::array<dnnl_exec_arg_t, 4>, 4> args;
};

class AttentionKernel final : public Kernel {
 public:
  std::string name() const override { return "native:sdpa"; }
  size_t scratch_bytes() const override { return per_thread_ * threads_ + 64; }

  void prepare(const KernelSetup& s) override {
    const Shape& q = s.inputs[kAttnQ].shape;
    const Shape& k = s.inputs[kAttnK].shape;
    const Shape& v = s.inputs[kAttnV].shape;
    const int r = static_cast<int>(q.size());
    k_transposed_ = s.node.attrs.get_int("k_transposed", 0) != 0;
    scale_ = s.node.attrs.get_float("scale", 1.f);
    batch_ = shape_numel(Shape(q.begin(), q.end() - 2));
    Lq_ = q[r - 2];
    D_ = q[r - 1];
    Lk_ = k_transposed_ ? k[r - 1] : k[r - 2];
    Dv_ = v[r - 1];
    threads_ = std::max(1, s.threads);
    choose_tiles();
    if (s.inputs.size() > kAttnMask && s.node.inputs[kAttnMask] >= 0) prepare_mask(s.inputs[kAttnMask].shape, q);

    onednn::ThreadScope one(1);  // executed inside our parallel region: one thread each
    const int64_t rows[2] = {tile_rows_, last_rows_};
    for (int t = 0; t < 2; ++t) {
      const dnnl::memory::desc kt = k_transposed_ ? plain_md({D_, Lk_}) : strided_md({D_, Lk_}, {1, D_});
      mm_[t] = make_matmul(plain_md({rows[t], D_}), kt, plain_md({rows[t], Lk_}));
      mm_[2 + t] = make_matmul(plain_md({rows[t], Lk_}), plain_md({Lk_, Dv_}), plain_md({rows[t], Dv_}));
    }
    size_t pad = 0;
    for (const TileMatmul& m : mm_) pad = std::max(pad, m.scratchpad);
    scores_bytes_ = align64(static_cast<size_t>(tile_rows_ * Lk_) * sizeof(float));
    sums_bytes_ = align64(static_cast<size_t>(tile_rows_) * sizeof(float));
    per_thread_ = scores_bytes_ + sums_bytes_ + align64(pad);
    args_.clear();
    for (int t = 0; t < threads_; ++t) {
      ThreadArgs a{dnnl::stream(engine()), {}, {}};
      for (int p = 0; p < 4; ++p) {
        const TileMatmul& m = mm_[p];
        const dnnl::memory::desc* mds[4] = {&m.src, &m.wei, &m.dst, &m.pad};
        const int ids[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_SCRATCHPAD};
        for (int j = 0; j < 4; ++j) {
          if (j == 3 && !m.scratchpad) break;
          a.mem[p][j] = dnnl::memory(*mds[j], engine(), DNNL_MEMORY_NONE);
          a.args[p][j] = {ids[j], a.mem[p][j].get()};
        }
      }
      args_.push_back(std::move(a));
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const float* q = in[kAttnQ]->data_as<float>();
    const float* k = in[kAttnK]->data_as<float>();
    const float* v = in[kAttnV]->data_as<float>();
    const float* mask = in.size() > kAttnMask && in[kAttnMask] ? in[kAttnMask]->data_as<float>() : nullptr;
    float* o = out[0]->data_as<float>();
    char* base = reinterpret_cast<char*>(align64(reinterpret_cast<size_t>(scratch)));
    const int64_t items = batch_ * tiles_;
    bool failed = false;  // no exception may leave the parallel region
#pragma omp parallel num_threads(threads_) reduction(|| : failed)
    {
      const int tid = omp_get_thread_num();
      ThreadArgs& a = args_[tid];
      char* mine = base + per_thread_ * tid;
      float* scores = reinterpret_cast<float*>(mine);
      float* sums = reinterpret_cast<float*>(mine + scores_bytes_);
      void* pad = mine + scores_bytes_ + sums_bytes_;
#pragma omp for schedule(dynamic, 1)
      for (int64_t it = 0; it < items; ++it) {
        const int64_t b = it / tiles_, t = it % tiles_, r0 = t * tile_rows_;
        const bool last = t == tiles_ - 1;
        const int64_t rows = last ? last_rows_ : tile_rows_;
        if (failed || !run(a, last ? 1 : 0, q + (b * Lq_ + r0) * D_, k + b * Lk_ * D_, scores, pad)) {
          failed = true;
          continue;
        }
        const float* mrow = mask ? mask + mask_batch_offset_[b] + r0 * mask_row_stride_ : nullptr;
        attention_rows::softmax_unnormalised(scores, rows, Lk_, scale_, mrow, mask_row_stride_, mask_col_stride_, sums);
        float* orow = o + (b * Lq_ + r0) * Dv_;
        failed |= !run(a, last ? 3 : 2, scores, v + b * Lk_ * Dv_, orow, pad);
        attention_rows::scale_rows(orow, rows, Dv_, sums);
      }
    }
    LS_CHECK(!failed, "native:sdpa: a oneDNN matmul failed to execute");
  }

 private:
  static TileMatmul make_matmul(const dnnl::memory::desc& src, const dnnl::memory::desc& wei,
                                const dnnl::memory::desc& dst) {
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), onednn::base_attr(), engine());
    onednn::require_optimized(pd);
    return TileMatmul{dnnl::matmul(pd), src, wei, dst, pd.scratchpad_desc(), pd.scratchpad_desc().get_size()};
  }

  // One tile product on the calling thread; false when oneDNN reports an error.
  bool run(ThreadArgs& a, int p, const float* src, const float* wei, float* dst, void* pad) {
    auto& m = a.mem[p];
    m[0].set_data_handle(const_cast<float*>(src));
    m[1].set_data_handle(const_cast<float*>(wei));
    m[2].set_data_handle(dst);
    if (mm_[p].scratchpad) m[3].set_data_handle(pad);
    const int nargs = mm_[p].scratchpad ? 4 : 3;
    return dnnl_primitive_execute(mm_[p].prim.get(), a.stream.get(), nargs, a.args[p].data()) == dnnl_success;
  }

  // Tiles of at most ~kScoreTileBytes of scores, split evenly over Lq, and enough of them that
  // every thread gets several (head, tile) items.
  void choose_tiles() {
    int64_t rows = std::clamp<int64_t>(kScoreTileBytes / (Lk_ * 4), kMinTileRows, kMaxTileRows);
    tiles_ = (Lq_ + rows - 1) / rows;
    const int64_t want_items = 4 * threads_;
    if (batch_ * tiles_ < want_items)
      tiles_ = std::max(tiles_, std::min((want_items + batch_ - 1) / batch_, (Lq_ + kMinTileRows - 1) / kMinTileRows));
    tiles_ = std::clamp<int64_t>(tiles_, 1, Lq_);
    tile_rows_ = (Lq_ + tiles_ - 1) / tiles_;
    tiles_ = (Lq_ + tile_rows_ - 1) / tile_rows_;
    last_rows_ = Lq_ - (tiles_ - 1) * tile_rows_;
  }

  // The mask's strides against the scores [batch..., Lq, Lk] (0 where it broadcasts).
  void prepare_mask(const Shape& mask, const Shape& q) {
    Shape scores(q.begin(), q.end() - 1);
    scores.push_back(Lk_);
    const std::vector<int64_t> st = broadcast_strides(mask, scores);
    const int r = static_cast<int>(scores.size());
    mask_row_stride_ = st[r - 2];
    mask_col_stride_ = st[r - 1];
    mask_batch_offset_.assign(batch_, 0);
    for (int64_t b = 0; b < batch_; ++b) {
      int64_t rem = b, off = 0;
      for (int d = r - 3; d >= 0; --d) {
        off += (rem % scores[d]) * st[d];
        rem /= scores[d];
      }
      mask_batch_offset_[b] = off;
    }
  }

  bool k_transposed_ = false;
  float scale_ = 1.f;
  int64_t batch_ = 1, Lq_ = 0, Lk_ = 0, D_ = 0, Dv_ = 0;
  int64_t tiles_ = 1, tile_rows_ = 0, last_rows_ = 0;
  int64_t mask_row_stride_ = 0, mask_col_stride_ = 0;
  std::vector<int64_t> mask_batch_offset_;
  int threads_ = 1;
  std::array<TileMatmul, 4> mm_;
  std::vector<ThreadArgs> args_;
  size_t scores_bytes_ = 0, sums_bytes_ = 0, per_thread_ = 0;
};

bool attention_supported(const KernelSetup& s) {
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (s.node.inputs[i] >= 0 && (s.inputs[i].dtype != DType::F32 || shape_numel(s.inputs[i].shape) == 0)) return false;
  if (s.outputs[0].dtype != DType::F32) return false;
  const Shape& q = s.inputs[kAttnQ].shape;
  if (q.size() < 2) return false;
  const bool kt = s.node.attrs.get_int("k_transposed", 0) != 0;
  const int64_t Lk = kt ? s.inputs[kAttnK].shape.back() : s.inputs[kAttnK].shape[q.size() - 2];
  return onednn::succeeds([&] {
    onednn::ThreadScope one(1);
    const dnnl::memory::desc k = kt ? plain_md({q.back(), Lk}) : strided_md({q.back(), Lk}, {1, q.back()});
    onednn::require_optimized(dnnl::matmul::primitive_desc(
        dnnl::matmul::desc(plain_md({kMinTileRows, q.back()}), k, plain_md({kMinTileRows, Lk})), onednn::base_attr(),
        engine()));
  });
}

}  // namespace

void register_native_fused_transformer_kernels(Registry& r) {
  KernelDef d;
  d.op_type = "SDPAttention";
  d.domain = kFusedTransformerDomain;
  d.name = "native:sdpa";
  d.priority = 100;
  d.supports = attention_supported;
  d.create = [] { return std::make_unique<AttentionKernel>(); };
  r.add_kernel(std::move(d));
  // The fused Gelu has ONNX Gelu's input and attribute: its kernels serve it as they are. The
  // native one beats oneDNN's eltwise gelu on 2.35M floats, 1 thread: erf 1.58 ms vs 1.63 ms,
  // tanh 0.82 ms vs 2.10 ms, at 2e-6 max relative error where oneDNN's reaches 7e-2 in the
  // negative tail.
  alias_kernels(r, {"", "Gelu"}, {kFusedTransformerDomain, "Gelu"});
}

}  // namespace layerscope
