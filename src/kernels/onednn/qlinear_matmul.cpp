// QLinearMatMul on oneDNN's int8 matmul (VNNI brgemm where the CPU has it): the QOperator
// models' matmuls and what passes/fuse_qdq.cpp makes of QDQ ones (transformer linear layers
// with constant int8 weights, and attention's two activation operands).
//   y = saturate(round((a - a_zp) x (b - b_zp) * a_scale * b_scale[n] / y_scale) + y_zp)
// oneDNN 2.6 computes this with output scales (one, or one per column n) and zero points given
// as constants when the primitive is created (with run-time values it falls back to a slow
// generic implementation), so the node's scales and zero points must be constants, per tensor
// except b_scale, which may be per column. b: int8; constant weights need zero points of 0 (they
// are packed once, oneDNN's compensation included); an activation b may have one zero point.
// Batch dims broadcast as in numpy; a shared B folds A's batch into M (one GEMM).
#include <cmath>

#include "kernels/onednn/conv_common.h"
#include "ops/nn/matmul_shape.h"

namespace layerscope {
namespace {

using namespace onednn;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

enum QMatMulInput { kA = 0, kAScale, kAZero, kB, kBScale, kBZero, kYScale, kYZero };

bool constant(const KernelSetup& s, int k) { return !has_input(s, k) || s.constants[k] != nullptr; }

// Element i of an integer constant (int8, uint8, int32), 0 when absent.
int32_t int_at(const KernelSetup& s, int k, int64_t i) {
  if (!has_input(s, k)) return 0;
  const Tensor& t = *s.constants[k];
  switch (t.dtype()) {
    case DType::I8: return t.data_as<int8_t>()[i];
    case DType::U8: return t.data_as<uint8_t>()[i];
    case DType::I32: return t.data_as<int32_t>()[i];
    default: fail(Graph::describe(s.node), ": zero point of type ", dtype_name(t.dtype()));
  }
}

int64_t numel(const KernelSetup& s, int k) { return has_input(s, k) ? s.constants[k]->numel() : 1; }

struct QMatMulParams {
  std::vector<float> output_scales;  // a_scale * b_scale[n] / y_scale
  int32_t a_zero = 0, b_zero = 0, y_zero = 0;
};

std::optional<QMatMulParams> read_params(const KernelSetup& s, int64_t n) {
  for (int k : {kAScale, kAZero, kBScale, kBZero, kYScale, kYZero})
    if (!constant(s, k)) return std::nullopt;
  const Tensor &as = *s.constants[kAScale], &bs = *s.constants[kBScale], &ys = *s.constants[kYScale];
  if (as.dtype() != DType::F32 || bs.dtype() != DType::F32 || ys.dtype() != DType::F32) return std::nullopt;
  if (as.numel() != 1 || ys.numel() != 1 || (bs.numel() != 1 && bs.numel() != n)) return std::nullopt;
  if (numel(s, kAZero) != 1 || numel(s, kYZero) != 1) return std::nullopt;
  QMatMulParams p;
  const bool b_const = s.constants[kB] != nullptr;
  for (int64_t i = 0; i < numel(s, kBZero); ++i)
    if (int_at(s, kBZero, i) != 0 && (b_const || numel(s, kBZero) != 1)) return std::nullopt;
  const float a_scale = as.data_as<float>()[0], y_scale = ys.data_as<float>()[0];
  for (int64_t i = 0; i < bs.numel(); ++i) {
    // In the reference's order: (a_scale * b_scale) / y_scale.
    const float m = a_scale * bs.data_as<float>()[i] / y_scale;
    if (!(m > 0.f) || !std::isfinite(m)) return std::nullopt;
    p.output_scales.push_back(m);
  }
  p.a_zero = int_at(s, kAZero, 0);
  p.b_zero = b_const ? 0 : int_at(s, kBZero, 0);
  p.y_zero = int_at(s, kYZero, 0);
  return p;
}

dims with_matrix(const Shape& batch, int64_t rows, int64_t cols) {
  dims d(batch.begin(), batch.end());
  d.push_back(rows);
  d.push_back(cols);
  return d;
}

dnnl::memory::desc row_major(const dims& d, dt t) {
  dims strides(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * d[i + 1];
  return dnnl::memory::desc(d, t, strides);
}

struct QMatMulBuild {
  dnnl::matmul::primitive_desc pd;
  dnnl::memory::desc a, b, c;  // row-major user layouts
  bool b_const = false;
};

QMatMulBuild build_qmatmul(const KernelSetup& s) {
  const MatMulShape ms = matmul_shape(s.node, s.inputs[kA].shape, s.inputs[kB].shape);
  std::optional<QMatMulParams> p = read_params(s, ms.N);
  LS_CHECK(p, Graph::describe(s.node), ": quantization parameters the int8 kernel cannot take");
  const std::optional<dt> a_t = onednn_type(s.inputs[kA].dtype), y_t = onednn_type(s.outputs[0].dtype);
  LS_CHECK(a_t && y_t && s.inputs[kB].dtype == DType::I8, Graph::describe(s.node), ": int8 types expected");
  dims a, w, c;
  if (ms.b_shared()) {
    a = {ms.batch_size() * ms.M, ms.K};
    w = {ms.K, ms.N};
    c = {ms.batch_size() * ms.M, ms.N};
  } else {
    a = with_matrix(ms.a_batch, ms.M, ms.K);
    w = with_matrix(ms.b_batch, ms.K, ms.N);
    c = with_matrix(ms.batch, ms.M, ms.N);
  }
  QMatMulBuild b;
  b.a = row_major(a, *a_t);
  b.b = row_major(w, dt::s8);
  b.c = row_major(c, *y_t);
  b.b_const = s.constants[kB] != nullptr;
  dnnl::primitive_attr attr = base_attr();
  const int last = static_cast<int>(c.size()) - 1;
  attr.set_output_scales(p->output_scales.size() > 1 ? 1 << last : 0, p->output_scales);
  if (p->a_zero != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {p->a_zero});
  if (p->b_zero != 0) attr.set_zero_points(DNNL_ARG_WEIGHTS, 0, {p->b_zero});
  if (p->y_zero != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {p->y_zero});
  const dnnl::memory::desc wei = b.b_const ? dnnl::memory::desc(w, dt::s8, tag::any) : b.b;
  b.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(b.a, wei, b.c), attr, engine());
  require_optimized(b.pd);
  return b;
}

bool qmatmul_supported(const KernelSetup& s) {
  if (s.inputs.size() != 8 || s.outputs.size() != 1 || any_empty(s)) return false;
  const DType a = s.inputs[kA].dtype, y = s.outputs[0].dtype;
  if ((a != DType::I8 && a != DType::U8) || (y != DType::I8 && y != DType::U8)) return false;
  if (s.inputs[kB].dtype != DType::I8) return false;
  return succeeds([&] { build_qmatmul(s); });
}

class QLinearMatMulKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    QMatMulBuild b = build_qmatmul(s);
    b_const_ = b.b_const;
    runner_.init(dnnl::matmul(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.a);
    runner_.bind(DNNL_ARG_DST, b.c);
    if (b_const_) {
      runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(b.b, s.constants[kB]->data(), b.pd.weights_desc()));
      packed_bytes_ = b.pd.weights_desc().get_size();
      mark_packed(kB);
    } else {
      runner_.bind(DNNL_ARG_WEIGHTS, b.b);
    }
    for (int k : {kAScale, kAZero, kBScale, kBZero, kYScale, kYZero}) mark_packed(k);
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    runner_.set(DNNL_ARG_SRC, in[kA]->data());
    if (!b_const_) runner_.set(DNNL_ARG_WEIGHTS, in[kB]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 private:
  bool b_const_ = false;
};

}  // namespace

void register_onednn_qlinear_matmul(KernelRegistry& r) {
  onednn::add_kernel(r, "QLinearMatMul", "qmatmul", qmatmul_supported,
                     [] { return std::make_unique<QLinearMatMulKernel>(); });
}

}  // namespace layerscope
