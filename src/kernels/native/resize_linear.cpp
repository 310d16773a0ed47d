// native:resize_linear — 2-D (H, W) linear Resize/Upsample of float32 NCHW tensors for every
// coordinate_transformation_mode except tf_crop_and_resize. oneDNN's resampling only
// reproduces ONNX for half-pixel-style mappings, so without this kernel the align_corners
// upsampling of DPT-style heads ran on the reference kernel (14% of the depth model).
// Per axis, output index j maps to source coordinate x (resize_source_coord) and two taps,
// exactly as the reference does: base = floor(x), r = x - base (an integral x selects pixel x),
// indices clamped to [0, len-1]. The taps and weights are computed once at prepare().
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "ops/registry.h"
#include "ops/resize_params.h"

namespace layerscope {

namespace {

struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<float> w0, w1;
};

Taps axis_taps(const ResizeAttrs& a, const ResizeGeometry& g, int d) {
  const int64_t in = g.input_shape[d], out = g.output_shape[d];
  Taps t;
  for (int64_t j = 0; j < out; ++j) {
    const double x = resize_source_coord(a, g, d, j);
    double base = std::floor(x), r = x - base;
    if (r == 0) base -= 1, r = 1;  // the reference's convention: all weight on pixel x
    t.i0.push_back(std::clamp<int64_t>(static_cast<int64_t>(base), 0, in - 1));
    t.i1.push_back(std::clamp<int64_t>(static_cast<int64_t>(base) + 1, 0, in - 1));
    t.w0.push_back(static_cast<float>(1 - r));
    t.w1.push_back(static_cast<float>(r));
  }
  return t;
}

// Geometry of a node this kernel can run, or nullopt-like false.
bool plan_resize(const KernelSetup& s, ResizeAttrs* attrs, ResizeGeometry* geom) {
  if (s.inputs.empty() || s.inputs[0].dtype != DType::F32 || s.inputs[0].shape.size() != 4) return false;
  const ResizeAttrs a = parse_resize_attrs(s.node);
  if (a.mode != ResizeMode::Linear || a.antialias || a.exclude_outside ||
      a.coord_mode == ResizeCoordMode::TfCropAndResize)
    return false;
  const ResizeInputSlots slots = resize_input_slots(s.node);
  const Tensor* v[3] = {nullptr, nullptr, nullptr};
  const int slot_of[3] = {slots.roi, slots.scales, slots.sizes};
  for (int k = 0; k < 3; ++k) {
    const int slot = slot_of[k];
    if (slot < 0 || slot >= static_cast<int>(s.inputs.size()) || s.node.inputs[slot] < 0 ||
        shape_numel(s.inputs[slot].shape) == 0)
      continue;
    if (!s.constants[slot]) return false;  // parameters only known at run time
    v[k] = s.constants[slot];
  }
  const ResizeGeometry g = compute_resize_geometry(s.node, a, s.inputs[0].shape, v[0], v[1], v[2]);
  if (g.output_shape != s.outputs[0].shape || g.output_shape[0] != g.input_shape[0] ||
      g.output_shape[1] != g.input_shape[1])
    return false;
  *attrs = a;
  *geom = g;
  return true;
}

class ResizeLinearKernel final : public Kernel {
 public:
  std::string name() const override { return "native:resize_linear"; }

  void prepare(const KernelSetup& s) override {
    ResizeAttrs a;
    ResizeGeometry g;
    LS_CHECK(plan_resize(s, &a, &g), Graph::describe(s.node), ": native linear resize cannot run this node");
    planes_ = g.input_shape[0] * g.input_shape[1];
    in_h_ = g.input_shape[2];
    in_w_ = g.input_shape[3];
    out_h_ = g.output_shape[2];
    out_w_ = g.output_shape[3];
    rows_ = axis_taps(a, g, 2);
    cols_ = axis_taps(a, g, 3);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* src = in[0]->data_as<float>();
    float* dst = out[0]->data_as<float>();
    const int64_t rows = planes_ * out_h_;
    // One task per output row; threads only when there is enough work to pay for waking them.
    const bool parallel = rows * out_w_ >= (1 << 16);
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t p = r / out_h_, y = r % out_h_;
      const float* r0 = src + (p * in_h_ + rows_.i0[y]) * in_w_;
      const float* r1 = src + (p * in_h_ + rows_.i1[y]) * in_w_;
      const float wy0 = rows_.w0[y], wy1 = rows_.w1[y];
      float* o = dst + r * out_w_;
      for (int64_t x = 0; x < out_w_; ++x) {
        const int64_t x0 = cols_.i0[x], x1 = cols_.i1[x];
        o[x] = wy0 * (cols_.w0[x] * r0[x0] + cols_.w1[x] * r0[x1]) + wy1 * (cols_.w0[x] * r1[x0] + cols_.w1[x] * r1[x1]);
      }
    }
  }

 private:
  int64_t planes_ = 0, in_h_ = 0, in_w_ = 0, out_h_ = 0, out_w_ = 0;
  Taps rows_, cols_;
};

bool supports_resize_linear(const KernelSetup& s) {
  try {
    ResizeAttrs a;
    ResizeGeometry g;
    return plan_resize(s, &a, &g);
  } catch (const Error&) {
    return false;  // invalid nodes are reported by infer(); the reference kernel handles the rest
  }
}

}  // namespace

void register_native_resize_kernels(Registry& r) {
  for (const char* op : {"Resize", "Upsample"}) {
    KernelDef d;
    d.op_type = op;
    d.name = "native:resize_linear";
    d.priority = 50;  // below oneDNN (100), which takes the half-pixel cases it reproduces exactly
    d.supports = supports_resize_linear;
    d.create = [] { return std::make_unique<ResizeLinearKernel>(); };
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
