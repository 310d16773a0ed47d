// LayerNormalization (opset 17) via dnnl::layer_normalization_forward. ONNX normalizes over
// the trailing dims X.shape[axis:], oneDNN over the last dim: X is viewed as
// [prod(shape[:axis]), prod(shape[axis:])]. Scale/B must cover the whole normalized extent
// (shape equal to the trailing dims, leading 1s allowed); smaller broadcast shapes are left to
// the reference. The optional Mean / InvStdDev outputs come from the training-mode primitive,
// which writes mean and variance; the variance lands in InvStdDev's buffer and is turned into
// 1 / sqrt(var + eps) in place.
#include <cmath>

#include "kernels/onednn/onednn_common.h"

namespace layerscope {
namespace {

using namespace onednn;

struct LnBuild {
  dnnl::layer_normalization_forward::primitive_desc pd;
  dnnl::memory::desc data_md, stat_md, scale_md;
  int64_t outer = 1, inner = 1;
  float eps = 1e-5f;
  bool stats = false, has_bias = false;
};

int ln_axis(const KernelSetup& s) {
  const int rank = static_cast<int>(s.inputs[0].shape.size());
  int64_t axis = s.node.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) fail("axis out of range");
  return static_cast<int>(axis);
}

// True when `p` (Scale or B) has exactly the normalized dims, right-aligned.
bool covers_trailing(const Shape& p, const Shape& x, int axis) {
  const int norm_rank = static_cast<int>(x.size()) - axis;
  const int pr = static_cast<int>(p.size());
  for (int i = 0; i < pr; ++i) {
    const int from_end = pr - 1 - i;
    if (from_end < norm_rank) {
      if (p[i] != x[x.size() - 1 - from_end]) return false;
    } else if (p[i] != 1) {
      return false;
    }
  }
  return shape_numel(p) == shape_numel(Shape(x.begin() + axis, x.end()));
}

LnBuild build_ln(const KernelSetup& s) {
  LnBuild b;
  const Shape& x = s.inputs[0].shape;
  const int axis = ln_axis(s);
  for (int i = 0; i < static_cast<int>(x.size()); ++i) (i < axis ? b.outer : b.inner) *= x[i];
  b.eps = s.node.attrs.get_float("epsilon", 1e-5f);
  b.stats = has_output(s, 1) || has_output(s, 2);
  b.has_bias = has_input(s, 2);
  b.data_md = plain_md({b.outer, b.inner});
  b.stat_md = plain_md({b.outer});
  b.scale_md = plain_md({b.inner});
  auto flags = dnnl::normalization_flags::use_scale;
  if (b.has_bias) flags = flags | dnnl::normalization_flags::use_shift;
  const auto prop = b.stats ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  dnnl::layer_normalization_forward::desc d(prop, b.data_md, b.stat_md, b.eps, flags);
  b.pd = dnnl::layer_normalization_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool ln_supported(const KernelSetup& s) {
  if (s.inputs.size() < 2 || !inputs_f32(s, {0, 1, 2}) || !outputs_f32(s) || any_empty(s)) return false;
  if (s.node.attrs.get_int("stash_type", 1) != 1) return false;
  const Shape& x = s.inputs[0].shape;
  if (x.empty()) return false;
  return succeeds([&] {
    const int axis = ln_axis(s);
    if (!covers_trailing(s.inputs[1].shape, x, axis)) fail("Scale shape");
    if (has_input(s, 2) && !covers_trailing(s.inputs[2].shape, x, axis)) fail("B shape");
    build_ln(s);
  });
}

class LnKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    b_ = build_ln(s);
    runner_.init(dnnl::layer_normalization_forward(b_.pd), b_.pd);
    runner_.bind(DNNL_ARG_SRC, b_.data_md);
    runner_.bind(DNNL_ARG_DST, b_.data_md);
    runner_.bind(DNNL_ARG_SCALE, b_.scale_md);
    if (b_.has_bias) runner_.bind(DNNL_ARG_SHIFT, b_.scale_md);
    if (b_.stats) {
      runner_.bind(DNNL_ARG_MEAN, b_.stat_md);
      runner_.bind(DNNL_ARG_VARIANCE, b_.stat_md);
      // Without a requested Mean / InvStdDev the primitive still needs somewhere to write.
      spare_.assign(2 * b_.outer, 0.f);
    }
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[0]->data());
    runner_.set(DNNL_ARG_SCALE, in[1]->data());
    if (b_.has_bias) runner_.set(DNNL_ARG_SHIFT, in[2]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    float* var = nullptr;
    if (b_.stats) {
      float* mean = out.size() > 1 && out[1] ? out[1]->data_as<float>() : spare_.data();
      var = out.size() > 2 && out[2] ? out[2]->data_as<float>() : spare_.data() + b_.outer;
      runner_.set(DNNL_ARG_MEAN, mean);
      runner_.set(DNNL_ARG_VARIANCE, var);
    }
    runner_.run(scratch);
    if (b_.stats)
      for (int64_t i = 0; i < b_.outer; ++i) var[i] = 1.f / std::sqrt(var[i] + b_.eps);
  }

 private:
  LnBuild b_;
  std::vector<float> spare_;
};

}  // namespace

void register_onednn_layernorm(KernelRegistry& r) {
  onednn::add_kernel(r, "LayerNormalization", "layernorm", ln_supported, [] { return std::make_unique<LnKernel>(); });
}

}  // namespace layerscope
