// Native data movement kernels (every element type; they move bytes):
//   native:view       Reshape Flatten Squeeze Unsqueeze Identity Dropout: no work at all, when
//                     the memory planner put the output in the input's buffer
//                     (Kernel::output_sharing, runtime/memory_sharing.cpp)
//   native:copy       the same ops when it could not (e.g. the input is a graph input): one memcpy;
//                     also Cast and CastLike to the type the input already has
//   native:transpose  Transpose DepthToSpace SpaceToDepth (kernels/native/transpose.h); a
//                     Transpose that only moves size-1 axes is a native:view, as Reshape
//   native:concat     Concat: one memcpy per (input, outer index)
//   native:split      Split: one memcpy per (output, outer index); a Split into one output is a
//                     native:view when the memory planner could share the buffer
//   native:slice      Slice, any steps: memcpy of the contiguous runs (strided elements when
//                     the last axis has a step)
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
    if (out.size() > 1 && out[1]) fill_kept(*out[1]);
  }

 private:
  // Dropout's mask at inference: everything kept (bool true from opset 10, before that 1 in
  // the data's type): one element written, then doubled by memcpy (a per-element conversion
  // cost Swin's attention masks milliseconds per run).
  static void fill_kept(Tensor& mask) {
    const int64_t n = mask.numel(), es = static_cast<int64_t>(dtype_size(mask.dtype()));
    if (n == 0) return;
    char* p = static_cast<char*>(mask.data());
    store_double(mask.dtype(), p, 0, 1.0);
    for (int64_t have = 1; have < n; have *= 2) std::memcpy(p + have * es, p, std::min(have, n - have) * es);
  }

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

// Concat: per outer index, each input's part in order. Along channels it also runs in the layout
// its inputs arrive in (all the same: LayoutChoice::all_inputs_follow), when that layout has no
// channel padding: a blocked buffer [N, C/b, S, b] then holds each image's channels as a plain
// one does (C*S contiguous elements per image), and channels-last [N, S, C] concatenates per
// pixel: outer N*S, parts of C_i elements.
class ConcatKernel final : public Kernel {
 public:
  std::string name() const override { return "native:concat"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& y = s.outputs[0].shape;
    const int concat_on = concat_axis(s.node, static_cast<int>(y.size()));  // in the logical shape
    int axis = concat_on;                                                   // in the buffer's order
    const int64_t es = static_cast<int64_t>(dtype_size(s.outputs[0].dtype));
    Shape ordered = y;  // the dims in buffer order: channels-last moves C to the end
    if (s.output_layout(0) == Layout::ChannelsLast) {
      ordered.erase(ordered.begin() + 1);
      ordered.push_back(y[1]);
      axis = static_cast<int>(y.size()) - 1;
    }
    int64_t inner;
    outer_inner(ordered, axis, &outer_, &inner);
    inner *= es;
    run_bytes_.clear();
    for (const TensorInfo& t : s.inputs) run_bytes_.push_back(t.shape[concat_on] * inner);
    out_row_ = y[concat_on] * inner;
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

// Split, the mirror of Concat: each output's part of every outer row, in order. The parts'
// sizes are the outputs' extents along the axis (known at prepare, whatever form the split
// sizes took). Detectors' exports split a tensor into one output: that is a copy, or a view.
class SplitKernel final : public Kernel {
 public:
  std::string name() const override { return view_ ? "native:view" : "native:split"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& x = s.inputs[0].shape;
    int axis = static_cast<int>(s.node.attrs.get_int("axis", 0));
    if (axis < 0) axis += static_cast<int>(x.size());
    int64_t inner;
    outer_inner(x, axis, &outer_, &inner);
    inner *= static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    run_bytes_.clear();
    for (const TensorInfo& t : s.outputs) run_bytes_.push_back(t.shape[axis] * inner);
    in_row_ = x[axis] * inner;
    big_ = s.inputs[0].bytes() >= kParallelBytes;
    single_ = s.outputs.size() == 1;
  }
  OutputSharing output_sharing() const override {
    return single_ ? OutputSharing{OutputSharing::Mode::View, {0}, false} : OutputSharing{};
  }
  void set_output_shared(int input) override { view_ = input == 0; }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    if (view_) return;
    const char* x = static_cast<const char*>(in[0]->data());
    if (outer_ == 1) {  // axis 0 (or all outer dims 1): one contiguous block per output
      int64_t off = 0;
      for (size_t k = 0; k < out.size(); ++k) {
        if (out[k]) copy_bytes(out[k]->data(), x + off, run_bytes_[k], threads_);
        off += run_bytes_[k];
      }
      return;
    }
#pragma omp parallel for if (big_) num_threads(threads_) schedule(static)
    for (int64_t o = 0; o < outer_; ++o) {
      int64_t off = o * in_row_;
      for (size_t k = 0; k < out.size(); ++k) {
        if (out[k]) std::memcpy(static_cast<char*>(out[k]->data()) + o * run_bytes_[k], x + off, run_bytes_[k]);
        off += run_bytes_[k];
      }
    }
  }

 private:
  std::vector<int64_t> run_bytes_;  // per output: its part of one outer row
  int64_t outer_ = 1, in_row_ = 0;
  bool big_ = false, single_ = false, view_ = false;
  int threads_ = 1;
};

// Slice, any steps: out[i] = in[start + i * step] per axis. The trailing axes the slice keeps
// whole merge into one contiguous run; if the innermost cut axis k has step 1 its slice joins
// the run too, else it is the innermost odometer axis (a run per step, strided by step). The
// axes before are walked with an odometer; a negative step is a negative stride from the
// slice's first element. Runs of one element are copied typed (a step on the last axis).
class SliceKernel final : public Kernel {
 public:
  std::string name() const override { return "native:slice"; }
  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    const Shape& x = s.inputs[0].shape;
    SliceSpec spec = slice_spec_from_inputs(s.node, x, s.constants);
    es_ = static_cast<int64_t>(dtype_size(s.inputs[0].dtype));
    const int rank = static_cast<int>(x.size());
    int k = rank - 1;  // innermost axis the slice actually cuts
    while (k >= 0 && spec.out[k] == x[k] && spec.step[k] == 1) --k;
    const bool strided = k >= 0 && spec.step[k] != 1;
    int64_t inner = 1;
    for (int d = k + 1; d < rank; ++d) inner *= x[d];
    run_bytes_ = (k >= 0 && !strided ? spec.out[k] : 1) * inner * es_;
    const int walked = strided ? k + 1 : std::max(k, 0);  // odometer axes
    dims_.assign(spec.out.begin(), spec.out.begin() + walked);
    std::vector<int64_t> strides = contiguous_strides(x);
    base_ = 0;
    in_strides_.clear();
    for (int d = 0; d <= k; ++d) base_ += spec.start[d] * strides[d] * es_;
    for (int d = 0; d < walked; ++d) in_strides_.push_back(spec.step[d] * strides[d] * es_);
    if (dims_.empty()) {  // one run: the odometer has a single row of one
      dims_ = {1};
      in_strides_ = {0};
    }
    inner_count_ = dims_.back();
    inner_stride_ = in_strides_.back();
    rows_ = shape_numel(spec.out) == 0 ? 0 : shape_numel(dims_) / inner_count_;
    big_ = s.outputs[0].bytes() >= kParallelBytes;
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void*) override {
    const char* x = static_cast<const char*>(in[0]->data()) + base_;
    char* y = static_cast<char*>(out[0]->data());
    if (rows_ == 1 && inner_count_ == 1) {
      copy_bytes(y, x, run_bytes_, threads_);
      return;
    }
    const int n = static_cast<int>(dims_.size()) - 1;  // axes before the innermost
    const int64_t row_bytes = inner_count_ * run_bytes_;
#pragma omp parallel for if (big_) num_threads(threads_) schedule(static)
    for (int64_t r = 0; r < rows_; ++r) {
      int64_t rem = r, off = 0;
      for (int d = n - 1; d >= 0; --d) {
        off += (rem % dims_[d]) * in_strides_[d];
        rem /= dims_[d];
      }
      copy_row(y + r * row_bytes, x + off);
    }
  }

 private:
  template <typename T>
  void copy_elements(char* dst, const char* src) const {
    T* d = reinterpret_cast<T*>(dst);
    for (int64_t i = 0; i < inner_count_; ++i) std::memcpy(d + i, src + i * inner_stride_, sizeof(T));
  }
  void copy_row(char* dst, const char* src) const {
    if (run_bytes_ == es_) switch (es_) {
        case 1: return copy_elements<uint8_t>(dst, src);
        case 2: return copy_elements<uint16_t>(dst, src);
        case 4: return copy_elements<uint32_t>(dst, src);
        case 8: return copy_elements<uint64_t>(dst, src);
        default: break;
      }
    for (int64_t i = 0; i < inner_count_; ++i) std::memcpy(dst + i * run_bytes_, src + i * inner_stride_, run_bytes_);
  }

  std::vector<int64_t> dims_, in_strides_;  // odometer over the walked axes (bytes)
  int64_t base_ = 0, run_bytes_ = 0, rows_ = 0, inner_count_ = 1, inner_stride_ = 0, es_ = 1;
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

// Moving no bytes is still moving bytes: every kernel here handles empty tensors.
template <typename K>
KernelDef kernel_def(const char* op, const char* name, std::function<bool(const KernelSetup&)> supports) {
  KernelDef d;
  d.op_type = op;
  d.name = name;
  d.priority = kPriority;
  d.supports = std::move(supports);
  d.create = [] { return std::make_unique<K>(); };
  d.accepts_empty = true;
  return d;
}

bool movable_sizes(const KernelSetup& s) {
  const size_t es = dtype_size(s.inputs[0].dtype);
  return es == 1 || es == 2 || es == 4 || es == 8;
}

// Concat: Plain, or along channels with every input and the output in one padding-free layout.
bool concat_supports(const KernelSetup& s) {
  const Layout l = s.output_layout(0);
  if (l == Layout::Plain) return s.all_plain();
  const Shape& y = s.outputs[0].shape;
  if (y.size() < 3 || y.size() > 5 || concat_axis(s.node, static_cast<int>(y.size())) != 1) return false;
  if (!padding_free(y, l)) return false;
  for (size_t i = 0; i < s.inputs.size(); ++i)
    if (s.input_layout(i) != l || !padding_free(s.inputs[i].shape, l)) return false;
  return true;
}

std::optional<LayoutChoice> concat_layouts(const KernelSetup& s) {
  const Shape& y = s.outputs[0].shape;
  if (y.size() < 3 || y.size() > 5 || concat_axis(s.node, static_cast<int>(y.size())) != 1) return std::nullopt;
  LayoutChoice c;
  c.follows_input = true;
  c.all_inputs_follow = true;
  return c;
}

// Slice: every parameter known at plan time (attributes, or constant inputs).
bool known_slice(const KernelSetup& s) {
  if (s.node.opset >= 10)
    for (size_t i = 1; i < s.inputs.size(); ++i)
      if (s.node.inputs[i] >= 0 && !s.constants[i]) return false;
  return true;
}

}  // namespace
}  // namespace native

void register_native_data_movement_kernels(KernelRegistry& r) {
  using namespace native;
  auto any = [](const KernelSetup&) { return true; };
  for (const char* op : {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"})
    r.add_kernel(kernel_def<CopyKernel>(op, "native:copy", any));
  // A Cast or CastLike to the type it already has (Faster R-CNN's box pooling casts its float
  // result to float) moves bytes only.
  auto same_type = [](const KernelSetup& s) { return s.inputs[0].dtype == s.outputs[0].dtype; };
  for (const char* op : {"Cast", "CastLike"}) r.add_kernel(kernel_def<CopyKernel>(op, "native:copy", same_type));
  for (const char* op : {"Transpose", "DepthToSpace", "SpaceToDepth"})
    r.add_kernel(kernel_def<TransposeKernel>(op, "native:transpose", movable_sizes));
  KernelDef concat = kernel_def<ConcatKernel>("Concat", "native:concat", concat_supports);
  concat.accepts_layouts = true;
  concat.preferred_layouts = concat_layouts;
  r.add_kernel(std::move(concat));
  r.add_kernel(kernel_def<SplitKernel>("Split", "native:split", any));
  r.add_kernel(kernel_def<SliceKernel>("Slice", "native:slice", known_slice));
  r.add_kernel(kernel_def<GatherKernel>("Gather", "native:gather", any));
}

}  // namespace layerscope
