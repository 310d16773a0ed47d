// BatchNormalization, inference form only: Y = (X - mean) / sqrt(var + eps) * scale + B, via
// dnnl::batch_normalization_forward with use_global_stats | use_scale | use_shift. The
// statistics and scale/shift are bound to the input tensors on every run (no packing).
// Data in any layout (it follows its input's, see register_onednn_batchnorm).
// Not handled (reference runs): training_mode=1, spatial=0 (opsets < 9), the optional
// running-statistics outputs, opsets < 6 (consumed_inputs era), ranks outside 2..5.
#include "kernels/onednn/conv_common.h"  // activation_md

namespace layerscope {
namespace {

using namespace onednn;

struct BnBuild {
  dnnl::batch_normalization_forward::primitive_desc pd;
  dnnl::memory::desc data_md, stat_md;
};

BnBuild build_bn(const KernelSetup& s) {
  BnBuild b;
  const Shape& x = s.inputs[0].shape;
  // Data in the layout the layout pass chose (the same for input and output: the kernel follows
  // its input); the per-channel statistics are plain vectors.
  b.data_md =
      x.size() >= 3 ? activation_md(to_dims(x), s.input_layout(0), dnnl::memory::data_type::f32) : plain_md(to_dims(x));
  b.stat_md = plain_md({x[1]});
  const float eps = s.node.attrs.get_float("epsilon", 1e-5f);
  const auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                     dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_inference, b.data_md, eps, flags);
  b.pd = dnnl::batch_normalization_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool bn_supported(const KernelSetup& s) {
  const Node& n = s.node;
  if (n.opset < 6 || s.inputs.size() != 5 || !inputs_f32(s, {0, 1, 2, 3, 4}) || !outputs_f32(s) || any_empty(s))
    return false;
  for (int i = 0; i < 5; ++i)
    if (!has_input(s, i)) return false;
  for (size_t i = 1; i < n.outputs.size(); ++i)
    if (has_output(s, static_cast<int>(i))) return false;
  if (n.attrs.get_int("training_mode", 0) != 0 || n.attrs.get_int("spatial", 1) != 1) return false;
  if (n.opset < 7 && n.attrs.get_int("is_test", 0) == 0) return false;  // opset 6 defaults to training
  const Shape& x = s.inputs[0].shape;
  if (x.size() < 2 || x.size() > 5) return false;
  if (s.output_layout(0) != s.input_layout(0)) return false;
  for (int i = 1; i < 5; ++i)
    if (s.input_layout(i) != Layout::Plain) return false;
  for (int i = 1; i < 5; ++i)
    if (s.inputs[i].shape != Shape{x[1]}) return false;
  return succeeds([&] { build_bn(s); });
}

class BnKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    BnBuild b = build_bn(s);
    runner_.init(dnnl::batch_normalization_forward(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.data_md);
    runner_.bind(DNNL_ARG_DST, b.data_md);
    for (int arg : {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE}) runner_.bind(arg, b.stat_md);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    runner_.set(DNNL_ARG_SCALE, in[1]->data());
    runner_.set(DNNL_ARG_SHIFT, in[2]->data());
    runner_.set(DNNL_ARG_MEAN, in[3]->data());
    runner_.set(DNNL_ARG_VARIANCE, in[4]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }
};

}  // namespace

void register_onednn_batchnorm(KernelRegistry& r) {
  KernelDef d =
      onednn::kernel_def("BatchNormalization", "batchnorm", bn_supported, [] { return std::make_unique<BnKernel>(); });
  // A BatchNormalization left standalone (after a Concat, as in DenseNet's pre-activation
  // layers, so no convolution absorbed it) runs in the layout its input arrives in: no Reorders.
  d.accepts_layouts = true;
  d.preferred_layouts = follows_input_layout;
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
