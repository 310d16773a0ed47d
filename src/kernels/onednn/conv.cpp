// Conv (1-D/2-D/3-D, grouped, dilated) via dnnl::convolution_forward. Geometry (auto_pad,
// defaults, kernel_shape) comes from ops/conv_geometry.h so it matches the reference exactly.
// Constant weights are reordered once into the implementation's preferred blocked layout;
// non-constant weights are passed in ONNX's own layout (oneDNN then picks an implementation
// that reads it directly).
#include "kernels/onednn/onednn_common.h"
#include "ops/conv_geometry.h"

namespace layerscope {
namespace {

using namespace onednn;

// Layout of Conv's activations (src and dst). Plain NC[D]HW for now: the single place to
// change once blocked layouts are propagated between layers (then use format_tag::any here
// and take pd.src_desc()/pd.dst_desc() as the layouts the neighbours must agree on).
dnnl::memory::desc conv_activation_md(const dims& d) { return plain_md(d); }

struct ConvBuild {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::memory::desc src_md, w_md, bias_md, dst_md;  // w_md: ONNX layout of W
  bool w_const = false, has_bias = false;
};

dims spatial(const std::vector<int64_t>& v) { return dims(v.begin(), v.end()); }

ConvBuild build_conv(const KernelSetup& s) {
  ConvGeometry g = conv_geometry(s.node, s.inputs[0].shape, s.inputs[1].shape);
  ConvBuild b;
  b.src_md = conv_activation_md(to_dims(g.input_shape()));
  b.dst_md = conv_activation_md(to_dims(g.output_shape()));
  // Grouped weights as {G, OC/G, IC/G, k...}: ONNX's [OC, IC/G, k...] is that, row-major.
  dims w{g.C_out, g.C_in / g.group};
  if (g.group > 1) w = {g.group, g.C_out / g.group, g.C_in / g.group};
  for (int64_t k : g.kernel) w.push_back(k);
  b.w_md = plain_md(w);
  b.w_const = s.constants[1] != nullptr;
  b.has_bias = has_input(s, 2);
  if (b.has_bias) b.bias_md = plain_md({g.C_out});
  dims dil;
  for (int64_t d : g.dilations) dil.push_back(d - 1);  // oneDNN counts the gaps
  dnnl::memory::desc wei = b.w_const ? dnnl::memory::desc(w, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any)
                                     : b.w_md;
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    b.src_md, wei, b.bias_md, b.dst_md, spatial(g.strides), dil,
                                    spatial(g.pads_begin), spatial(g.effective_pads_end()));
  b.pd = dnnl::convolution_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool conv_supported(const KernelSetup& s) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  const size_t rank = s.inputs[0].shape.size();
  if (rank < 3 || rank > 5) return false;
  return succeeds([&] { build_conv(s); });
}

class ConvKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ConvBuild b = build_conv(s);
    w_const_ = b.w_const;
    has_bias_ = b.has_bias;
    runner_.init(dnnl::convolution_forward(b.pd), b.pd);
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

void register_onednn_conv(Registry& r) {
  onednn::add_kernel(r, "Conv", "conv", conv_supported, [] { return std::make_unique<ConvKernel>(); });
}

}  // namespace layerscope
