// native:reduce: float32 ReduceSum / ReduceMean / ReduceL1 / ReduceL2 / ReduceSumSquare over a
// trailing block of axes (after dropping size-1 axes, every reduced axis comes after every
// kept one: [rows, L] -> [rows]), for the reductions oneDNN 2.6 leaves to its reference code
// (its jit reduction has no norm_lp algorithms: Swin V2 normalises q and k with ReduceL2 over
// the last axis). Below the oneDNN kernel's priority, so oneDNN keeps what it runs well.
//   Sum = sum x;  Mean = sum x / L;  L1 = sum |x|;  L2 = sqrt(sum x^2);  SumSquare = sum x^2.
// Each row is summed by lane_sum (kernels/native/lane_sum.h): float lanes over chunks, the chunks
// added in double; rows are shared among the plan's threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>

#include "kernels/kernel_registry.h"
#include "kernels/native/lane_sum.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;  // oneDNN's reduction has 100
constexpr int64_t kParallelElements = 1 << 15;

enum class Kind { Sum, Mean, L1, L2, SumSquare };

struct ReduceOpInfo {
  const char* op_type;
  Kind kind;
  int axes_input_since;  // opset from which axes is input 1
};
const ReduceOpInfo kOps[] = {{"ReduceSum", Kind::Sum, 13},
                             {"ReduceMean", Kind::Mean, 18},
                             {"ReduceL1", Kind::L1, 18},
                             {"ReduceL2", Kind::L2, 18},
                             {"ReduceSumSquare", Kind::SumSquare, 18}};

// Rows and row length of a trailing-block reduction of `s`, or {0, 0} when it is not one.
std::pair<int64_t, int64_t> trailing_block(const KernelSetup& s, const ReduceOpInfo& op) {
  const Shape& x = s.inputs[0].shape;
  const int rank = static_cast<int>(x.size());
  std::vector<int64_t> axes;
  if (s.node.opset >= op.axes_input_since) {
    if (s.inputs.size() > 1 && s.node.inputs[1] >= 0 && shape_numel(s.inputs[1].shape) > 0) {
      const Tensor* t = s.constants[1];
      if (!t || t->dtype() != DType::I64) return {0, 0};
      axes.assign(t->data_as<int64_t>(), t->data_as<int64_t>() + t->numel());
    }
    if (axes.empty() && s.node.attrs.get_int("noop_with_empty_axes", 0) != 0) return {0, 0};
  } else {
    axes = s.node.attrs.get_ints("axes");
  }
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return {0, 0};
    reduced[a] = true;
  }
  int64_t rows = 1, len = 1;
  bool in_block = false;
  for (int d = 0; d < rank; ++d) {
    if (x[d] == 1) continue;
    if (reduced[d]) {
      in_block = true;
      len *= x[d];
    } else {
      if (in_block) return {0, 0};  // a kept axis after a reduced one
      rows *= x[d];
    }
  }
  return {rows, len};
}

// One element's term, or every lane's (V: float or SumLanes).
template <Kind K, typename V>
inline V term(V v) {
  if constexpr (K == Kind::L1) return magnitude(v);
  else if constexpr (K == Kind::L2 || K == Kind::SumSquare) return v * v;
  else return v;
}

template <Kind K>
float reduce_row(const float* x, int64_t n) {
  double t = lane_sum(x, n, [](auto v) { return term<K>(v); });
  if constexpr (K == Kind::Mean) t /= static_cast<double>(n);
  if constexpr (K == Kind::L2) t = std::sqrt(t);
  return static_cast<float>(t);
}

template <Kind K>
class ReduceRowsKernel final : public Kernel {
 public:
  explicit ReduceRowsKernel(const ReduceOpInfo& op) : op_(op) {}
  std::string name() const override { return "native:reduce"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    std::tie(rows_, len_) = trailing_block(s, op_);
    parallel_ = threads_ > 1 && rows_ > 1 && rows_ * len_ >= kParallelElements;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const float* x = in[0]->data_as<float>();
    float* y = out[0]->data_as<float>();
#pragma omp parallel for if (parallel_) num_threads(threads_) schedule(static)
    for (int64_t r = 0; r < rows_; ++r) y[r] = reduce_row<K>(x + r * len_, len_);
  }

 private:
  const ReduceOpInfo& op_;
  int64_t rows_ = 0, len_ = 0;
  int threads_ = 1;
  bool parallel_ = false;
};

template <Kind K>
std::unique_ptr<Kernel> make_kernel(const ReduceOpInfo& op) {
  return std::make_unique<ReduceRowsKernel<K>>(op);
}

std::unique_ptr<Kernel> create(const ReduceOpInfo& op) {
  switch (op.kind) {
    case Kind::Sum: return make_kernel<Kind::Sum>(op);
    case Kind::Mean: return make_kernel<Kind::Mean>(op);
    case Kind::L1: return make_kernel<Kind::L1>(op);
    case Kind::L2: return make_kernel<Kind::L2>(op);
    case Kind::SumSquare: return make_kernel<Kind::SumSquare>(op);
  }
  return nullptr;
}

bool supports(const KernelSetup& s, const ReduceOpInfo& op) {
  if (s.inputs.empty() || s.inputs[0].dtype != DType::F32 || s.outputs[0].dtype != DType::F32) return false;
  if (shape_numel(s.inputs[0].shape) == 0) return false;
  const auto [rows, len] = trailing_block(s, op);
  return rows > 0 && len > 0;
}

}  // namespace
}  // namespace native

void register_native_reduce_kernels(KernelRegistry& r) {
  for (const native::ReduceOpInfo& op : native::kOps) {
    KernelDef d;
    d.op_type = op.op_type;
    d.name = "native:reduce";
    d.priority = native::kPriority;
    d.supports = [&op](const KernelSetup& s) { return native::supports(s, op); };
    d.create = [&op] { return native::create(op); };
    r.add_kernel(std::move(d));
  }
}

}  // namespace layerscope
