// native:fill — ConstantOfShape: the attribute's one value written to every element, split
// across the plan's threads for big outputs (torchvision's MultiScaleRoIAlign starts from a
// zero tensor as large as its pooled result). Zero bytes are a memset; other values are
// stored typed by element size. The output may live in a reused buffer, so it is always
// written in full.
#include <algorithm>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "kernels/parallel_copy.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;

class FillKernel final : public Kernel {
 public:
  std::string name() const override { return "native:fill"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    es_ = dtype_size(s.outputs[0].dtype);
    value_.assign(es_, 0);  // float 0 when the attribute is absent
    if (const Tensor* v = s.node.attrs.get_tensor("value")) std::memcpy(value_.data(), v->data(), es_);
    zero_ = std::all_of(value_.begin(), value_.end(), [](char c) { return c == 0; });
  }
  void execute(std::span<const Tensor* const>, std::span<Tensor* const> out, void*) override {
    const int64_t n = out[0]->numel(), bytes = n * static_cast<int64_t>(es_);
    char* y = static_cast<char*>(out[0]->data());
    const int threads = bytes >= kParallelCopyBytes ? threads_ : 1;
    const int64_t chunk = (n + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      const int64_t b = t * chunk, e = std::min(n, b + chunk);
      if (b < e) fill(y, b, e);
    }
  }

 private:
  void fill(char* y, int64_t b, int64_t e) const {
    if (zero_) {
      std::memset(y + b * es_, 0, (e - b) * es_);
      return;
    }
    switch (es_) {
      case 1: std::fill(reinterpret_cast<uint8_t*>(y) + b, reinterpret_cast<uint8_t*>(y) + e, as<uint8_t>()); break;
      case 2: std::fill(reinterpret_cast<uint16_t*>(y) + b, reinterpret_cast<uint16_t*>(y) + e, as<uint16_t>()); break;
      case 4: std::fill(reinterpret_cast<uint32_t*>(y) + b, reinterpret_cast<uint32_t*>(y) + e, as<uint32_t>()); break;
      default: std::fill(reinterpret_cast<uint64_t*>(y) + b, reinterpret_cast<uint64_t*>(y) + e, as<uint64_t>()); break;
    }
  }
  template <typename T>
  T as() const {
    T v;
    std::memcpy(&v, value_.data(), sizeof(T));
    return v;
  }

  int threads_ = 1;
  size_t es_ = 4;
  std::vector<char> value_;
  bool zero_ = true;
};

bool supports(const KernelSetup& s) {
  const size_t es = dtype_size(s.outputs[0].dtype);
  return es == 1 || es == 2 || es == 4 || es == 8;
}

}  // namespace
}  // namespace native

void register_native_fill_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "ConstantOfShape";
  d.name = "native:fill";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::FillKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
