// native:pad: Pad in every mode (constant, edge, reflect, wrap), any rank, negative pads
// (cropping), pads and axes from constants (attributes before opset 11).
//   y[o] = x[src_0(o_0), ..., src_r(o_r)],  src_d(o_d) = pad_source(mode, o_d - begin_d, X_d),
//   or the fill value when some src_d falls outside in constant mode.
// The mapping is separable per axis, so the trailing axes that are not padded merge into one
// "unit" of contiguous bytes; the innermost padded axis k is a row of Y_k units: its middle part
// is one memcpy from the source row, its borders are fill or per-unit copies; the rows (axes
// before k) are shared among the plan's threads. A row whose outer index lies in a constant
// border is fill only.
// Layouts: Plain; and, when only spatial axes are padded (pads on N and C are zero, rank 3-5),
// channels-last and the channel-blocked layouts, reading and writing the same layout (the
// buffer is then a plain tensor of shape [N, D1..Dk, C] or [N, C/b, D1..Dk, b] padded on the
// D axes). A blocked buffer with zero-padded channels is only taken when no non-zero fill can
// reach those padding slots (modes other than constant copy them from the input, which are zero).
#include <algorithm>
#include <cstring>

#include "kernels/kernel_registry.h"
#include "kernels/parallel_copy.h"
#include "ops/tensor/common.h"

namespace layerscope {
namespace native {
namespace {

constexpr int kPriority = 10;
// Fill is copied from a pattern buffer of at most this many bytes (a multiple of the element).
constexpr int64_t kFillPatternBytes = 64 * 1024;

// The node's pads and axes inputs (opset 11+) are constants: shapes and copies are planned once.
bool pads_known(const KernelSetup& s) {
  if (s.node.opset < 11) return true;
  if (s.inputs.size() < 2 || !s.constants[1]) return false;
  return s.inputs.size() < 4 || s.node.inputs[3] < 0 || s.constants[3];
}

PadSpec spec_of(const KernelSetup& s) {
  const int rank = static_cast<int>(s.inputs[0].shape.size());
  return pad_spec(s.node, s.node.opset, rank, s.node.opset >= 11 ? s.constants[1] : nullptr,
                  s.inputs.size() > 3 && s.node.inputs[3] >= 0 ? s.constants[3] : nullptr);
}

// The fill is known at plan time to be zero (attribute, constant input, or absent).
bool fill_known_zero(const KernelSetup& s) {
  const Tensor* value = nullptr;
  if (s.node.opset >= 11 && s.inputs.size() > 2 && s.node.inputs[2] >= 0) {
    if (!s.constants[2]) return false;
    value = s.constants[2];
  }
  return pad_fill(s.node, s.node.opset, s.inputs[0].dtype, value) == 0;
}

// Only the spatial axes (2..) are padded.
bool spatial_pads_only(const PadSpec& p) {
  for (int d = 0; d < 2 && d < static_cast<int>(p.begin.size()); ++d)
    if (p.begin[d] != 0 || p.end[d] != 0) return false;
  return true;
}

// Which non-Plain layouts this node can run in (input and output alike), see the file comment.
bool layout_ok(const KernelSetup& s, Layout l) {
  const Shape& x = s.inputs[0].shape;
  if (l == Layout::Plain) return true;
  if (x.size() < 3 || x.size() > 5 || !spatial_pads_only(spec_of(s))) return false;
  if (l == Layout::ChannelsLast || padding_free(x, l)) return true;
  return spec_of(s).mode != PadMode::Constant || fill_known_zero(s);
}

bool supports(const KernelSetup& s) {
  if (!is_movable(s.inputs[0].dtype) || !pads_known(s)) return false;
  if (s.all_plain()) return true;
  const Layout l = s.input_layout(0);
  for (size_t i = 1; i < s.input_layouts.size(); ++i)
    if (s.input_layouts[i] != Layout::Plain) return false;
  if (s.output_layout(0) != l) return false;
  return layout_ok(s, l);
}

class PadKernel final : public Kernel {
 public:
  std::string name() const override { return "native:pad"; }

  void prepare(const KernelSetup& s) override {
    threads_ = std::max(1, s.threads);
    opset_ = s.node.opset;
    node_ = s.node;
    dtype_ = s.inputs[0].dtype;
    es_ = static_cast<int64_t>(dtype_size(dtype_));
    const PadSpec spec = spec_of(s);
    mode_ = spec.mode;
    physical(s.inputs[0].shape, spec, s.input_layout(0));
    const int rank = static_cast<int>(x_.size());
    // k: the innermost padded axis; the axes after it merge into the unit.
    k_ = rank - 1;
    while (k_ >= 0 && begin_[k_] == 0 && y_[k_] == x_[k_]) --k_;
    unit_ = es_;
    for (int d = k_ + 1; d < rank; ++d) unit_ *= x_[d];
    out_bytes_ = es_;
    for (int64_t d : y_) out_bytes_ *= d;
    rows_ = 1;
    for (int d = 0; d < k_; ++d) rows_ *= y_[d];
    x_strides_.assign(std::max(k_, 0), 0);
    int64_t stride = unit_;
    if (k_ >= 0) stride *= x_[k_];
    for (int d = k_ - 1; d >= 0; --d) {
      x_strides_[d] = stride;
      stride *= x_[d];
    }
    row_units_ = k_ >= 0 ? y_[k_] : 1;
    fill_bytes_ = mode_ == PadMode::Constant ? std::min(kFillPatternBytes / es_ * es_, row_units_ * unit_) : 0;
    fill_bytes_ = std::max<int64_t>(fill_bytes_, mode_ == PadMode::Constant ? es_ : 0);
  }

  // The fill pattern (constant mode): the value repeated, built per run since the value may be
  // an input computed at run time.
  size_t scratch_bytes() const override { return static_cast<size_t>(fill_bytes_); }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    const char* x = static_cast<const char*>(in[0]->data());
    char* y = static_cast<char*>(out[0]->data());
    if (out_bytes_ == 0) return;
    char* pattern = static_cast<char*>(scratch);
    zero_fill_ = true;
    if (mode_ == PadMode::Constant) {
      const uint64_t fill = pad_fill(node_, opset_, dtype_, in.size() > 2 ? in[2] : nullptr);
      zero_fill_ = fill == 0;
      for (int64_t b = 0; b < fill_bytes_; b += es_) std::memcpy(pattern + b, &fill, es_);
    }
    if (k_ < 0) {  // nothing padded
      copy_bytes(y, x, out_bytes_, threads_);
      return;
    }
    const int64_t row_bytes = row_units_ * unit_;
    if (rows_ < 2 * threads_ || out_bytes_ < kParallelCopyBytes) {
      // Few rows (only leading axes padded): the middle of each row is split across threads.
      for (int64_t r = 0; r < rows_; ++r) pad_row(x, y + r * row_bytes, pattern, r, threads_);
      return;
    }
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int64_t r = 0; r < rows_; ++r) pad_row(x, y + r * row_bytes, pattern, r, 1);
  }

 private:
  // The buffer as a plain tensor: the logical shape permuted / blocked by the layout, pads
  // likewise (spatial_pads_only holds for non-Plain layouts).
  void physical(const Shape& x, const PadSpec& p, Layout l) {
    x_ = x;
    begin_ = p.begin;
    std::vector<int64_t> end = p.end;
    if (l == Layout::ChannelsLast) {  // [N, C, D...] -> [N, D..., C]
      std::rotate(x_.begin() + 1, x_.begin() + 2, x_.end());
      std::rotate(begin_.begin() + 1, begin_.begin() + 2, begin_.end());
      std::rotate(end.begin() + 1, end.begin() + 2, end.end());
    } else if (l != Layout::Plain) {  // [N, C, D...] -> [N, ceil(C/b), D..., b]
      const int64_t b = layout_channel_block(l);
      x_[1] = (x_[1] + b - 1) / b;
      x_.push_back(b);
      begin_.push_back(0);
      end.push_back(0);
    }
    y_ = x_;
    for (size_t d = 0; d < y_.size(); ++d) y_[d] += begin_[d] + end[d];
  }

  // Fills `bytes` (a multiple of the element size) at dst with the fill value.
  void fill(char* dst, int64_t bytes, const char* pattern) const {
    if (zero_fill_) {
      std::memset(dst, 0, bytes);
      return;
    }
    for (int64_t b = 0; b < bytes; b += fill_bytes_) std::memcpy(dst + b, pattern, std::min(fill_bytes_, bytes - b));
  }

  // Output row r (index over the axes before k): its source row, border units and middle.
  void pad_row(const char* x, char* dst, const char* pattern, int64_t r, int threads) const {
    const int64_t row_bytes = row_units_ * unit_;
    int64_t off = 0;
    for (int d = k_ - 1; d >= 0; --d) {
      const int64_t o = r % y_[d];
      r /= y_[d];
      const int64_t src = pad_source(mode_, o - begin_[d], x_[d]);
      if (src < 0) return fill(dst, row_bytes, pattern);  // a constant border row
      off += src * x_strides_[d];
    }
    const char* row = x + off;
    const int64_t n = row_units_, b = begin_[k_], xk = x_[k_];
    const int64_t lo = std::clamp<int64_t>(b, 0, n), hi = std::clamp<int64_t>(b + xk, 0, n);
    if (hi > lo) copy_bytes(dst + lo * unit_, row + (lo - b) * unit_, (hi - lo) * unit_, threads);
    auto border = [&](int64_t j0, int64_t j1) {
      if (j1 <= j0) return;
      if (mode_ == PadMode::Constant) return fill(dst + j0 * unit_, (j1 - j0) * unit_, pattern);
      for (int64_t j = j0; j < j1; ++j) std::memcpy(dst + j * unit_, row + pad_source(mode_, j - b, xk) * unit_, unit_);
    };
    border(0, std::min(lo, n));
    border(std::max(hi, lo), n);
  }

  Node node_;  // for the fill value (attribute or input 2)
  int opset_ = 0;
  DType dtype_ = DType::F32;
  PadMode mode_ = PadMode::Constant;
  Shape x_, y_;                     // physical shapes
  std::vector<int64_t> begin_;      // physical pads before each axis
  std::vector<int64_t> x_strides_;  // bytes, axes before k
  int k_ = -1;
  int64_t es_ = 4, unit_ = 0, rows_ = 0, row_units_ = 0, out_bytes_ = 0, fill_bytes_ = 0;
  int threads_ = 1;
  bool zero_fill_ = true;
};

}  // namespace
}  // namespace native

void register_native_pad_kernels(KernelRegistry& r) {
  KernelDef d;
  d.op_type = "Pad";
  d.name = "native:pad";
  d.priority = native::kPriority;
  d.supports = native::supports;
  d.create = [] { return std::make_unique<native::PadKernel>(); };
  d.accepts_layouts = true;
  // Pad follows its input's layout when it can run in it (pooling after a padded convolution
  // output stays in the convolution's layout).
  d.preferred_layouts = [](const KernelSetup& s) -> std::optional<LayoutChoice> {
    const Shape& x = s.inputs[0].shape;
    if (x.size() < 3 || x.size() > 5 || !native::spatial_pads_only(native::spec_of(s))) return std::nullopt;
    LayoutChoice c;
    c.follows_input = true;
    return c;
  };
  r.add_kernel(std::move(d));
}

}  // namespace layerscope
