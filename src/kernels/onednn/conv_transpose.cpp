// ConvTranspose via dnnl::deconvolution_forward. ONNX's W is [C_in, C_out/G, k...] (i.e.
// "io" order); oneDNN wants {[G,] OC/G, IC/G, k...}, so W is described with permuted strides
// and, when constant, reordered once into the preferred layout. output_padding / output_shape
// are expressed through the end padding (ConvGeometry::effective_pads_end).
#include "kernels/onednn/onednn_common.h"
#include "ops/conv_geometry.h"

namespace layerscope {
namespace {

using namespace onednn;

struct DeconvBuild {
  dnnl::deconvolution_forward::primitive_desc pd;
  dnnl::memory::desc src_md, w_md, bias_md, dst_md;
  bool w_const = false, has_bias = false;
};

dims spatial(const std::vector<int64_t>& v) { return dims(v.begin(), v.end()); }

DeconvBuild build_deconv(const KernelSetup& s) {
  ConvGeometry g = conv_transpose_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  DeconvBuild b;
  b.src_md = plain_md(to_dims(g.input_shape()));
  b.dst_md = plain_md(to_dims(g.output_shape()));
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
  b.w_md = strided_md(w, strides);
  b.w_const = s.constants[1] != nullptr;
  b.has_bias = has_input(s, 2);
  if (b.has_bias) b.bias_md = plain_md({g.C_out});
  dims dil;
  for (int64_t d : g.dilations) dil.push_back(d - 1);
  dnnl::memory::desc wei = b.w_const ? dnnl::memory::desc(w, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any)
                                     : b.w_md;
  dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                      b.src_md, wei, b.bias_md, b.dst_md, spatial(g.strides), dil,
                                      spatial(g.pads_begin), spatial(g.effective_pads_end()));
  b.pd = dnnl::deconvolution_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool deconv_supported(const KernelSetup& s) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  const size_t rank = s.inputs[0].shape.size();
  if (rank < 3 || rank > 5) return false;
  return succeeds([&] { build_deconv(s); });
}

class DeconvKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    DeconvBuild b = build_deconv(s);
    w_const_ = b.w_const;
    has_bias_ = b.has_bias;
    runner_.init(dnnl::deconvolution_forward(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.src_md);
    runner_.bind(DNNL_ARG_DST, b.dst_md);
    if (has_bias_) runner_.bind(DNNL_ARG_BIAS, b.bias_md);
    if (w_const_) {
      runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(b.w_md, s.constants[1]->data(), b.pd.weights_desc()));
      packed_bytes_ = b.pd.weights_desc().get_size();
    } else {
      runner_.bind(DNNL_ARG_WEIGHTS, b.w_md);
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    if (!w_const_) runner_.set(DNNL_ARG_WEIGHTS, in[1]->data());
    if (has_bias_) runner_.set(DNNL_ARG_BIAS, in[2]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 private:
  bool w_const_ = false, has_bias_ = false;
};

}  // namespace

void register_onednn_conv_transpose(Registry& r) {
  onednn::add_kernel(r, "ConvTranspose", "conv_transpose", deconv_supported,
                     [] { return std::make_unique<DeconvKernel>(); });
}

}  // namespace layerscope
