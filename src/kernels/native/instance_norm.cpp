// native:instancenorm: InstanceNormalization on float32, any rank >= 2 ([N, C, D1..Dk], the
// 1-D audio case [N, C, L] included). Each (n, c) plane of S = D1*..*Dk elements is one block:
//   mean = sum(x) / S,  var = sum((x - mean)^2) / S  (two passes: no cancellation),
//   y = (x - mean) * a + bias[c]  with  a = scale[c] / sqrt(var + epsilon).
// The sums run in kSumLanes independent float accumulators (one vector, kernels/native/lane_sum.h)
// over chunks of kSumChunk elements, the chunks added in double. Blocks are shared among the threads; with fewer blocks
// than threads (one long plane), the plane's passes are split instead.
#include <algorithm>
#include <cmath>

#include "kernels/kernel_registry.h"
#include "kernels/native/lane_sum.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
// Below this many elements a single thread does everything (a parallel region costs more).
constexpr int64_t kParallelElements = 1 << 15;

// sum(x[j] - shift) and sum((x[j] - shift)^2) over [0, n): float lanes over chunks of
// kSumChunk elements (each lane adds kSumChunk / kSumLanes terms), chunks added in double.

void lane_sums(const float* x, int64_t n, float shift, double& sum, double& sq) {
  sum = sq = 0;
  for (int64_t c0 = 0; c0 < n; c0 += kSumChunk) {
    const int64_t c1 = std::min(n, c0 + kSumChunk);
    SumLanes s = {}, q = {};
    int64_t j = c0;
    for (; j + kSumLanes <= c1; j += kSumLanes) {
      const SumLanes d = load_lanes(x + j) - shift;
      s += d;
      q += d * d;
    }
    for (; j < c1; ++j) {
      const double d = static_cast<double>(x[j]) - shift;
      sum += d;
      sq += d * d;
    }
    sum += lanes_total(s);
    sq += lanes_total(q);
  }
}

// y = (x - mean) * a + bias: centred first, so a large a (variance near 0) multiplies a small
// difference instead of cancelling two large products.
void affine(const float* x, float* y, int64_t n, float mean, float a, float bias) {
  for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - mean) * a + bias;
}

class InstanceNormKernel final : public Kernel {
 public:
  std::string name() const override { return "native:instancenorm"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& x = s.inputs[0].shape;
    channels_ = x[1];
    blocks_ = x[0] * x[1];
    plane_ = 1;
    for (size_t d = 2; d < x.size(); ++d) plane_ *= x[d];
    eps_ = s.node.attrs.get_float("epsilon", 1e-5f);
    parallel_ = blocks_ * plane_ >= kParallelElements && threads_ > 1;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* x = in[0]->data_as<float>();
    const float* scale = in[1]->data_as<float>();
    const float* bias = in[2]->data_as<float>();
    float* y = out[0]->data_as<float>();
    if (plane_ == 0 || blocks_ == 0) return;
    if (!parallel_ || blocks_ >= threads_) {
#pragma omp parallel for if (parallel_) num_threads(threads_) schedule(static)
      for (int64_t b = 0; b < blocks_; ++b)
        normalize_block(x + b * plane_, y + b * plane_, scale[b % channels_], bias[b % channels_]);
      return;
    }
    for (int64_t b = 0; b < blocks_; ++b)
      normalize_split(x + b * plane_, y + b * plane_, scale[b % channels_], bias[b % channels_]);
  }

 private:
  // The plane's mean (as float) and scale factor a = scale / sqrt(var + epsilon), from the
  // sums of (x - shift) and their squares: mean = shift + sum / S, and S * var = sq - sum^2 / S
  // (the second pass runs around the first pass's float mean, so `sum` is only its rounding).
  std::pair<float, float> moments(float shift, double sum, double sq, float scale) const {
    const double s = static_cast<double>(plane_);
    const double var = std::max(0.0, (sq - sum * sum / s) / s);
    return {static_cast<float>(shift + sum / s), static_cast<float>(scale / std::sqrt(var + eps_))};
  }

  void normalize_block(const float* x, float* y, float scale, float bias) const {
    const float shift = static_cast<float>(lane_sum(x, plane_, [](auto v) { return v; }) / static_cast<double>(plane_));
    double sum = 0, sq = 0;
    lane_sums(x, plane_, shift, sum, sq);
    auto [mean, a] = moments(shift, sum, sq, scale);
    affine(x, y, plane_, mean, a, bias);
  }

  // One plane split among the threads for each pass (few, long planes).
  void normalize_split(const float* x, float* y, float scale, float bias) const {
    const int64_t chunk = (plane_ + threads_ - 1) / threads_;
    double total = 0;
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(+ : total)
    for (int t = 0; t < threads_; ++t) {
      const int64_t b = t * chunk, e = std::min(plane_, b + chunk);
      if (b < e) total += lane_sum(x + b, e - b, [](auto v) { return v; });
    }
    const float shift = static_cast<float>(total / static_cast<double>(plane_));
    double sum = 0, sq = 0;
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(+ : sum, sq)
    for (int t = 0; t < threads_; ++t) {
      const int64_t b = t * chunk, e = std::min(plane_, b + chunk);
      double s = 0, q = 0;
      if (b < e) lane_sums(x + b, e - b, shift, s, q);
      sum += s;
      sq += q;
    }
    // Plain variables, not a structured binding: OpenMP regions (outlined lambdas) may not
    // name structured bindings before C++20's rule reached clang 16.
    const std::pair<float, float> m = moments(shift, sum, sq, scale);
    const float mean = m.first, a = m.second;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int t = 0; t < threads_; ++t) {
      const int64_t b = t * chunk, e = std::min(plane_, b + chunk);
      if (b < e) affine(x + b, y + b, e - b, mean, a, bias);
    }
  }

  int64_t channels_ = 1, blocks_ = 0, plane_ = 0;
  double eps_ = 1e-5;
  int threads_ = 1;
  bool parallel_ = false;
};

bool supports(const KernelSetup& s) {
  return s.inputs.size() == 3 && s.inputs[0].dtype == DType::F32 && s.inputs[1].dtype == DType::F32 &&
         s.inputs[2].dtype == DType::F32 && s.inputs[0].shape.size() >= 2;
}

}  // namespace
}  // namespace native

void register_native_instance_norm_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "InstanceNormalization";
  d.name = "native:instancenorm";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::InstanceNormKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
