// native:topk — TopK over float32 (opsets 1-21: k as attribute or input, largest or smallest),
// exactly the reference's answer: values ordered by the op's direction, NaN above every number,
// -0 equal to +0, equal values in index order; the values written are the input's own bits.
//
// Detectors call it per class on a few thousand scores for a few hundred boxes (SSDlite: 90
// TopKs of 300 out of 3234 per run), where the reference's partial_sort over an index array,
// comparing through two indirect loads and NaN checks, took ~87 us each. Here each element of a
// line becomes one 64-bit key: its float mapped to an unsigned integer with the same order
// (inverted for `largest`) in the high half, its index in the low half. Ascending key order is
// then exactly the reference's order, ties included, so nth_element and a sort of the first k
// keys on plain integers give the result.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "ops/tensor/common.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
// Lines of fewer elements than this (all lines together) stay on one thread.
constexpr int64_t kParallelElements = 64 * 1024;

// The float's order as an unsigned integer: NaNs made one positive NaN (above +inf), -0 made +0.
uint32_t order_key(float v) {
  if (std::isnan(v)) return 0xffc00000u;  // the positive quiet NaN's key
  if (v == 0.0f) v = 0.0f;
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

class TopKKernel final : public Kernel {
 public:
  std::string name() const override { return "native:topk"; }
  void prepare(const KernelSetup& s) override {
    const Shape& x = s.inputs[0].shape;
    const int rank = static_cast<int>(x.size());
    int axis = static_cast<int>(s.node.attrs.get_int("axis", -1));
    if (axis < 0) axis += rank;
    dim_ = x[axis];
    k_ = s.outputs[0].shape[axis];
    outer_inner(x, axis, &outer_, &inner_);
    largest_ = s.node.opset < 11 || s.node.attrs.get_int("largest", 1) != 0;
    const int64_t lines = outer_ * inner_;
    threads_ =
        lines > 1 && lines * dim_ >= kParallelElements ? static_cast<int>(std::min<int64_t>(s.threads, lines)) : 1;
    keys_.assign(static_cast<size_t>(threads_), std::vector<uint64_t>(static_cast<size_t>(dim_)));
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (k_ == 0) return;
    const float* x = in[0]->data_as<float>();
    float* values = out[0] ? out[0]->data_as<float>() : nullptr;
    int64_t* indices = out.size() > 1 && out[1] ? out[1]->data_as<int64_t>() : nullptr;
    const int64_t lines = outer_ * inner_;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int64_t line = 0; line < lines; ++line) {
      const int64_t o = line / inner_, i = line % inner_;
      const float* src = x + o * dim_ * inner_ + i;
      std::vector<uint64_t>& keys = keys_[threads_ > 1 ? omp_get_thread_num() : 0];
      for (int64_t j = 0; j < dim_; ++j) {
        const uint32_t key = order_key(src[j * inner_]);
        keys[j] = (static_cast<uint64_t>(largest_ ? ~key : key) << 32) | static_cast<uint64_t>(j);
      }
      if (k_ < dim_) std::nth_element(keys.begin(), keys.begin() + (k_ - 1), keys.end());
      std::sort(keys.begin(), keys.begin() + k_);
      const int64_t base = o * k_ * inner_ + i;
      for (int64_t j = 0; j < k_; ++j) {
        const int64_t at = static_cast<int64_t>(keys[j] & 0xffffffffu);
        if (values) std::memcpy(values + base + j * inner_, src + at * inner_, sizeof(float));  // the input's bits
        if (indices) indices[base + j * inner_] = at;
      }
    }
  }

 private:
  int64_t dim_ = 0, k_ = 0, outer_ = 1, inner_ = 1;
  bool largest_ = true;
  int threads_ = 1;
  std::vector<std::vector<uint64_t>> keys_;  // per thread: one line's keys
};

bool supports(const KernelSetup& s) {
  if (s.inputs.empty() || s.inputs[0].dtype != DType::F32 || s.inputs[0].shape.empty()) return false;
  if (s.outputs.empty()) return false;
  const Shape& x = s.inputs[0].shape;
  int64_t axis = s.node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  return axis >= 0 && axis < static_cast<int64_t>(x.size()) &&
         x[axis] <= 0xffffffffLL;  // indices fit the key's low half
}

}  // namespace
}  // namespace native

void register_native_topk_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "TopK";
  d.name = "native:topk";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::TopKKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
