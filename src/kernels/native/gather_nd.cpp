// native:gathernd — GatherND (any element type, any batch_dims): out[b, t, :] = the slice of
// data at index tuple t of batch b. Detectors select their kept boxes and scores with it after
// NonZero (SSDlite: 180 GatherNDs of ~3,000 one-element slices per run), where the reference's
// per-element bounds-check call and memcpy cost more than the copy. Here the strides are fixed at
// prepare, a tuple's offset is a short sum, and slices of 1, 2, 4 or 8 bytes are copied as one
// typed store; larger slices by memcpy. Tuples are shared across threads when the output is
// large. An index out of range is an Error naming the node, raised after the loop.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "kernels/parallel_copy.h"
#include "ops/tensor/common.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;

class GatherNDKernel final : public Kernel {
 public:
  std::string name() const override { return "native:gathernd"; }
  void prepare(const KernelSetup& s) override {
    const Shape& data = s.inputs[0].shape;
    const Shape& ind = s.inputs[1].shape;
    const int64_t b = s.node.attrs.get_int("batch_dims", 0);
    m_ = ind.back();
    batches_ = tuples_ = slice_ = 1;
    for (int64_t i = 0; i < b; ++i) batches_ *= data[i];
    for (int64_t i = b; i < static_cast<int64_t>(ind.size()) - 1; ++i) tuples_ *= ind[i];
    for (int64_t i = b + m_; i < static_cast<int64_t>(data.size()); ++i) slice_ *= data[i];
    const std::vector<int64_t> strides = contiguous_strides(data);
    batch_stride_ = b > 0 ? strides[b - 1] : shape_numel(data);
    dims_.assign(data.begin() + b, data.begin() + b + m_);
    strides_.assign(strides.begin() + b, strides.begin() + b + m_);
    es_ = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    const int64_t bytes = batches_ * tuples_ * slice_ * es_;
    threads_ = bytes >= kParallelCopyBytes ? std::max(1, s.threads) : 1;
    node_ = Graph::describe(s.node);
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    std::atomic<int64_t> bad{kNoBadIndex};
    switch (slice_ * es_) {
      case 1: run<uint8_t>(*in[0], *in[1], *out[0], bad); break;
      case 2: run<uint16_t>(*in[0], *in[1], *out[0], bad); break;
      case 4: run<uint32_t>(*in[0], *in[1], *out[0], bad); break;
      case 8: run<uint64_t>(*in[0], *in[1], *out[0], bad); break;
      default: run<void>(*in[0], *in[1], *out[0], bad); break;
    }
    if (const int64_t i = bad.load(); i != kNoBadIndex) {
      const int64_t k = i % m_;  // which position of the tuple: its dimension for the message
      fail(node_, ": index ", *(in[1]->data_as<int64_t>() + i), " is out of range for a dimension of size ", dims_[k]);
    }
  }

 private:
  static constexpr int64_t kNoBadIndex = INT64_MIN;

  // T: the slice as one element of that size; void: a memcpy of slice_ elements.
  template <typename T>
  void run(const Tensor& data, const Tensor& indices, Tensor& y, std::atomic<int64_t>& bad) const {
    const char* src = static_cast<const char*>(data.data());
    char* dst = static_cast<char*>(y.data());
    const int64_t* iv = indices.data_as<int64_t>();
    const int64_t total = batches_ * tuples_, slice_bytes = slice_ * es_;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int64_t bt = 0; bt < total; ++bt) {
      const int64_t* tuple = iv + bt * m_;
      int64_t off = (bt / tuples_) * batch_stride_;
      bool ok = true;
      for (int64_t k = 0; k < m_; ++k) {
        int64_t v = tuple[k];
        if (v < 0) v += dims_[k];
        if (v < 0 || v >= dims_[k]) {
          int64_t none = kNoBadIndex;
          bad.compare_exchange_strong(none, bt * m_ + k);
          ok = false;
          break;
        }
        off += v * strides_[k];
      }
      if (!ok) continue;
      if constexpr (std::is_void_v<T>) {
        std::memcpy(dst + bt * slice_bytes, src + off * es_, slice_bytes);
      } else {
        T v;
        std::memcpy(&v, src + off * es_, sizeof(T));
        std::memcpy(dst + bt * slice_bytes, &v, sizeof(T));
      }
    }
  }

  int64_t m_ = 1, batches_ = 1, tuples_ = 1, slice_ = 1, batch_stride_ = 0, es_ = 4;
  std::vector<int64_t> dims_, strides_;
  int threads_ = 1;
  std::string node_;
};

bool supports(const KernelSetup& s) {
  if (s.inputs.size() != 2 || s.inputs[1].dtype != DType::I64 || s.inputs[1].shape.empty()) return false;
  return dtype_size(s.inputs[0].dtype) > 0;  // not String
}

}  // namespace
}  // namespace native

void register_native_gather_nd_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "GatherND";
  d.name = "native:gathernd";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::GatherNDKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
