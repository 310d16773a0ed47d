// native:expand: Expand (numpy broadcast of x to the output shape), every element size of
// 1, 2, 4 or 8 bytes. The output is walked as rows of one inner run (elementwise_broadcast.h,
// adjacent axes with the same broadcast pattern merged): a run where x streams is one memcpy,
// a run where x repeats (its trailing axes are 1, e.g. Swin V2's [64,3,64,1] -> [64,3,64,32])
// is a fill with one element. Rows are shared among the plan's threads.
#include <algorithm>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "kernels/native/elementwise_broadcast.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;

template <typename T>
void fill(T* y, int64_t n, T v) {
  std::fill(y, y + n, v);
}

class ExpandKernel final : public Kernel {
 public:
  std::string name() const override { return "native:expand"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    es_ = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    plan_ = make_broadcast_plan(s.outputs[0].shape, {s.inputs[0].shape});
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const char* x = static_cast<const char*>(in[0]->data());
    char* y = static_cast<char*>(out[0]->data());
    const bool streams = plan_.inner_stride[0] == 1;
    for_each_run(plan_, threads_, [&](const auto& off, int64_t o, int64_t len) {
      const char* src = x + off[0] * es_;
      char* dst = y + o * es_;
      if (streams) return (void)std::memcpy(dst, src, len * es_);
      switch (es_) {
        case 1: return fill(reinterpret_cast<uint8_t*>(dst), len, *reinterpret_cast<const uint8_t*>(src));
        case 2: return fill(reinterpret_cast<uint16_t*>(dst), len, load<uint16_t>(src));
        case 4: return fill(reinterpret_cast<uint32_t*>(dst), len, load<uint32_t>(src));
        default: return fill(reinterpret_cast<uint64_t*>(dst), len, load<uint64_t>(src));
      }
    });
  }

 private:
  template <typename T>
  static T load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }

  BroadcastPlan plan_;
  int64_t es_ = 4;
  int threads_ = 1;
};

bool supports(const KernelSetup& s) {
  const size_t es = dtype_size(s.inputs[0].dtype);
  return (es == 1 || es == 2 || es == 4 || es == 8) && s.outputs[0].shape.size() >= s.inputs[0].shape.size();
}

}  // namespace
}  // namespace native

void register_native_expand_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "Expand";
  d.name = "native:expand";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::ExpandKernel>(); };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
