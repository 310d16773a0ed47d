// Resize / Upsample via dnnl::resampling_forward — only where oneDNN reproduces ONNX exactly.
// oneDNN maps output index y of a dim (in -> out) to the source coordinate
//   s = (y + 0.5) * in / out - 0.5          (evaluated in float)
// then nearest:  round-half-away(s);  linear: lerp between clamp(floor(s)) and clamp(ceil(s)),
// which equals ONNX's linear interpolation with the coordinate clamped to [0, in - 1].
// ONNX's coordinate depends on coordinate_transformation_mode, the given scale (not always
// out/in) and, for nearest, nearest_mode. Rather than enumerating the combinations that agree
// (half_pixel with scale = out/in, pytorch_half_pixel with out > 1, asymmetric+floor for
// integer upscales, ...), supports() evaluates both mappings for every output index of every
// dim with the shared ONNX formulas (ops/nn/resize_params.h) and accepts the node only if:
//   nearest: the source indices are identical and no oneDNN coordinate is near a rounding tie
//            (where jit and reference rounding could differ);
//   linear:  the clamped coordinates agree to float precision.
// Cubic, antialias, tf_crop_and_resize and resizing N or C are left to the reference.
#include <cmath>

#include "kernels/onednn/onednn_common.h"
#include "ops/nn/resize_params.h"

namespace layerscope {
namespace {

using namespace onednn;

struct ResizeBuild {
  dnnl::resampling_forward::primitive_desc pd;
  dnnl::memory::desc src_md, dst_md;
};

// oneDNN's source coordinate, in its own float arithmetic.
float dnnl_coord(int64_t y, int64_t out, int64_t in) {
  return (static_cast<float>(y) + 0.5f) * static_cast<float>(in) / static_cast<float>(out) - 0.5f;
}

bool dim_matches(const ResizeAttrs& a, const ResizeGeometry& g, int d) {
  const int64_t in = g.input_shape[d], out = g.output_shape[d];
  const double tol = 2e-7 * static_cast<double>(std::max(in, out)) + 1e-6;
  for (int64_t y = 0; y < out; ++y) {
    const double x = resize_source_coord(a, g, d, y);
    const float s = dnnl_coord(y, out, in);
    if (a.mode == ResizeMode::Nearest) {
      const double frac = s - std::floor(s);
      if (std::abs(frac - 0.5) < 1e-3) return false;
      const int64_t want = resize_nearest_index(a.nearest_mode, x, g.scales[d], in);
      if (static_cast<int64_t>(std::lround(s)) != want) return false;
    } else {
      const double hi = static_cast<double>(in - 1);
      const double xc = std::clamp(x, 0.0, hi), sc = std::clamp(static_cast<double>(s), 0.0, hi);
      if (std::abs(xc - sc) > tol) return false;
    }
  }
  return true;
}

ResizeBuild build_resize(const KernelSetup& s) {
  const Node& n = s.node;
  ResizeAttrs a = parse_resize_attrs(n);
  if (a.mode == ResizeMode::Cubic || a.antialias || a.coord_mode == ResizeCoordMode::TfCropAndResize)
    fail("mode not reproduced by oneDNN");
  ResizeInputSlots slots = resize_input_slots(n);
  auto value = [&](int slot) -> const Tensor* {
    // An empty tensor counts as omitted (Resize-13 exports pass "" or empty roi/scales).
    if (slot < 0 || !has_input(s, slot) || shape_numel(s.inputs[slot].shape) == 0) return nullptr;
    if (!s.constants[slot]) fail("resize parameters only known at run time");
    return s.constants[slot];
  };
  const Shape& x = s.inputs[0].shape;
  ResizeGeometry g = compute_resize_geometry(n, a, x, value(slots.roi), value(slots.scales), value(slots.sizes));
  if (g.output_shape != s.outputs[0].shape) fail("output shape mismatch");
  if (x.size() < 3 || x.size() > 5 || g.output_shape[0] != x[0] || g.output_shape[1] != x[1])
    fail("only spatial dims can be resized");
  // dim_matches() visits every output coordinate: bound it, so a hostile output size (say
  // 10^9 along one dim) costs no plan time; such a Resize runs on the native/reference kernel.
  constexpr int64_t kMaxCheckedDim = int64_t{1} << 16;
  for (int d = 0; d < static_cast<int>(x.size()); ++d) {
    if (g.output_shape[d] > kMaxCheckedDim) fail("output dim too large to check the coordinate mapping");
    if (!dim_matches(a, g, d)) fail("coordinate mapping differs from oneDNN's");
  }
  ResizeBuild b;
  b.src_md = plain_md(to_dims(x));
  b.dst_md = plain_md(to_dims(g.output_shape));
  const auto alg =
      a.mode == ResizeMode::Nearest ? dnnl::algorithm::resampling_nearest : dnnl::algorithm::resampling_linear;
  dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference, alg, b.src_md, b.dst_md);
  b.pd = dnnl::resampling_forward::primitive_desc(d, base_attr(), engine());
  require_optimized(b.pd);
  return b;
}

bool resize_supported(const KernelSetup& s) {
  if (s.inputs.empty() || !inputs_f32(s, {0}) || !outputs_f32(s)) return false;
  if (shape_numel(s.inputs[0].shape) == 0 || shape_numel(s.outputs[0].shape) == 0) return false;
  return succeeds([&] { build_resize(s); });
}

class ResizeKernel : public SrcDstKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    ResizeBuild b = build_resize(s);
    init_src_dst<dnnl::resampling_forward>(b.pd, b.src_md, b.dst_md);
  }
};

}  // namespace

void register_onednn_resize(KernelRegistry& r) {
  for (const char* op : {"Resize", "Upsample"})
    onednn::add_kernel(r, op, "resize", resize_supported, [] { return std::make_unique<ResizeKernel>(); });
}

}  // namespace layerscope
