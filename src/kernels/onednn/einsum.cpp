// Two-operand Einsum as one batched dnnl::matmul. At prepare() the equation's labels are
// grouped by where they occur:
//   batch  in A, B and the output        M  in A and the output only
//   N      in B and the output only      K  in A and B only (contracted)
// so that Y[batch, M, N] = sum_K A[batch, M, K] * B[batch, K, N], each group flattened into one
// dim (batch, M, N in the output's order, K in A's). An operand whose groups already lie in
// memory as three blocks (any order of the blocks: A may be stored [batch, K, M], a transposed
// matrix) is handed to oneDNN in place through strides; otherwise it is permuted (copied) into
// scratch first: a plain transpose (native::TransposePlan) or, for diagonals and size-1 dims
// broadcast against the other operand, a strided gather. The result is written in place when
// the output's axes allow the same, else into scratch and permuted into the output.
// Declined (the reference runs): labels summed out of only one operand, empty tensors, types
// other than float32, and layouts oneDNN only offers its reference implementation for even
// after copying.
#include <algorithm>
#include <optional>

#include "kernels/native/transpose.h"
#include "kernels/onednn/onednn_common.h"
#include "ops/nn/einsum_equation.h"
#include "ops/op_utils.h"

namespace layerscope {
namespace {

using namespace onednn;

struct LabelGroups {
  std::vector<int> batch, m, n, k;
};

// The four groups, or nullopt when a label is summed out of one operand only (that needs a
// reduction before the product, which the reference does instead).
std::optional<LabelGroups> group_labels(const EinsumSpec& s) {
  LabelGroups g;
  for (int l : s.output_labels) {
    const bool a = s.in_operand(0, l), b = s.in_operand(1, l);
    (a && b ? g.batch : a ? g.m : g.n).push_back(l);
  }
  for (int l : s.operand_labels[0]) {
    const bool seen = std::find(g.k.begin(), g.k.end(), l) != g.k.end();
    if (!s.in_output(l) && !seen) {
      if (!s.in_operand(1, l)) return std::nullopt;
      g.k.push_back(l);
    }
  }
  for (int l : s.operand_labels[1])
    if (!s.in_output(l) && !s.in_operand(0, l)) return std::nullopt;
  return g;
}

int64_t group_size(const EinsumSpec& s, const std::vector<int>& labels) {
  int64_t r = 1;
  for (int l : labels) r *= s.label_size[l];
  return r;
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> r;
  for (const std::vector<int>* p : parts) r.insert(r.end(), p->begin(), p->end());
  return r;
}

// The stride that walks `labels` (row-major among themselves) as one flattened index, given
// per-label strides; 0 when the group has no label of size > 1 (any stride will do); nullopt
// when the labels are not laid out as one block in that order.
std::optional<int64_t> block_stride(const EinsumSpec& s, const std::vector<int>& labels,
                                    const std::vector<int64_t>& st) {
  int64_t stride = 0, next = -1;
  for (size_t i = labels.size(); i-- > 0;) {
    const int l = labels[i];
    if (s.label_size[l] == 1) continue;
    if (next < 0) stride = st[l];
    else if (st[l] != next) return std::nullopt;
    next = st[l] * s.label_size[l];
  }
  return stride;
}

// A [batch, rows, cols] matrix over three label groups, as oneDNN sees it.
struct MatrixView {
  std::vector<int> order;                // batch, rows, cols labels: the layout of the scratch copy
  dims shape;                            // {batch, rows, cols}
  std::optional<dims> in_place_strides;  // set when the tensor itself can be handed over
};

// Strides for viewing a tensor (per-label strides `st`, every label once, none broadcast) as
// `shape` over the three groups, or nullopt. oneDNN's optimized matmuls read a matrix row-major
// (column stride 1) or transposed (row stride 1) under an outermost batch, so a view is offered
// only in that form; a dim of size 1 gets the stride that makes the matrix look like one of the
// two (its own stride does not matter for addressing).
std::optional<dims> block_strides(const EinsumSpec& s, const std::vector<int>* groups[3],
                                  const std::vector<int64_t>& st, const dims& shape) {
  dims r(3);
  for (int d = 0; d < 3; ++d) {
    std::optional<int64_t> b = block_stride(s, *groups[d], st);
    if (!b) return std::nullopt;
    r[d] = *b;
  }
  const int64_t rows = shape[1], cols = shape[2];
  if (cols == 1) r[2] = 1;                     // a column: row-major with leading dim r[1]
  if (rows == 1) r[1] = r[2] == 1 ? cols : 1;  // a row: row-major, or transposed with leading dim r[2]
  if (r[1] != 1 && r[2] != 1) return std::nullopt;
  const int64_t extent = std::max(rows * r[1], cols * r[2]);
  if (shape[0] == 1) r[0] = extent;
  else if (r[0] < extent) return std::nullopt;  // batch inside the matrix: copy instead
  return r;
}

MatrixView matrix_view(const EinsumSpec& s, const std::vector<int>& batch, const std::vector<int>& rows,
                       const std::vector<int>& cols, int operand /* -1: the output */) {
  MatrixView v;
  v.order = concat({&batch, &rows, &cols});
  v.shape = {group_size(s, batch), group_size(s, rows), group_size(s, cols)};
  const std::vector<int>* groups[3] = {&batch, &rows, &cols};
  if (operand >= 0) {
    if (s.plain_axes(operand)) v.in_place_strides = block_strides(s, groups, s.label_strides(operand), v.shape);
  } else {
    std::vector<int64_t> st(s.num_labels(), 0);
    const std::vector<int64_t> cs = contiguous_strides(s.output_shape());
    for (size_t a = 0; a < s.output_labels.size(); ++a) st[s.output_labels[a]] = cs[a];
    v.in_place_strides = block_strides(s, groups, st, v.shape);
  }
  return v;
}

// dst (row-major over dims) = src read with per-dim element strides (0 = broadcast): the copy
// for operands a transpose cannot express (diagonals, broadcast size-1 dims).
void gather_strided(const float* src, float* dst, const std::vector<int64_t>& dims_,
                    const std::vector<int64_t>& strides, int threads) {
  if (dims_.empty()) {
    dst[0] = src[0];
    return;
  }
  const int r = static_cast<int>(dims_.size());
  const int64_t inner = dims_[r - 1], is = strides[r - 1], rows = shape_numel(dims_) / inner;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rem = row, off = 0;
    for (int d = r - 2; d >= 0; --d) {
      off += (rem % dims_[d]) * strides[d];
      rem /= dims_[d];
    }
    float* o = dst + row * inner;
    const float* p = src + off;
    for (int64_t j = 0; j < inner; ++j) o[j] = p[j * is];
  }
}

// How one operand reaches the matmul: in place, transposed into scratch, or gathered.
struct OperandCopy {
  bool copy = false;
  std::optional<native::TransposePlan> transpose;
  std::vector<int64_t> gather_dims, gather_strides;
  size_t bytes = 0;

  void prepare(const EinsumSpec& s, int k, const MatrixView& v) {
    copy = true;
    bytes = static_cast<size_t>(v.shape[0] * v.shape[1] * v.shape[2]) * sizeof(float);
    if (s.plain_axes(k)) {
      std::vector<int64_t> perm;
      for (int l : v.order)
        for (size_t a = 0; a < s.operand_labels[k].size(); ++a)
          if (s.operand_labels[k][a] == l) perm.push_back(static_cast<int64_t>(a));
      transpose.emplace(s.operand_shapes[k], perm, sizeof(float));
    } else {
      const std::vector<int64_t> st = s.label_strides(k);
      for (int l : v.order) {
        gather_dims.push_back(s.label_size[l]);
        gather_strides.push_back(st[l]);
      }
    }
  }
  void run(const void* src, void* dst, int threads) const {
    if (transpose) transpose->run(src, dst, threads);
    else gather_strided(static_cast<const float*>(src), static_cast<float*>(dst), gather_dims, gather_strides, threads);
  }
};

size_t round64(size_t b) { return (b + 63) / 64 * 64; }

struct EinsumBuild {
  EinsumSpec spec;
  MatrixView a, b, c;
  dnnl::matmul::primitive_desc pd;
  bool copy_a = false, copy_b = false, copy_c = false;
};

// Builds the matmul, reading and writing in place wherever the layouts allow and oneDNN has an
// optimized implementation for those strides, copying the others into plain [batch, rows, cols].
EinsumBuild build_einsum(const KernelSetup& s) {
  EinsumBuild e;
  std::vector<Shape> shapes{s.inputs[0].shape, s.inputs[1].shape};
  e.spec = einsum_spec(s.node, shapes);
  std::optional<LabelGroups> g = group_labels(e.spec);
  if (!g) fail(Graph::describe(s.node), ": a label is summed out of one operand only");
  e.a = matrix_view(e.spec, g->batch, g->m, g->k, 0);
  e.b = matrix_view(e.spec, g->batch, g->k, g->n, 1);
  e.c = matrix_view(e.spec, g->batch, g->m, g->n, -1);
  // Fewest copies first: every view that is possible, then one copied, two, all three.
  const bool can_view[3] = {e.a.in_place_strides.has_value(), e.b.in_place_strides.has_value(),
                            e.c.in_place_strides.has_value()};
  auto md = [](const MatrixView& v, bool copy) {
    return copy ? plain_md(v.shape) : strided_md(v.shape, *v.in_place_strides);
  };
  for (int copies = 0; copies <= 3; ++copies)
    for (int mask = 0; mask < 8; ++mask) {  // bit i set: operand i (A, B, C) is copied
      if (__builtin_popcount(mask) != copies) continue;
      bool possible = true;
      for (int i = 0; i < 3; ++i) possible &= (mask >> i & 1) || can_view[i];
      if (!possible) continue;
      e.copy_a = mask & 1;
      e.copy_b = mask & 2;
      e.copy_c = mask & 4;
      const bool last = mask == 7;
      try {
        e.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(md(e.a, e.copy_a), md(e.b, e.copy_b), md(e.c, e.copy_c)),
                                            base_attr(), engine());
        require_optimized(e.pd);
        return e;
      } catch (const dnnl::error&) {
        if (last) throw;
      } catch (const Error&) {
        if (last) throw;
      }
    }
  return e;  // not reached: the all-copied attempt returns or throws
}

bool einsum_supported(const KernelSetup& s) {
  if (s.inputs.size() != 2 || !inputs_f32(s, {0, 1}) || !outputs_f32(s) || any_empty(s)) return false;
  return succeeds([&] { build_einsum(s); });
}

class EinsumKernel : public OnednnKernel {
 public:
  std::string name() const override { return "onednn:einsum:" + runner_.name().substr(sizeof("onednn:") - 1); }
  size_t scratch_bytes() const override { return c_offset_ + c_copy_bytes_; }

  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    EinsumBuild e = build_einsum(s);
    threads_ = s.threads;
    runner_.init(dnnl::matmul(e.pd), e.pd);
    auto bind = [&](int arg, const MatrixView& v, bool copy) {
      runner_.bind(arg, copy ? plain_md(v.shape) : strided_md(v.shape, *v.in_place_strides));
    };
    bind(DNNL_ARG_SRC, e.a, e.copy_a);
    bind(DNNL_ARG_WEIGHTS, e.b, e.copy_b);
    bind(DNNL_ARG_DST, e.c, e.copy_c);
    if (e.copy_a) a_.prepare(e.spec, 0, e.a);
    if (e.copy_b) b_.prepare(e.spec, 1, e.b);
    if (e.copy_c) {
      // Scratch holds [batch..., M..., N...] (c.order); out axis i takes c.order's axis perm[i].
      Shape c_full;
      for (int l : e.c.order) c_full.push_back(e.spec.label_size[l]);
      std::vector<int64_t> perm;
      for (int l : e.spec.output_labels)
        perm.push_back(std::find(e.c.order.begin(), e.c.order.end(), l) - e.c.order.begin());
      c_transpose_.emplace(c_full, perm, sizeof(float));
      c_copy_bytes_ = static_cast<size_t>(shape_numel(c_full)) * sizeof(float);
    }
    a_offset_ = round64(runner_.scratch_bytes());
    b_offset_ = a_offset_ + round64(a_.bytes);
    c_offset_ = b_offset_ + round64(b_.bytes);
  }

  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    char* base = static_cast<char*>(scratch);
    const void* a = in[0]->data();
    const void* b = in[1]->data();
    if (a_.copy) {
      a_.run(a, base + a_offset_, threads_);
      a = base + a_offset_;
    }
    if (b_.copy) {
      b_.run(b, base + b_offset_, threads_);
      b = base + b_offset_;
    }
    runner_.set(DNNL_ARG_SRC, a);
    runner_.set(DNNL_ARG_WEIGHTS, b);
    runner_.set(DNNL_ARG_DST, c_transpose_ ? base + c_offset_ : out[0]->data());
    runner_.run(scratch);
    if (c_transpose_) c_transpose_->run(base + c_offset_, out[0]->data(), threads_);
  }

 private:
  int threads_ = 1;
  OperandCopy a_, b_;
  std::optional<native::TransposePlan> c_transpose_;
  size_t a_offset_ = 0, b_offset_ = 0, c_offset_ = 0, c_copy_bytes_ = 0;
};

}  // namespace

void register_onednn_einsum(KernelRegistry& r) {
  onednn::add_kernel(r, "Einsum", "einsum", einsum_supported, [] { return std::make_unique<EinsumKernel>(); });
}

}  // namespace layerscope
