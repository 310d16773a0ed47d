// native:resize_linear — 2-D (H, W) linear Resize/Upsample of float32 4-D tensors for every
// coordinate_transformation_mode except tf_crop_and_resize. oneDNN's resampling only
// reproduces ONNX for half-pixel-style mappings, so without this kernel the align_corners
// upsampling of DPT-style heads ran on the reference kernel (14% of the depth model).
// Per axis, output index j maps to source coordinate x (resize_source_coord) and two taps,
// exactly as the reference does: base = floor(x), r = x - base (an integral x selects pixel x),
// indices clamped to [0, len-1]. The taps and weights are computed once at prepare().
//
// Layout-aware (follows its input): a Resize between convolutions reads and writes their
// layout (NCHW, NHWC, nChw8c or nChw16c), so the layout pass needs no Reorders around it. All
// four are the same buffer shape [outer, H, W, inner] with contiguous `inner`
// (resize_buffer_shape); the blocked layouts' channel padding is interpolated like any channel,
// so zero padding in gives zero padding out. Every layout computes each element with the same
// float expression, so the results agree bit for bit with the NCHW path.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "kernels/kernel_registry.h"
#include "ops/nn/resize_params.h"

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

// The buffer of an [N, C, H, W] tensor in layout `l`, seen as [outer, H, W, inner] with
// contiguous `inner` (blocked layouts: channel padding included).
struct BufferShape {
  int64_t outer, inner;
};

BufferShape resize_buffer_shape(const Shape& s, Layout l) {
  const int64_t N = s[0], C = s[1];
  switch (l) {
    case Layout::Plain: return {N * C, 1};
    case Layout::ChannelsLast: return {N, C};
    default: {
      const int64_t b = layout_channel_block(l);
      return {N * ((C + b - 1) / b), b};
    }
  }
}

// The layouts this kernel reads and writes: input 0 in any layout, output 0 in the same, the
// parameter inputs (roi, scales, sizes: constants) Plain.
bool layouts_supported(const KernelSetup& s) {
  if (s.output_layout(0) != s.input_layout(0)) return false;
  for (size_t k = 1; k < s.input_layouts.size(); ++k)
    if (s.input_layouts[k] != Layout::Plain) return false;
  for (size_t k = 1; k < s.output_layouts.size(); ++k)
    if (s.output_layouts[k] != Layout::Plain) return false;
  return true;
}

// Geometry of a node this kernel can run, or false.
bool plan_resize(const KernelSetup& s, ResizeAttrs* attrs, ResizeGeometry* geom) {
  if (s.inputs.empty() || s.inputs[0].dtype != DType::F32 || s.inputs[0].shape.size() != 4) return false;
  if (!layouts_supported(s)) return false;
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

// One output row (out_w pixels of `inner` floats) from input rows r0 (weight wy0) and r1
// (wy1). Inner > 0 fixes the pixel width at compile time (the blocked layouts: one vector per
// tap); Inner == 0 reads it from `inner` (NHWC). The k loop over contiguous floats is what the
// compiler vectorises; the expression is the NCHW path's, term for term.
template <int64_t Inner>
void interpolate_row(const float* __restrict r0, const float* __restrict r1, float wy0, float wy1, const Taps& cols,
                     int64_t out_w, int64_t inner, float* __restrict o) {
  const int64_t n = Inner > 0 ? Inner : inner;
  for (int64_t x = 0; x < out_w; ++x, o += n) {
    const float* a0 = r0 + cols.i0[x] * n;
    const float* a1 = r0 + cols.i1[x] * n;
    const float* b0 = r1 + cols.i0[x] * n;
    const float* b1 = r1 + cols.i1[x] * n;
    const float wx0 = cols.w0[x], wx1 = cols.w1[x];
    for (int64_t k = 0; k < n; ++k) o[k] = wy0 * (wx0 * a0[k] + wx1 * a1[k]) + wy1 * (wx0 * b0[k] + wx1 * b1[k]);
  }
}

// NCHW: one float per pixel, so the loop runs over x with gathered taps.
void interpolate_plain_row(const float* __restrict r0, const float* __restrict r1, float wy0, float wy1,
                           const Taps& cols, int64_t out_w, float* __restrict o) {
  for (int64_t x = 0; x < out_w; ++x) {
    const int64_t x0 = cols.i0[x], x1 = cols.i1[x];
    o[x] = wy0 * (cols.w0[x] * r0[x0] + cols.w1[x] * r0[x1]) + wy1 * (cols.w0[x] * r1[x0] + cols.w1[x] * r1[x1]);
  }
}

class ResizeLinearKernel final : public Kernel {
 public:
  std::string name() const override { return "native:resize_linear"; }

  void prepare(const KernelSetup& s) override {
    ResizeAttrs a;
    ResizeGeometry g;
    LS_CHECK(plan_resize(s, &a, &g), Graph::describe(s.node), ": native linear resize cannot run this node");
    const BufferShape b = resize_buffer_shape(g.input_shape, s.input_layout(0));
    outer_ = b.outer;
    inner_ = b.inner;
    in_h_ = g.input_shape[2];
    in_w_ = g.input_shape[3];
    out_h_ = g.output_shape[2];
    out_w_ = g.output_shape[3];
    rows_ = axis_taps(a, g, 2);
    cols_ = axis_taps(a, g, 3);
    threads_ = std::max(1, s.threads);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    float* across = static_cast<float*>(scratch);
    switch (inner_) {
      case 1: run<1>(in[0]->data_as<float>(), out[0]->data_as<float>(), across); break;
      case 8: run<8>(in[0]->data_as<float>(), out[0]->data_as<float>(), across); break;
      case 16: run<16>(in[0]->data_as<float>(), out[0]->data_as<float>(), across); break;
      default: run<0>(in[0]->data_as<float>(), out[0]->data_as<float>(), across); break;
    }
  }

  // NCHW with planes enough for every thread: each plane in two passes (resize_plane_separably).
  size_t scratch_bytes() const override {
    return separable() ? static_cast<size_t>(threads_ * in_h_ * out_w_) * sizeof(float) : 0;
  }

 private:
  // Upsampling NCHW planes (a segmentation head's 65x65 -> 520x520 logits): every input row is
  // interpolated along x once, into scratch, and each output row is then a weighted sum of two
  // such rows, a contiguous loop. The same float expression as interpolate_plain_row, term for
  // term: wy0 * (wx0 a0 + wx1 a1) + wy1 * (wx0 b0 + wx1 b1). The row-at-a-time path gathered
  // four taps per output pixel (oneDNN's resampling took 7.7 ms for that head, 25% of LR-ASPP).
  bool separable() const { return inner_ == 1 && outer_ >= threads_ && out_h_ > in_h_; }

  void resize_plane_separably(const float* src, float* dst, float* across) const {
    for (int64_t y = 0; y < in_h_; ++y) {
      const float* r = src + y * in_w_;
      float* h = across + y * out_w_;
      for (int64_t x = 0; x < out_w_; ++x) h[x] = cols_.w0[x] * r[cols_.i0[x]] + cols_.w1[x] * r[cols_.i1[x]];
    }
    for (int64_t y = 0; y < out_h_; ++y) {
      const float* __restrict h0 = across + rows_.i0[y] * out_w_;
      const float* __restrict h1 = across + rows_.i1[y] * out_w_;
      float* __restrict o = dst + y * out_w_;
      const float wy0 = rows_.w0[y], wy1 = rows_.w1[y];
#pragma omp simd
      for (int64_t x = 0; x < out_w_; ++x) o[x] = wy0 * h0[x] + wy1 * h1[x];
    }
  }

  template <int64_t Inner>
  void run(const float* src, float* dst, float* scratch) const {
    if constexpr (Inner == 1) {
      if (separable()) {
#pragma omp parallel for schedule(static) num_threads(threads_)
        for (int64_t p = 0; p < outer_; ++p)
          resize_plane_separably(src + p * in_h_ * in_w_, dst + p * out_h_ * out_w_,
                                 scratch + omp_get_thread_num() * in_h_ * out_w_);
        return;
      }
    }
    const int64_t rows = outer_ * out_h_, in_plane = in_h_ * in_w_ * inner_, in_row = in_w_ * inner_;
    const int64_t out_row = out_w_ * inner_;
    // One task per output row of one outer index; threads only when there is enough work to
    // pay for waking them.
    const bool parallel = rows * out_row >= (1 << 16);
#pragma omp parallel for schedule(static) num_threads(threads_) if (parallel)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t p = r / out_h_, y = r % out_h_;
      const float* r0 = src + p * in_plane + rows_.i0[y] * in_row;
      const float* r1 = src + p * in_plane + rows_.i1[y] * in_row;
      float* o = dst + r * out_row;
      if constexpr (Inner == 1) interpolate_plain_row(r0, r1, rows_.w0[y], rows_.w1[y], cols_, out_w_, o);
      else interpolate_row<Inner>(r0, r1, rows_.w0[y], rows_.w1[y], cols_, out_w_, inner_, o);
    }
  }

  int64_t outer_ = 0, inner_ = 1, in_h_ = 0, in_w_ = 0, out_h_ = 0, out_w_ = 0;
  int threads_ = 1;
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

void register_native_resize_kernels(KernelRegistry& r) {
  for (const char* op : {"Resize", "Upsample"}) {
    KernelDef d;
    d.op_type = op;
    d.name = "native:resize_linear";
    // Above oneDNN (100): it reproduces every linear mapping exactly, in every layout, and the
    // plain upsampling oneDNN also took ran 4-8x slower there.
    d.priority = 110;
    d.supports = supports_resize_linear;
    d.create = [] { return std::make_unique<ResizeLinearKernel>(); };
    // A Resize between convolutions (DPT's fusion blocks) reads and writes their layout, so no
    // Reorder is needed around it. Only nodes this kernel wins on Plain data are asked.
    d.accepts_layouts = true;
    d.preferred_layouts = follows_input_layout;
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
