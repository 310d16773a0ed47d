// native:roialign — RoiAlign (avg mode, float32) at the geometry of the reference
// (ops/nn/roi_align_geometry.h: the same sample points and bilinear taps), computed channel-
// vectorised: X is first copied channels-last (HWC per image, into scratch), so each tap of a
// bin is one contiguous multiply-add over all channels, acc[c] += w * x_hwc[pos * C + c]; a
// roi's bins accumulate in a [bins, C] tile that is written out transposed to [C, bins]. Rois
// are shared out among threads (each with its own tile). The reference adds in double; this
// kernel in float (weights rounded to float once per tap), as onnxruntime does: results agree
// to float rounding (about 1e-6 relative), not bit for bit. A detector's second stage pools a
// few hundred rois this way (Faster R-CNN's box head: 150 x 256 channels x 7 x 7 bins).
#include <omp.h>

#include <algorithm>
#include <atomic>

#include "kernels/kernel_registry.h"
#include "ops/nn/roi_align_geometry.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
constexpr int64_t kNoBadRoi = -1;

size_t align64(size_t n) { return (n + 63) / 64 * 64; }

class RoiAlignKernel final : public Kernel {
 public:
  std::string name() const override { return "native:roialign"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    node_ = s.node;
    attrs_ = roi_align::attrs_of(s.node);
    const Shape& x = s.inputs[0].shape;
    images_ = x[0], channels_ = x[1], h_ = x[2], w_ = x[3];
    hwc_bytes_ = align64(static_cast<size_t>(images_ * channels_ * h_ * w_) * sizeof(float));
    tile_bytes_ = align64(static_cast<size_t>(attrs_.oh * attrs_.ow * channels_) * sizeof(float));
  }
  size_t scratch_bytes() const override { return hwc_bytes_ + tile_bytes_ * threads_; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const int64_t rois = in[1]->dim(0);
    const float* x = in[0]->data_as<float>();
    const float* rp = in[1]->data_as<float>();
    const int64_t* batch = in[2]->data_as<int64_t>();
    float* y = out[0]->data_as<float>();
    float* hwc = static_cast<float*>(scratch);
    char* tiles = static_cast<char*>(scratch) + hwc_bytes_;
    const int64_t plane = h_ * w_;
    const int threads = static_cast<int>(std::min<int64_t>(threads_, std::max<int64_t>(rois, 1)));
#pragma omp parallel for num_threads(threads_) schedule(static) collapse(2)
    for (int64_t img = 0; img < images_; ++img)
      for (int64_t p = 0; p < plane; ++p)
        for (int64_t c = 0; c < channels_; ++c)
          hwc[(img * plane + p) * channels_ + c] = x[(img * channels_ + c) * plane + p];
    std::atomic<int64_t> bad_batch{kNoBadRoi};
    std::string error;  // the first roi the geometry refuses (written under `critical`)
#pragma omp parallel num_threads(threads)
    {
      float* tile = reinterpret_cast<float*>(tiles + tile_bytes_ * omp_get_thread_num());
      std::vector<roi_align::Sample> samples;
#pragma omp for schedule(dynamic, 4)
      for (int64_t r = 0; r < rois; ++r) {
        if (batch[r] < 0 || batch[r] >= images_) {
          int64_t none = kNoBadRoi;
          bad_batch.compare_exchange_strong(none, r);
          continue;
        }
        try {
          pool(r, rp + r * 4, hwc + batch[r] * plane * channels_, tile, samples, y);
        } catch (const Error& e) {
#pragma omp critical(roi_align_error)
          if (error.empty()) error = e.what();
        }
      }
    }
    if (const int64_t r = bad_batch.load(); r != kNoBadRoi)
      fail(Graph::describe(node_), ": batch_indices[", r, "] = ", batch[r], " is out of range for ", images_,
           " images");
    if (!error.empty()) throw Error(error);
  }

 private:
  // Roi r's bins over every channel into `tile` [bins, C], then out to y[r] as [C, bins].
  void pool(int64_t r, const float* corners, const float* hwc, float* tile, std::vector<roi_align::Sample>& samples,
            float* y) const {
    const roi_align::Region g = roi_align::region_of(node_, attrs_, r, corners[0], corners[1], corners[2], corners[3]);
    const int64_t bins = attrs_.oh * attrs_.ow, per_bin = g.gh * g.gw, c_count = channels_;
    const float inv_count = 1.0f / static_cast<float>(std::max<int64_t>(per_bin, 1));
    samples.resize(static_cast<size_t>(per_bin));
    for (int64_t py = 0; py < attrs_.oh; ++py)
      for (int64_t px = 0; px < attrs_.ow; ++px) {
        float* acc = tile + (py * attrs_.ow + px) * c_count;
        std::fill(acc, acc + c_count, 0.0f);
        roi_align::bin_samples(g, py, px, h_, w_, samples.data());
        for (const roi_align::Sample& s : samples)
          for (int t = 0; t < 4; ++t) {
            const float wt = static_cast<float>(s.w[t]);
            if (wt == 0.0f) continue;
            const float* src = hwc + s.pos[t] * c_count;
#pragma omp simd
            for (int64_t c = 0; c < c_count; ++c) acc[c] += wt * src[c];
          }
      }
    float* dst = y + r * c_count * bins;
    for (int64_t c = 0; c < c_count; ++c)
      for (int64_t b = 0; b < bins; ++b) dst[c * bins + b] = tile[b * c_count + c] * inv_count;
  }

  int threads_ = 1;
  Node node_;
  roi_align::Attrs attrs_;
  int64_t images_ = 0, channels_ = 0, h_ = 0, w_ = 0;
  size_t hwc_bytes_ = 0, tile_bytes_ = 0;
};

bool supports(const KernelSetup& s) {
  return s.inputs[0].dtype == DType::F32 && s.inputs[1].dtype == DType::F32 && !roi_align::attrs_of(s.node).max_mode;
}

}  // namespace
}  // namespace native

void register_native_roi_align_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "RoiAlign";
  d.name = "native:roialign";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::RoiAlignKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
