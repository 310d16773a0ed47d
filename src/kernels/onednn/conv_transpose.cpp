// ConvTranspose via dnnl::deconvolution_forward. ONNX's W is [C_in, C_out/G, k...] (i.e.
// "io" order); oneDNN wants {[G,] OC/G, IC/G, k...}, so W is described with permuted strides
// and, when constant, reordered once into the preferred layout. output_padding / output_shape
// are expressed through the end padding (ConvGeometry::effective_pads_end). Activations are
// read and written in the layouts the layout pass chose (preferred: what oneDNN picks).
#include "kernels/onednn/conv_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct DeconvBuild {
  dnnl::deconvolution_forward::primitive_desc pd;
  ConvDescs d;
};

// src/dst layouts: nullopt asks oneDNN for its preference.
DeconvBuild build_deconv(const KernelSetup& s, std::optional<Layout> src, std::optional<Layout> dst) {
  ConvGeometry g = conv_transpose_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  const int64_t G = g.group, icg = g.C_in / G, ocg = g.C_out / G, K = g.kernel_size();
  dims w, strides;
  if (G > 1) {
    w = {G, ocg, icg};
    strides = {icg * ocg * K, K, ocg * K};
  } else {
    w = {ocg, icg};
    strides = {K, ocg * K};
  }
  int64_t ks = K;
  for (int64_t k : g.kernel) {
    w.push_back(k);
    ks /= k;
    strides.push_back(ks);
  }
  DeconvBuild b;
  b.d = conv_descs(s, g, w, strides, src, dst);
  dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                      b.d.src, b.d.weights_request(), b.d.bias, b.d.dst, b.d.strides, b.d.dilations,
                                      b.d.pads_begin, b.d.pads_end);
  b.pd = dnnl::deconvolution_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

DeconvBuild build_for_setup(const KernelSetup& s) { return build_deconv(s, s.input_layout(0), s.output_layout(0)); }

bool deconv_supported(const KernelSetup& s) {
  return conv_like_supported(s, [&] { build_for_setup(s); });
}

std::optional<LayoutChoice> deconv_preferred_layouts(const KernelSetup& s) {
  std::optional<DeconvBuild> any;
  if (!conv_like_supported(s, [&] { any = build_deconv(s, std::nullopt, std::nullopt); })) return std::nullopt;
  const std::optional<Layout> src = layout_of(any->pd.src_desc(), to_dims(s.inputs[0].shape));
  const std::optional<Layout> dst = layout_of(any->pd.dst_desc(), to_dims(s.outputs[0].shape));
  if (!src || !dst || (*src == Layout::Plain && *dst == Layout::Plain)) return std::nullopt;
  LayoutChoice c;
  c.input = *src;
  c.output = *dst;
  return c;
}

class DeconvKernel : public ConvLikeKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    DeconvBuild b = build_for_setup(s);
    bind(dnnl::deconvolution_forward(b.pd), b.pd, b.d, s);
  }
};

}  // namespace

void register_onednn_conv_transpose(KernelRegistry& r) {
  KernelDef d = onednn::kernel_def("ConvTranspose", "conv_transpose", deconv_supported,
                                   [] { return std::make_unique<DeconvKernel>(); });
  d.accepts_layouts = true;
  d.preferred_layouts = deconv_preferred_layouts;
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
