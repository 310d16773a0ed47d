// Native data movement kernels (every element type; they move bytes):
//   native:view       Reshape Flatten Squeeze Unsqueeze Identity Dropout: no work at all, when
//                     the memory planner put the output in the input's buffer
//                     (Kernel::output_sharing, runtime/memory_sharing.cpp)
//   native:copy       the same ops when it could not (e.g. the input is a graph input): one memcpy
//   native:transpose  Transpose DepthToSpace SpaceToDepth (kernels/native/transpose.h); a
//                     Transpose that only moves size-1 axes is a native:view, as Reshape
//   native:concat     Concat: one memcpy per (input, outer index)
//   native:slice      Slice with all steps 1: memcpy of the contiguous runs
//   native:gather     Gather: memcpy of the run after the axis per index (runs are split
//                     among threads when there are too few of them to share out)
// Big tensors (>= 256 KB) are split across the plan's threads.
#include <algorithm>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "kernels/native/transpose.h"
#include "kernels/parallel_copy.h"
#include "ops/tensor/common.h"

namespace layerscope {

namespace native {
namespace {

constexpr int kPriority = 10;
constexpr int64_t kParallelBytes = kParallelCopyBytes;

// Output 0 holds input 0's bytes unchanged, so it offers to be a view of input 0; a Dropout's
// mask (output 1) is a buffer of its own either way.
class CopyKernel final : public Kernel {
 public:
  std::string name() const override { return view_ ? "native:view" : "native:copy"; }
  void prepare(const KernelSetup& s) override { threads_ = std::max(1, s.threads); }
  OutputSharing output_sharing() const override { return {OutputSharing::Mode::View, {0}, false}; }
  void set_output_shared(int input) override { view_ = input == 0; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (!view_) copy_bytes(out[0]->data(), in[0]->data(), in[0]->nbytes(), threads_);
    if (out.size() > 1 && out[1])  // Dropout's mask at inference: everything kept
      for (int64_t i = 0; i < out[1]->numel(); ++i) store_double(out[1]->dtype(), out[1]->data(), i, 1.0);
  }

 private:
  int threads_ = 1;
  bool view_ = false;
};

// Transpose and the two block/space rearrangements, each as (view shape, permutation).
class TransposeKernel final : public Kernel {
 public:
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Node& n = s.node;
    const Shape& x = s.inputs[0].shape;
    Shape view = x;
    std::vector<int64_t> perm;
    if (n.op_type == "Transpose") {
      perm = n.attrs.get_ints("perm");
      if (!n.attrs.has("perm"))
        for (int i = static_cast<int>(x.size()) - 1; i >= 0; --i) perm.push_back(i);
    } else {
      const int64_t b = n.attrs.get_int("blocksize", 1);
      if (n.op_type == "SpaceToDepth") {
        view = {x[0], x[1], x[2] / b, b, x[3] / b, b};
        perm = {0, 3, 5, 1, 2, 4};
      } else if (n.opset >= 11 && n.attrs.get_string("mode", "DCR") == "CRD") {
        view = {x[0], x[1] / (b * b), b, b, x[2], x[3]};
        perm = {0, 1, 4, 2, 5, 3};
      } else {
        view = {x[0], b, b, x[1] / (b * b), x[2], x[3]};
        perm = {0, 3, 4, 1, 5, 2};
      }
    }
    plan_ = std::make_unique<TransposePlan>(view, perm, dtype_size(s.inputs[0].dtype));
    keeps_order_ = keeps_element_order(view, perm);
  }
  // A permutation that only moves axes of size 1 (ViT's (197,1,768) <-> (1,197,768)) leaves
  // every element where it was: the output may be a view of the input, like a Reshape.
  OutputSharing output_sharing() const override {
    if (!keeps_order_) return {};
    return {OutputSharing::Mode::View, {0}, false};
  }
  void set_output_shared(int input) override { view_ = input == 0; }
  std::string name() const override { return view_ ? "native:view" : "native:transpose"; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (!view_) plan_->run(in[0]->data(), out[0]->data(), threads_);
  }

 private:
  // The axes longer than 1 appear in `perm` in their original order.
  static bool keeps_element_order(const Shape& view, const std::vector<int64_t>& perm) {
    int64_t last = -1;
    for (int64_t a : perm) {
      if (view[a] == 1) continue;
      if (a < last) return false;
      last = a;
    }
    return true;
  }

  std::unique_ptr<TransposePlan> plan_;
  int threads_ = 1;
  bool keeps_order_ = false, view_ = false;
};

class ConcatKernel final : public Kernel {
 public:
  std::string name() const override { return "native:concat"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& y = s.outputs[0].shape;
    const int axis = concat_axis(s.node, static_cast<int>(y.size()));
    const int64_t es = static_cast<int64_t>(dtype_size(s.outputs[0].dtype));
    int64_t inner = es;
    outer_ = 1;
    for (int d = 0; d < static_cast<int>(y.size()); ++d)
      if (d < axis) outer_ *= y[d];
      else if (d > axis) inner *= y[d];
    run_bytes_.clear();
    for (const TensorInfo& t : s.inputs) run_bytes_.push_back(t.shape[axis] * inner);
    out_row_ = y[axis] * inner;
    big_ = s.outputs[0].bytes() >= kParallelBytes;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    char* y = static_cast<char*>(out[0]->data());
    if (outer_ == 1) {  // axis 0 (or all outer dims 1): one contiguous block per input
      int64_t off = 0;
      for (size_t i = 0; i < in.size(); ++i) {
        copy_bytes(y + off, in[i]->data(), run_bytes_[i], threads_);
        off += run_bytes_[i];
      }
      return;
    }
#pragma omp parallel for if (big_) num_threads(threads_) schedule(static)
    for (int64_t o = 0; o < outer_; ++o) {
      int64_t off = o * out_row_;
      for (size_t i = 0; i < in.size(); ++i) {
        std::memcpy(y + off, static_cast<const char*>(in[i]->data()) + o * run_bytes_[i], run_bytes_[i]);
        off += run_bytes_[i];
      }
    }
  }

 private:
  std::vector<int64_t> run_bytes_;
  int64_t outer_ = 1, out_row_ = 0;
  bool big_ = false;
  int threads_ = 1;
};

// Slice with unit steps: the trailing axes the slice keeps whole merge into one contiguous
// run; the axes before it are walked with an odometer.
class SliceKernel final : public Kernel {
 public:
  std::string name() const override { return "native:slice"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& x = s.inputs[0].shape;
    SliceSpec spec = slice_spec_from_inputs(s.node, x, s.constants);
    const int64_t es = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    const int rank = static_cast<int>(x.size());
    int k = rank - 1;  // innermost axis the slice actually cuts
    while (k >= 0 && spec.out[k] == x[k]) --k;
    int64_t inner = 1;
    for (int d = k + 1; d < rank; ++d) inner *= x[d];
    run_bytes_ = (k >= 0 ? spec.out[k] : 1) * inner * es;
    dims_.assign(spec.out.begin(), spec.out.begin() + std::max(k, 0));
    std::vector<int64_t> strides = contiguous_strides(x);
    base_ = 0;
    in_strides_.clear();
    for (int d = 0; d <= k; ++d) base_ += spec.start[d] * strides[d] * es;
    for (int d = 0; d < std::max(k, 0); ++d) in_strides_.push_back(strides[d] * es);
    count_ = shape_numel(spec.out) == 0 ? 0 : shape_numel(dims_);
    big_ = s.outputs[0].bytes() >= kParallelBytes;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const char* x = static_cast<const char*>(in[0]->data()) + base_;
    char* y = static_cast<char*>(out[0]->data());
    if (count_ == 1) {
      copy_bytes(y, x, run_bytes_, threads_);
      return;
    }
    const int n = static_cast<int>(dims_.size());
#pragma omp parallel for if (big_) num_threads(threads_) schedule(static)
    for (int64_t o = 0; o < count_; ++o) {
      int64_t rem = o, off = 0;
      for (int d = n - 1; d >= 0; --d) {
        off += (rem % dims_[d]) * in_strides_[d];
        rem /= dims_[d];
      }
      std::memcpy(y + o * run_bytes_, x + off, run_bytes_);
    }
  }

 private:
  std::vector<int64_t> dims_, in_strides_;  // odometer over the axes before the run (bytes)
  int64_t base_ = 0, run_bytes_ = 0, count_ = 0;
  bool big_ = false;
  int threads_ = 1;
};

class GatherKernel final : public Kernel {
 public:
  std::string name() const override { return "native:gather"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    node_name_ = Graph::describe(s.node);
    const Shape& x = s.inputs[0].shape;
    int64_t axis = s.node.attrs.get_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(x.size());
    outer_ = 1;
    run_bytes_ = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    for (int d = 0; d < static_cast<int>(x.size()); ++d)
      if (d < axis) outer_ *= x[d];
      else if (d > axis) run_bytes_ *= x[d];
    dim_ = x[axis];
    big_ = s.outputs[0].bytes() >= kParallelBytes;
    index_count_ = shape_numel(s.inputs[1].shape);
  }
  // The indices, validated and made non-negative once per run.
  size_t scratch_bytes() const override { return static_cast<size_t>(index_count_) * sizeof(int64_t); }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const Tensor& ind = *in[1];
    const int64_t count = ind.numel();
    int64_t* idx = static_cast<int64_t*>(scratch);
    for (int64_t j = 0; j < count; ++j) {
      int64_t v = element_as_int(ind, j);
      int64_t k = v < 0 ? v + dim_ : v;
      if (k < 0 || k >= dim_) fail(node_name_, ": index ", v, " is out of range for a dimension of size ", dim_);
      idx[j] = k;
    }
    const char* x = static_cast<const char*>(in[0]->data());
    char* y = static_cast<char*>(out[0]->data());
    auto source = [&](int64_t t) { return x + (t / count * dim_ + idx[t % count]) * run_bytes_; };
    const int64_t runs = outer_ * count;
    if (big_ && runs < 4 * threads_ && run_bytes_ >= kParallelBytes) {
      // Too few runs to share out evenly (a scalar index on axis 0 is one run): split each run.
      for (int64_t t = 0; t < runs; ++t) copy_bytes(y + t * run_bytes_, source(t), run_bytes_, threads_);
      return;
    }
#pragma omp parallel for if (big_) num_threads(threads_) schedule(static)
    for (int64_t t = 0; t < runs; ++t) std::memcpy(y + t * run_bytes_, source(t), run_bytes_);
  }

 private:
  std::string node_name_;  // for messages ("'Gather' node 'x' (opset 13)")
  int64_t outer_ = 1, dim_ = 0, run_bytes_ = 0, index_count_ = 0;
  bool big_ = false;
  int threads_ = 1;
};

template <typename K>
KernelDef kernel_def(const char* op, const char* name, std::function<bool(const KernelSetup&)> supports) {
  KernelDef d;
  d.op_type = op;
  d.name = name;
  d.priority = kPriority;
  d.supports = std::move(supports);
  d.create = [] { return std::make_unique<K>(); };
  return d;
}

bool movable_sizes(const KernelSetup& s) {
  const size_t es = dtype_size(s.inputs[0].dtype);
  return es == 1 || es == 2 || es == 4 || es == 8;
}

// Slice: all steps 1 and every parameter known at plan time (attributes, or constant inputs).
bool unit_step_slice(const KernelSetup& s) {
  if (s.node.opset >= 10) {
    for (size_t i = 1; i < s.inputs.size(); ++i)
      if (s.node.inputs[i] >= 0 && !s.constants[i]) return false;
    if (s.inputs.size() > 4 && s.constants[4])
      for (int64_t i = 0; i < s.constants[4]->numel(); ++i)
        if (element_as_int(*s.constants[4], i) != 1) return false;
  }
  return true;
}

}  // namespace
}  // namespace native

void register_native_data_movement_kernels(KernelRegistry& r) {
  using namespace native;
  auto any = [](const KernelSetup&) { return true; };
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"})
    r.add_kernel(kernel_def<CopyKernel>(op, "native:copy", any));
  for (const char* op : {"Transpose", "DepthToSpace", "SpaceToDepth"})
    r.add_kernel(kernel_def<TransposeKernel>(op, "native:transpose", movable_sizes));
  r.add_kernel(kernel_def<ConcatKernel>("Concat", "native:concat", any));
  r.add_kernel(kernel_def<SliceKernel>("Slice", "native:slice", unit_step_slice));
  r.add_kernel(kernel_def<GatherKernel>("Gather", "native:gather", any));
}

}  // namespace layerscope
