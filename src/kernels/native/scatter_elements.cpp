// native:scatter — ScatterElements (and Scatter-9/10): the output is a copy of data, then
// out[.., indices[k], ..] = updates[k] along `axis` (or combined with it: add / mul / max / min,
// float32). torchvision's MultiScaleRoIAlign writes each pyramid level's pooled boxes into
// its result this way: index and updates tensors as large as the result itself.
//
// The updates are walked as [outer, A, inner] (A = indices' extent along the axis): threads
// share out the (outer, inner block) pairs, and each walks its A updates in order, so updates
// that hit the same element land in the reference's order (the last one wins, reductions
// combine in sequence) whatever the thread count. The destination of (o, a, i) is
// outer_base[o] + index * axis_stride + inner_offset[i], both tables built at prepare from
// data's strides (indices may be smaller than data on every axis). An index out of range is
// an Error naming the node, raised after the parallel loop.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <type_traits>

#include "kernels/kernel_registry.h"
#include "kernels/parallel_copy.h"
#include "ops/tensor/common.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
constexpr int64_t kInnerBlock = 4096;  // updates per task along the inner axes

enum class Combine { Store, Add, Mul, Max, Min };

// The node's reduction, or nullopt when this kernel does not do it (then the reference does).
std::optional<Combine> combine_of(const KernelSetup& s) {
  const std::string r = s.node.attrs.get_string("reduction", "none");
  if (r == "none") return Combine::Store;
  if (s.inputs[0].dtype != DType::F32) return std::nullopt;
  if (r == "add") return Combine::Add;
  if (r == "mul") return Combine::Mul;
  if (r == "max") return Combine::Max;
  if (r == "min") return Combine::Min;
  return std::nullopt;
}

class ScatterElementsKernel final : public Kernel {
 public:
  std::string name() const override { return "native:scatter"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    combine_ = *combine_of(s);
    es_ = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    index64_ = s.inputs[1].dtype == DType::I64;
    const Shape& d = s.inputs[0].shape;
    const Shape& ind = s.inputs[1].shape;
    const int rank = static_cast<int>(d.size());
    int axis = static_cast<int>(s.node.attrs.get_int("axis", 0));
    if (axis < 0) axis += rank;
    const std::vector<int64_t> strides = contiguous_strides(d);
    axis_dim_ = d[axis];
    axis_stride_ = strides[axis];
    along_ = ind[axis];
    // Element offsets in data of each outer index and each inner index of `indices`.
    outer_base_ =
        offsets(Shape(ind.begin(), ind.begin() + axis), std::vector<int64_t>(strides.begin(), strides.begin() + axis));
    inner_offset_ = offsets(Shape(ind.begin() + axis + 1, ind.end()),
                            std::vector<int64_t>(strides.begin() + axis + 1, strides.end()));
    for (int i = 0; i < rank; ++i)
      if (i != axis && ind[i] > d[i])
        fail(Graph::describe(s.node), ": indices shape ", shape_to_string(ind), " exceeds data shape ",
             shape_to_string(d), " on axis ", i);
    node_ = Graph::describe(s.node);
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    copy_bytes(out[0]->data(), in[0]->data(), static_cast<int64_t>(in[0]->nbytes()), threads_);
    std::atomic<int64_t> bad{kNoBadIndex};
    if (combine_ != Combine::Store) {
      run<float>(*in[1], *in[2], *out[0], bad);
    } else {
      switch (es_) {
        case 1: run<uint8_t>(*in[1], *in[2], *out[0], bad); break;
        case 2: run<uint16_t>(*in[1], *in[2], *out[0], bad); break;
        case 4: run<uint32_t>(*in[1], *in[2], *out[0], bad); break;
        default: run<uint64_t>(*in[1], *in[2], *out[0], bad); break;
      }
    }
    if (const int64_t i = bad.load(); i != kNoBadIndex)
      fail(node_, ": index ", i, " is out of range for a dimension of size ", axis_dim_);
  }

 private:
  static constexpr int64_t kNoBadIndex = INT64_MIN;

  static std::vector<int64_t> offsets(const Shape& dims, const std::vector<int64_t>& strides) {
    std::vector<int64_t> out(static_cast<size_t>(shape_numel(dims)));
    std::vector<int64_t> idx(dims.size());
    for (size_t k = 0; k < out.size(); ++k) {
      unravel(static_cast<int64_t>(k), dims, idx.data());
      int64_t off = 0;
      for (size_t j = 0; j < dims.size(); ++j) off += idx[j] * strides[j];
      out[k] = off;
    }
    return out;
  }

  template <typename T>
  void run(const Tensor& indices, const Tensor& updates, Tensor& y, std::atomic<int64_t>& bad) const {
    const int64_t inner = static_cast<int64_t>(inner_offset_.size());
    const int64_t blocks = (inner + kInnerBlock - 1) / kInnerBlock;
    const int64_t tasks = static_cast<int64_t>(outer_base_.size()) * blocks;
    const int64_t* i64 = index64_ ? indices.data_as<int64_t>() : nullptr;
    const int32_t* i32 = index64_ ? nullptr : indices.data_as<int32_t>();
    const T* u = updates.data_as<T>();
    T* dst = y.data_as<T>();
    const int threads = indices.numel() * es_ >= kParallelCopyBytes ? threads_ : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t o = t / blocks, ib = (t % blocks) * kInnerBlock, ie = std::min(inner, ib + kInnerBlock);
      for (int64_t a = 0; a < along_; ++a) {
        const int64_t row = (o * along_ + a) * inner;
        for (int64_t i = ib; i < ie; ++i) {
          int64_t k = i64 ? i64[row + i] : i32[row + i];
          if (k < 0) k += axis_dim_;
          if (k < 0 || k >= axis_dim_) {
            int64_t none = kNoBadIndex;
            bad.compare_exchange_strong(none, i64 ? i64[row + i] : i32[row + i]);
            continue;
          }
          store(dst[outer_base_[o] + k * axis_stride_ + inner_offset_[i]], u[row + i]);
        }
      }
    }
  }

  template <typename T>
  void store(T& d, T v) const {
    if constexpr (std::is_same_v<T, float>) {
      switch (combine_) {
        case Combine::Store: d = v; return;
        case Combine::Add: d = d + v; return;
        case Combine::Mul: d = d * v; return;
        case Combine::Max: d = std::max(d, v); return;
        case Combine::Min: d = std::min(d, v); return;
      }
    } else {
      d = v;
    }
  }

  int threads_ = 1;
  Combine combine_ = Combine::Store;
  int64_t es_ = 4, axis_dim_ = 0, axis_stride_ = 0, along_ = 0;
  bool index64_ = true;
  std::vector<int64_t> outer_base_, inner_offset_;
  std::string node_;
};

bool supports(const KernelSetup& s) {
  const size_t es = dtype_size(s.inputs[0].dtype);
  if (es != 1 && es != 2 && es != 4 && es != 8) return false;
  if (s.inputs[1].dtype != DType::I64 && s.inputs[1].dtype != DType::I32) return false;
  return combine_of(s).has_value();
}

}  // namespace
}  // namespace native

void register_native_scatter_kernels(KernelRegistry& r) {
  for (const char* op : {"ScatterElements", "Scatter"}) {
    KernelDef d;
    d.op_type = op;
    d.name = "native:scatter";
    d.priority = native::kPriority;
    d.supports = native::supports;
    d.create = [] { return std::make_unique<native::ScatterElementsKernel>(); };
    d.accepts_empty = true;  // no updates: the output is a copy of data
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
