// QLinearConv on oneDNN's int8 convolutions (AVX-512 VNNI where the CPU has it): the QOperator
// models' convolutions and what passes/fuse_qdq.cpp makes of QDQ ones.
//   y = saturate(round((sum (x - x_zp) * w + B) * x_scale * w_scale[oc] / y_scale) + y_zp)
// oneDNN 2.6 computes exactly this form: the int32 bias is added to the int32 accumulator, the
// sum is scaled by the per-channel output scales, then the destination zero point is added.
// Its fast kernels (brgconv / jit_int8 on avx512_core_vnni) need every scale and zero point as
// constants when the primitive is created, so this kernel accepts a node only when they are
// constant initializers; the weights must be int8 with zero points of 0 (oneDNN has no weight
// zero points), as onnxruntime's quantizer writes them (symmetric weights).
// Measured on an AMD EPYC Zen 5, 1 thread (oneDNN 2.6, NHWC): int8 is 3.3-4.1x faster than the
// f32 convolution on ResNet-50's 3x3 and 1x1 layers.
// QLinearConvAdd (a QLinearConv whose output only fed an int8 residual add) adds the residual
// with a sum post-op before the single rounding.
// Activations run in the layouts the layout pass chose (NHWC preferred: oneDNN's int8
// convolutions have no fast implementation on NCHW); the weights are packed once.
#include <cmath>
#include <string_view>

#include "kernels/cpu_features.h"
#include "kernels/onednn/conv_common.h"
#include "kernels/onednn/int8_params.h"
#include "kernels/parallel_copy.h"
#include "ops/nn/conv_geometry.h"

namespace layerscope {
namespace {

using namespace onednn;
using dt = dnnl::memory::data_type;

// QLinearConv's inputs, then QLinearConvAdd's residual (ops/fused/qlinear_conv_add.cpp).
// For QLinearConvAdd, inputs 6 and 7 are the convolution's own (intermediate) output scale and
// zero point, and the output's are kAddScale and kAddZero.
enum QConvInput {
  kX = 0,
  kXScale,
  kXZero,
  kW,
  kWScale,
  kWZero,
  kYScale,
  kYZero,
  kBias,
  kResidual,
  kRScale,
  kRZero,
  kAddScale,
  kAddZero
};

bool has_residual(const KernelSetup& s) { return s.node.op_type == "QLinearConvAdd"; }

// The constant quantization parameters of a node, read once.
struct QConvParams {
  std::vector<float> output_scales;  // x_scale * w_scale[oc] / y_scale: one, or one per channel
  int32_t x_zero = 0, y_zero = 0;
  // QLinearConvAdd: output_scales bring the accumulator to the convolution's own scale c; then
  // post-ops round it and clip it to c's int8 range (q_c - c_zero, exactly the unfused
  // QLinearConv's output), scale it to the output's units (c_scale / y_scale) and add the
  // residual r as oneDNN's sum post-op, r_scale / y_scale * (r - r_zero); oneDNN adds the
  // output zero point and rounds once more, as the unfused QLinearAdd did.
  bool residual = false;
  float clip_lo = 0.f, clip_hi = 0.f, to_output = 1.f, sum_scale = 0.f;
  int32_t r_zero = 0;
};

// The parameters, or nullopt when this kernel cannot run the node (non-constant or per-tensor
// where a single value is needed, non-zero weight zero points, scales that are not positive).
std::optional<QConvParams> read_params(const KernelSetup& s, int64_t c_out) {
  for (int k : {kXScale, kXZero, kW, kWScale, kWZero, kYScale, kYZero, kBias})
    if (!absent_or_constant(s, k)) return std::nullopt;
  const Tensor &xs = *s.constants[kXScale], &ws = *s.constants[kWScale], &ys = *s.constants[kYScale];
  if (xs.dtype() != DType::F32 || ws.dtype() != DType::F32 || ys.dtype() != DType::F32) return std::nullopt;
  if (xs.numel() != 1 || ys.numel() != 1 || (ws.numel() != 1 && ws.numel() != c_out)) return std::nullopt;
  if (has_input(s, kXZero) && s.constants[kXZero]->numel() != 1) return std::nullopt;
  if (has_input(s, kYZero) && s.constants[kYZero]->numel() != 1) return std::nullopt;
  if (has_input(s, kWZero))
    for (int64_t i = 0; i < s.constants[kWZero]->numel(); ++i)
      if (int_at(s, kWZero, i) != 0) return std::nullopt;
  QConvParams p;
  const float x_scale = xs.data_as<float>()[0];
  float y_scale = ys.data_as<float>()[0];
  if (has_residual(s)) {  // scale to the add's output; the convolution's own range is clipped
    for (int k : {kRScale, kRZero, kAddScale, kAddZero})
      if (!has_input(s, k) || !absent_or_constant(s, k) || s.constants[k]->numel() != 1) return std::nullopt;
    if (s.constants[kRScale]->dtype() != DType::F32 || s.constants[kAddScale]->dtype() != DType::F32)
      return std::nullopt;
    const float c_scale = y_scale, out_scale = s.constants[kAddScale]->data_as<float>()[0];
    const int32_t c_zero = int_at(s, kYZero, 0);
    const bool c_int8 = has_input(s, kYZero) && s.constants[kYZero]->dtype() == DType::I8;
    p.residual = true;
    p.clip_lo = (c_int8 ? -128.f : 0.f) - static_cast<float>(c_zero);
    p.clip_hi = (c_int8 ? 127.f : 255.f) - static_cast<float>(c_zero);
    p.to_output = c_scale / out_scale;
    p.sum_scale = s.constants[kRScale]->data_as<float>()[0] / out_scale;
    p.r_zero = int_at(s, kRZero, 0);
    if (!(p.sum_scale > 0.f) || !std::isfinite(p.sum_scale) || !(p.to_output > 0.f) || !std::isfinite(p.to_output))
      return std::nullopt;
  }
  for (int64_t i = 0; i < ws.numel(); ++i) {
    const float m = x_scale * ws.data_as<float>()[i] / y_scale;
    if (!(m > 0.f) || !std::isfinite(m)) return std::nullopt;
    p.output_scales.push_back(m);
  }
  p.x_zero = int_at(s, kXZero, 0);
  p.y_zero = int_at(s, has_residual(s) ? kAddZero : kYZero, 0);
  return p;
}

struct QConvBuild {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::memory::desc src, w, bias, dst;
  bool has_bias = false;
};

// src/dst in the given layouts (nullopt: oneDNN's choice).
QConvBuild build_qconv(const KernelSetup& s, std::optional<Layout> src, std::optional<Layout> dst) {
  const ConvGeometry g = conv_geometry(s.node, s.inputs[kX].shape, s.inputs[kW].shape);
  std::optional<QConvParams> p = read_params(s, g.C_out);
  LS_CHECK(p, Graph::describe(s.node), ": quantization parameters the int8 kernel cannot take");
  const std::optional<dt> x_t = onednn_type(s.inputs[kX].dtype), y_t = onednn_type(s.outputs[0].dtype);
  LS_CHECK(x_t && y_t && s.inputs[kW].dtype == DType::I8, Graph::describe(s.node), ": int8 types expected");
  const dims w = conv_weight_dims(g);
  const dims in = to_dims(g.input_shape()), out = to_dims(g.output_shape());
  QConvBuild b;
  b.src = src ? activation_md(in, *src, *x_t) : dnnl::memory::desc(in, *x_t, dnnl::memory::format_tag::any);
  b.dst = dst ? activation_md(out, *dst, *y_t) : dnnl::memory::desc(out, *y_t, dnnl::memory::format_tag::any);
  b.w = dnnl::memory::desc(w, dt::s8, dnnl::memory::format_tag::any);
  b.has_bias = has_input(s, kBias);
  if (b.has_bias) b.bias = dnnl::memory::desc({g.C_out}, dt::s32, dnnl::memory::format_tag::x);
  dims strides(g.strides.begin(), g.strides.end()), dil, pb(g.pads_begin.begin(), g.pads_begin.end());
  for (int64_t d : g.dilations) dil.push_back(d - 1);
  const std::vector<int64_t> pe_v = g.effective_pads_end();
  dims pe(pe_v.begin(), pe_v.end());

  dnnl::primitive_attr attr = base_attr();
  attr.set_output_scales(p->output_scales.size() > 1 ? 1 << 1 : 0, p->output_scales);
  if (p->x_zero != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {p->x_zero});
  if (p->y_zero != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {p->y_zero});
  if (p->residual) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_round, 0.f, 0.f);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, p->clip_lo, p->clip_hi);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, p->to_output, 0.f);
    po.append_sum(p->sum_scale, p->r_zero, *y_t);
    attr.set_post_ops(po);
  }
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, b.src, b.w,
                                    b.bias, b.dst, strides, dil, pb, pe);
  b.pd = dnnl::convolution_forward::primitive_desc(d, attr, engine());
  require_optimized(b.pd);
  return b;
}

bool staged(const KernelSetup& s);

bool qconv_supported(const KernelSetup& s) {
  if (!cpu_has_int8_dot_product()) return false;  // inexact without VNNI (cpu_features.h)
  if (s.inputs.size() < 8 || s.outputs.size() != 1 || any_empty(s)) return false;
  if (has_residual(s) &&
      (s.inputs.size() != 14 || !has_input(s, kResidual) || s.inputs[kResidual].dtype != s.outputs[0].dtype ||
       s.input_layout(kResidual) != s.output_layout(0)))
    return false;
  const size_t rank = s.inputs[kX].shape.size();
  if (rank < 3 || rank > 5) return false;
  const DType x = s.inputs[kX].dtype, y = s.outputs[0].dtype;
  if ((x != DType::I8 && x != DType::U8) || (y != DType::I8 && y != DType::U8)) return false;
  if (s.inputs[kW].dtype != DType::I8 || (has_input(s, kBias) && s.inputs[kBias].dtype != DType::I32)) return false;
  return succeeds([&] { build_qconv(s, s.input_layout(kX), s.output_layout(0)); }) || staged(s);
}

// A node left in Plain layouts (--no-optimize, or a layout the pass could not change) whose
// convolution oneDNN runs fast only in NHWC: the kernel reorders through NHWC staging buffers.
bool staged(const KernelSetup& s) {
  return s.input_layout(kX) == Layout::Plain && s.output_layout(0) == Layout::Plain &&
         succeeds([&] { build_qconv(s, Layout::ChannelsLast, Layout::ChannelsLast); });
}

// NHWC in and out when oneDNN has its own implementation there (it has none worth using on
// NCHW int8 data).
std::optional<LayoutChoice> qconv_preferred_layouts(const KernelSetup& s) {
  if (s.inputs.size() < 8 || !succeeds([&] { build_qconv(s, Layout::ChannelsLast, Layout::ChannelsLast); }))
    return std::nullopt;
  LayoutChoice c;
  c.input = c.output = Layout::ChannelsLast;
  if (has_residual(s)) c.input_like_output = kResidual;
  return c;
}

class QLinearConvKernel : public OnednnKernel {
 public:
  std::string name() const override { return staging_ ? runner_.name() + "+reorders" : runner_.name(); }
  size_t scratch_bytes() const override { return runner_.scratch_bytes() + staging_bytes(); }

  // The sum post-op adds what dst holds: the residual, placed there first unless the planner
  // gives dst the residual's own buffer (it dies here).
  OutputSharing output_sharing() const override {
    if (!residual_ || staging_) return {};
    return {OutputSharing::Mode::InPlace, {kResidual}, false};
  }

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    residual_ = has_residual(s);
    threads_ = std::max(1, s.threads);
    staging_ = !succeeds([&] { build_qconv(s, s.input_layout(kX), s.output_layout(0)); });
    QConvBuild b = staging_ ? build_qconv(s, Layout::ChannelsLast, Layout::ChannelsLast)
                            : build_qconv(s, s.input_layout(kX), s.output_layout(0));
    runner_.init(dnnl::convolution_forward(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.src);
    runner_.bind(DNNL_ARG_DST, b.dst);
    if (staging_) prepare_staging(s, b);
    // The weights, packed once (with oneDNN's s8s8 compensation when the source is int8).
    const dims w = conv_weight_dims(conv_geometry(s.node, s.inputs[kX].shape, s.inputs[kW].shape));
    const dnnl::memory::desc packed = b.pd.weights_desc();
    runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(row_major(w, dt::s8), s.constants[kW]->data(), packed));
    packed_bytes_ = packed.get_size();
    mark_packed(kW);
    if (b.has_bias) {
      runner_.bind_owned(DNNL_ARG_BIAS, reorder_to(b.bias, s.constants[kBias]->data(), b.bias));
      mark_packed(kBias);
    }
    // The scales and zero points live in the primitive.
    for (int k : {kXScale, kXZero, kWScale, kWZero, kYScale, kYZero}) mark_packed(k);
    if (residual_)
      for (int k : {kRScale, kRZero, kAddScale, kAddZero}) mark_packed(k);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    if (!staging_) {
      if (residual_ && out[0]->data() != in[kResidual]->data())
        copy_bytes(out[0]->data(), in[kResidual]->data(), static_cast<int64_t>(out[0]->nbytes()), threads_);
      runner_.set(DNNL_ARG_SRC, in[kX]->data());
      runner_.set(DNNL_ARG_DST, out[0]->data());
      runner_.run(scratch);
      return;
    }
    char* base = static_cast<char*>(scratch);
    void* src = base + round64(runner_.scratch_bytes());
    void* dst = static_cast<char*>(src) + src_bytes_;
    to_nhwc_.set(DNNL_ARG_FROM, in[kX]->data());
    to_nhwc_.set(DNNL_ARG_TO, src);
    to_nhwc_.run(nullptr);
    if (residual_) {  // the residual into the staged dst, for the sum post-op
      res_to_nhwc_.set(DNNL_ARG_FROM, in[kResidual]->data());
      res_to_nhwc_.set(DNNL_ARG_TO, dst);
      res_to_nhwc_.run(nullptr);
    }
    runner_.set(DNNL_ARG_SRC, src);
    runner_.set(DNNL_ARG_DST, dst);
    runner_.run(scratch);
    from_nhwc_.set(DNNL_ARG_FROM, dst);
    from_nhwc_.set(DNNL_ARG_TO, out[0]->data());
    from_nhwc_.run(nullptr);
  }

 private:
  // Reorders Plain <-> NHWC around the convolution, staging buffers after its scratchpad
  // (each rounded up to 64 bytes).
  void prepare_staging(const KernelSetup& s, const QConvBuild& b) {
    const dims in = to_dims(s.inputs[kX].shape), out = to_dims(s.outputs[0].shape);
    const dnnl::memory::desc src_plain = activation_md(in, Layout::Plain, b.src.data_type());
    const dnnl::memory::desc dst_plain = activation_md(out, Layout::Plain, b.dst.data_type());
    const dnnl::reorder::primitive_desc to(engine(), src_plain, engine(), b.src);
    const dnnl::reorder::primitive_desc from(engine(), b.dst, engine(), dst_plain);
    to_nhwc_.init(dnnl::reorder(to), to);
    to_nhwc_.bind(DNNL_ARG_FROM, src_plain);
    to_nhwc_.bind(DNNL_ARG_TO, b.src);
    if (residual_) {
      const dnnl::reorder::primitive_desc res(engine(), dst_plain, engine(), b.dst);
      res_to_nhwc_.init(dnnl::reorder(res), res);
      res_to_nhwc_.bind(DNNL_ARG_FROM, dst_plain);
      res_to_nhwc_.bind(DNNL_ARG_TO, b.dst);
    }
    from_nhwc_.init(dnnl::reorder(from), from);
    from_nhwc_.bind(DNNL_ARG_FROM, b.dst);
    from_nhwc_.bind(DNNL_ARG_TO, dst_plain);
    src_bytes_ = round64(b.src.get_size());
    dst_bytes_ = round64(b.dst.get_size());
  }
  static size_t round64(size_t n) { return (n + 63) / 64 * 64; }
  size_t staging_bytes() const {
    return staging_ ? round64(runner_.scratch_bytes()) - runner_.scratch_bytes() + src_bytes_ + dst_bytes_ : 0;
  }

  bool staging_ = false, residual_ = false;
  int threads_ = 1;
  size_t src_bytes_ = 0, dst_bytes_ = 0;
  Runner to_nhwc_, from_nhwc_, res_to_nhwc_;
};

}  // namespace

void register_onednn_qlinear_conv(KernelRegistry& r) {
  for (const char* op : {"QLinearConv", "QLinearConvAdd"}) {
    KernelDef d = kernel_def(op, "qconv", qconv_supported, [] { return std::make_unique<QLinearConvKernel>(); });
    if (std::string_view(op) == "QLinearConvAdd") d.domain = kFusedDomain;
    d.accepts_layouts = true;
    d.preferred_layouts = qconv_preferred_layouts;
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
