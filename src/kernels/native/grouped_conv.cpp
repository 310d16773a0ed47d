// native:groupconv — 2-D grouped convolutions whose groups are 2, 4 or 8 channels wide on both
// sides (ResNeXt-50 32x4d's first stage: 128 channels in 32 groups of 4), and the fused
// convolutions without a residual (ConvRelu, ...). oneDNN 2.6 has no direct implementation for
// such narrow groups and runs them on its gemm fallback at ~4% of the fp32 peak (2.6 ms per
// 56x56 layer, 16% of ResNeXt-50's time).
//
// With C a multiple of 16, a 16-lane vector of channels holds 16/cg whole groups in both
// channels-last [N, H, W, C] and nChw16c [N, C/16, H, W, 16] buffers, and output lane l reads
// the cg input lanes of its own group in the same vector: per kernel tap, cg lane permutes of
// the input vector (lane l takes lane (l / cg) * cg + j) and cg FMAs with per-lane weights,
// packed at prepare as [C/16][kh][kw][j][16]. Eight output columns are computed at a time; rows
// (n, oh) are shared across threads. A Plain node (the layout pass did not run) is transposed to
// channels-last in scratch and back (TransposePlan). The activation of a fused node is applied to each finished
// row (ops/post_op.h).
#include <omp.h>

#include <algorithm>
#include <array>
#include <optional>

#include "kernels/kernel_registry.h"
#include "kernels/native/transpose.h"
#include "ops/fused/conv.h"
#include "ops/nn/conv_geometry.h"
#include "ops/op_registry.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace layerscope {
namespace {

constexpr int kPriority = 110;  // above oneDNN's Conv (100), which declines nothing this takes
constexpr int64_t kLanes = 16;
constexpr int64_t kColumns = 8;  // output columns per block (their accumulators stay in registers)

using Fusion = std::optional<FusionTrait>;

// The geometry this kernel runs, or nullopt.
std::optional<ConvGeometry> narrow_groups(const KernelSetup& s, const Fusion& fusion) {
#if !defined(__AVX512F__)
  return std::nullopt;
#else
  if (s.inputs.size() < 2 || s.inputs[0].dtype != DType::F32 || s.outputs.empty()) return std::nullopt;
  if (!s.constants[1] || (s.inputs.size() > 2 && s.node.inputs[2] >= 0 && !s.constants[2])) return std::nullopt;
  if (fusion && conv_epilogue(*fusion, s.node).residual) return std::nullopt;
  if (s.inputs[0].shape.size() != 4 || s.inputs[1].shape.size() != 4) return std::nullopt;
  ConvGeometry g;
  try {
    g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  } catch (const Error&) {
    return std::nullopt;
  }
  const int64_t cg = g.group > 1 ? g.C_in / g.group : 0;
  if (cg != 2 && cg != 4 && cg != 8) return std::nullopt;
  if (g.C_out != g.C_in || g.C_in % kLanes != 0) return std::nullopt;
  if (g.dilations[0] != 1 || g.dilations[1] != 1) return std::nullopt;
  const Layout in = s.input_layout(0), out = s.output_layout(0);
  if (in != out || (in != Layout::Plain && in != Layout::ChannelsLast && in != Layout::Blocked16)) return std::nullopt;
  return g;
#endif
}

#if defined(__AVX512F__)

// Where element (n, c-block, row, column) sits, in floats, for a buffer of `layout`.
struct Strides {
  int64_t image, block, row, column;
  Strides(Layout l, int64_t C, int64_t H, int64_t W) {
    if (l == Layout::Blocked16) {
      image = C * H * W, block = H * W * kLanes, row = W * kLanes, column = kLanes;
    } else {  // channels-last
      image = H * W * C, block = kLanes, row = W * C, column = C;
    }
  }
};

class GroupedConvKernel final : public Kernel {
 public:
  explicit GroupedConvKernel(Fusion fusion) : fusion_(std::move(fusion)) {}
  std::string name() const override { return "native:groupconv"; }

  void prepare(const KernelSetup& s) override {
    g_ = *narrow_groups(s, fusion_);
    threads_ = std::max(1, s.threads);
    layout_ = s.input_layout(0);
    cg_ = g_.C_in / g_.group;
    if (fusion_) post_ops_ = conv_epilogue(*fusion_, s.node).activation;
    const Tensor& w = *s.constants[1];
    const int64_t C = g_.C_out, KH = g_.kernel[0], KW = g_.kernel[1];
    packed_.assign(static_cast<size_t>(C * cg_ * KH * KW), 0.f);
    for (int64_t oc = 0; oc < C; ++oc)
      for (int64_t j = 0; j < cg_; ++j)
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw)
            packed_[(((oc / kLanes * KH + kh) * KW + kw) * cg_ + j) * kLanes + oc % kLanes] =
                w.data_as<float>()[((oc * cg_ + j) * KH + kh) * KW + kw];
    lane_of_input_.assign(static_cast<size_t>(cg_), {});
    for (int64_t j = 0; j < cg_; ++j)
      for (int64_t l = 0; l < kLanes; ++l) lane_of_input_[j][l] = static_cast<int32_t>(l / cg_ * cg_ + j);
    bias_.assign(static_cast<size_t>(C), 0.f);
    if (s.inputs.size() > 2 && s.node.inputs[2] >= 0) std::copy_n(s.constants[2]->data_as<float>(), C, bias_.begin());
    if (layout_ == Layout::Plain) {  // [N, C, S] <-> [N, S, C] through scratch
      to_channels_last_.emplace(Shape{g_.N, g_.C_in, g_.in_spatial_size()}, std::vector<int64_t>{0, 2, 1},
                                sizeof(float));
      to_plain_.emplace(Shape{g_.N, g_.out_spatial_size(), g_.C_out}, std::vector<int64_t>{0, 2, 1}, sizeof(float));
    }
  }
  bool reads_input_at_run(int input) const override { return input == 0; }
  size_t packed_weight_bytes() const override { return (packed_.size() + bias_.size()) * sizeof(float); }
  // Plain: both tensors as channels-last copies.
  size_t scratch_bytes() const override {
    if (layout_ != Layout::Plain) return 0;
    return static_cast<size_t>(shape_numel(g_.input_shape()) + shape_numel(g_.output_shape())) * sizeof(float);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const float* x = in[0]->data_as<float>();
    float* y = out[0]->data_as<float>();
    if (layout_ != Layout::Plain) return run(x, y, layout_);
    float* xt = static_cast<float*>(scratch);
    float* yt = xt + shape_numel(g_.input_shape());
    to_channels_last_->run(x, xt, threads_);
    run(xt, yt, Layout::ChannelsLast);
    to_plain_->run(yt, y, threads_);
  }

 private:
  void run(const float* x, float* y, Layout layout) const {
    const int64_t H = g_.in_dims[0], W = g_.in_dims[1], OH = g_.out_dims[0], OW = g_.out_dims[1];
    const Strides xs(layout, g_.C_in, H, W), ys(layout, g_.C_out, OH, OW);
    const int64_t rows = g_.N * OH;
    const bool blocked = layout == Layout::Blocked16;
#pragma omp parallel for num_threads(threads_) schedule(static) if (rows > 1 && threads_ > 1)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t n = r / OH, oh = r % OH;
      for (int64_t cb = 0; cb < g_.C_out / kLanes; ++cb) {
        const float* xb = x + n * xs.image + cb * xs.block;
        float* yb = y + n * ys.image + cb * ys.block + oh * ys.row;
        int64_t ow = 0;
        for (; ow + kColumns <= OW; ow += kColumns) columns<kColumns>(xb, xs, yb, ys, cb, oh, ow);
        for (; ow < OW; ++ow) columns<1>(xb, xs, yb, ys, cb, oh, ow);
        if (blocked && !post_ops_.empty()) apply_post_ops(post_ops_, yb, OW * kLanes);
      }
      if (!blocked && !post_ops_.empty()) apply_post_ops(post_ops_, y + n * ys.image + oh * ys.row, OW * g_.C_out);
    }
  }

  // Output columns [ow, ow + Count) of row oh, channel block cb. Count is a constant so that the
  // loops over columns unroll and the accumulators stay in registers.
  template <int Count>
  void columns(const float* xb, const Strides& xs, float* yb, const Strides& ys, int64_t cb, int64_t oh,
               int64_t ow) const {
    constexpr int count = Count;
    const int64_t H = g_.in_dims[0], W = g_.in_dims[1], KH = g_.kernel[0], KW = g_.kernel[1];
    const int64_t sh = g_.strides[0], sw = g_.strides[1], ph = g_.pads_begin[0], pw = g_.pads_begin[1];
    __m512 acc[Count];
    const __m512 bias = _mm512_loadu_ps(bias_.data() + cb * kLanes);
    for (int o = 0; o < count; ++o) acc[o] = bias;
    for (int64_t kh = 0; kh < KH; ++kh) {
      const int64_t ih = oh * sh - ph + kh;
      if (ih < 0 || ih >= H) continue;
      for (int64_t kw = 0; kw < KW; ++kw) {
        __m512 xv[Count];
        for (int o = 0; o < count; ++o) {
          const int64_t iw = (ow + o) * sw - pw + kw;
          xv[o] = iw >= 0 && iw < W ? _mm512_loadu_ps(xb + ih * xs.row + iw * xs.column) : _mm512_setzero_ps();
        }
        const float* wp = packed_.data() + ((cb * KH + kh) * KW + kw) * cg_ * kLanes;
        for (int64_t j = 0; j < cg_; ++j) {
          const __m512i idx = _mm512_loadu_si512(lane_of_input_[j].data());
          const __m512 wv = _mm512_loadu_ps(wp + j * kLanes);
          // Zero-masking forms: GCC 12 flags the unmasked ones' undefined pass-through operand.
          for (int o = 0; o < count; ++o)
            acc[o] = _mm512_fmadd_ps(_mm512_maskz_permutexvar_ps(0xFFFF, idx, xv[o]), wv, acc[o]);
        }
      }
    }
    for (int o = 0; o < count; ++o) _mm512_storeu_ps(yb + (ow + o) * ys.column, acc[o]);
  }

  Fusion fusion_;
  ConvGeometry g_;
  Layout layout_ = Layout::Plain;
  int64_t cg_ = 4;
  int threads_ = 1;
  PostOps post_ops_;
  std::vector<float> packed_, bias_;
  std::optional<native::TransposePlan> to_channels_last_, to_plain_;  // a Plain node's copies
  // Per j < cg: for each output lane l, the input lane it reads, (l / cg) * cg + j.
  std::vector<std::array<int32_t, kLanes>> lane_of_input_;
};

#endif  // __AVX512F__

// Channels-last in and out; nChw16c keeps (the 1x1 convolutions around it may write either).
std::optional<LayoutChoice> preferred(const KernelSetup& s, const Fusion& fusion) {
  if (!narrow_groups(s, fusion)) return std::nullopt;
  LayoutChoice c;
  c.input = c.output = Layout::ChannelsLast;
  c.also_runs_in = {Layout::Blocked16};
  return c;
}

void add(KernelRegistry& r, const std::string& domain, const std::string& op_type, Fusion fusion) {
  KernelDef d;
  d.op_type = op_type;
  d.domain = domain;
  d.name = "native:groupconv";
  d.priority = kPriority;
  d.supports = [fusion](const KernelSetup& s) { return narrow_groups(s, fusion).has_value(); };
#if defined(__AVX512F__)
  d.create = [fusion] { return std::make_unique<GroupedConvKernel>(fusion); };
#else
  d.create = [] { return std::unique_ptr<Kernel>(); };  // never: supports() is false
#endif
  d.accepts_layouts = true;
  d.preferred_layouts = [fusion](const KernelSetup& s) { return preferred(s, fusion); };
  r.add_kernel(std::move(d));
}

}  // namespace

// Conv, and every fused convolution (ops/fused/conv.h) whose epilogue has no residual.
void register_native_grouped_conv_kernels(KernelRegistry& r, const OpRegistry& ops) {
  add(r, "", "Conv", std::nullopt);
  for (const OpDef* def : ops.all_ops())
    if (def->fusion && def->fusion->core == "Conv") add(r, def->domain, def->op_type, def->fusion);
}

}  // namespace layerscope
