// Conv and the fused convolutions of ops/fused_conv.h (ConvRelu, ConvAdd, ConvAddRelu, ...) via
// dnnl::convolution_forward. Geometry (auto_pad, defaults, kernel_shape) comes from
// ops/conv_geometry.h so it matches the reference exactly. A fused node's residual is the source
// of a binary-add post-op and its activation an eltwise post-op, applied while each output
// block is still in registers. Activations are read and written in the layouts the layout pass
// chose (KernelSetup); preferred_layouts() reports what oneDNN picks when left free.
// Constant weights are reordered once into the implementation's preferred blocked layout;
// non-constant weights are passed in ONNX's own layout.
#include "kernels/onednn/conv_common.h"
#include "ops/fused_conv.h"

namespace layerscope {
namespace {

using namespace onednn;
using alg = dnnl::algorithm;

// The epilogue as post-ops: [binary add of the residual], then the activation. HardSigmoid has
// no oneDNN 2.6 eltwise: it is linear (alpha x + beta) followed by clip to [0, 1].
dnnl::post_ops epilogue_post_ops(const ConvEpilogue& e, const dnnl::memory::desc* residual_md) {
  dnnl::post_ops po;
  if (residual_md) po.append_binary(alg::binary_add, *residual_md);
  auto eltwise = [&](alg a, float alpha = 0.f, float beta = 0.f) { po.append_eltwise(1.f, a, alpha, beta); };
  switch (e.activation) {
    case Activation::None: break;
    case Activation::Relu: eltwise(alg::eltwise_relu); break;
    case Activation::LeakyRelu: eltwise(alg::eltwise_relu, e.alpha); break;  // alpha = negative slope
    case Activation::Clip: eltwise(alg::eltwise_clip_v2, e.lo, e.hi); break;
    case Activation::Sigmoid: eltwise(alg::eltwise_logistic); break;
    case Activation::HardSigmoid:
      eltwise(alg::eltwise_linear, e.alpha, e.beta);
      eltwise(alg::eltwise_clip_v2, 0.f, 1.f);
      break;
    case Activation::HardSwish: eltwise(alg::eltwise_hardswish); break;  // x * relu6(x + 3) / 6, as ONNX
    case Activation::Elu: eltwise(alg::eltwise_elu, e.alpha); break;
    case Activation::Tanh: eltwise(alg::eltwise_tanh); break;
    case Activation::Swish: eltwise(alg::eltwise_swish, e.alpha); break;  // x * sigmoid(alpha x)
    case Activation::Gelu: eltwise(e.gelu_tanh ? alg::eltwise_gelu_tanh : alg::eltwise_gelu_erf); break;
  }
  return po;
}

struct ConvBuild {
  dnnl::convolution_forward::primitive_desc pd;
  ConvDescs d;
  int residual = -1;  // input index of the residual, when bound as a post-op
  dnnl::memory::desc residual_md;
};

// src/dst layouts: nullopt asks oneDNN for its preference. `with_residual` = false leaves the
// residual post-op out (its descriptor needs a fixed layout; used only for the preference).
ConvBuild build_conv(const KernelSetup& s, std::optional<Layout> src, std::optional<Layout> dst, bool with_residual) {
  ConvGeometry g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  // Grouped weights as {G, OC/G, IC/G, k...}: ONNX's [OC, IC/G, k...] is that, row-major.
  dims w{g.C_out, g.C_in / g.group};
  if (g.group > 1) w = {g.group, g.C_out / g.group, g.C_in / g.group};
  for (int64_t k : g.kernel) w.push_back(k);
  ConvBuild b;
  b.d = conv_descs(s, g, w, {}, src, dst);
  dnnl::primitive_attr attr = base_attr();
  if (std::optional<ConvEpilogue> e = conv_epilogue(s.node)) {
    if (e->residual && with_residual) {
      b.residual = kConvResidualInput;
      b.residual_md = activation_md(to_dims(g.output_shape()), s.input_layout(kConvResidualInput));
    }
    attr.set_post_ops(epilogue_post_ops(*e, b.residual >= 0 ? &b.residual_md : nullptr));
  }
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    b.d.src, b.d.weights_request(), b.d.bias, b.d.dst, b.d.strides, b.d.dilations,
                                    b.d.pads_begin, b.d.pads_end);
  b.pd = dnnl::convolution_forward::primitive_desc(d, attr, engine());
  require_optimized(b.pd);
  return b;
}

ConvBuild build_for_setup(const KernelSetup& s) {
  return build_conv(s, s.input_layout(0), s.output_layout(0), true);
}

bool conv_supported(const KernelSetup& s) {
  return conv_like_supported(s, [&] { build_for_setup(s); });
}

// What oneDNN picks for src and dst when free to choose; whether it also runs well reading a
// plain src (an implementation of its own for it, not the gemm fallback).
std::optional<LayoutChoice> conv_preferred_layouts(const KernelSetup& s) {
  std::optional<ConvBuild> any;
  if (!conv_like_supported(s, [&] { any = build_conv(s, std::nullopt, std::nullopt, false); })) return std::nullopt;
  const std::optional<Layout> src = layout_of(any->pd.src_desc(), to_dims(s.inputs[0].shape));
  const std::optional<Layout> dst = layout_of(any->pd.dst_desc(), to_dims(s.outputs[0].shape));
  if (!src || !dst || (*src == Layout::Plain && *dst == Layout::Plain)) return std::nullopt;
  LayoutChoice c;
  c.input = *src;
  c.output = *dst;
  c.plain_input_ok = *src == Layout::Plain || succeeds([&] {
                       ConvBuild b = build_conv(s, Layout::Plain, *dst, false);
                       if (std::string(b.pd.impl_info_str()).find("gemm") != std::string::npos) fail("gemm");
                     });
  std::optional<ConvEpilogue> e = conv_epilogue(s.node);
  if (e && e->residual) c.input_like_output = kConvResidualInput;
  return c;
}

class ConvKernel : public ConvLikeKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ConvBuild b = build_for_setup(s);
    bind(dnnl::convolution_forward(b.pd), b.pd, b.d, s, b.residual, b.residual_md);
  }
};

void add_conv_kernel(Registry& r, const std::string& domain, const std::string& op_type) {
  KernelDef d;
  d.op_type = op_type;
  d.domain = domain;
  d.name = "onednn:conv";
  d.priority = 100;
  d.supports = conv_supported;
  d.create = [] { return std::make_unique<ConvKernel>(); };
  d.accepts_layouts = true;
  d.preferred_layouts = conv_preferred_layouts;
  r.add_kernel(std::move(d));
}

}  // namespace

void register_onednn_conv(Registry& r) {
  add_conv_kernel(r, "", "Conv");
  add_conv_kernel(r, "layerscope", fused_conv_op_type(true, Activation::None));
  for (Activation a : kFusableActivations)
    for (bool residual : {false, true}) add_conv_kernel(r, "layerscope", fused_conv_op_type(residual, a));
}

}  // namespace layerscope
