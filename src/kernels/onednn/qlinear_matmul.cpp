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
// com.microsoft QGemm (transformers' and classifiers' linear layers in QDQ files, via fuse_qdq)
// runs on the same kernel: constant B, optionally transposed, an int32 bias, and a float
// output when it has no y_scale.
#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/onednn/conv_common.h"
#include "kernels/onednn/int8_params.h"
#include "kernels/onednn/matmul_dims.h"
#include "kernels/parallel_copy.h"

namespace layerscope {
namespace {

using namespace onednn;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

constexpr int kA = 0, kAScale = 1, kAZero = 2, kB = 3, kBScale = 4, kBZero = 5, kYScale = 6, kYZero = 7;
// com.microsoft QGemm: the same with the int32 bias C at input 6 and y_scale / y_zero_point
// after it (absent: a float output).
constexpr int kC = 6, kGemmYScale = 7, kGemmYZero = 8;

bool is_qgemm(const KernelSetup& s) { return s.node.op_type == "QGemm"; }
// QLinearMatMulAdd (ops/fused/qlinear_matmul_add.cpp): QLinearMatMul's 8 inputs (6, 7: the
// matmul's own output scale and zero point), then the addend r, its scale and zero point, and
// the output's scale and zero point.
constexpr int kAddend = 8, kAddendScale = 9, kAddendZero = 10, kAddScale = 11, kAddZero = 12;
bool is_matmul_add(const KernelSetup& s) { return s.node.op_type == "QLinearMatMulAdd"; }
int y_scale_index(const KernelSetup& s) { return is_qgemm(s) ? kGemmYScale : kYScale; }
int y_zero_index(const KernelSetup& s) { return is_qgemm(s) ? kGemmYZero : kYZero; }

int64_t numel(const KernelSetup& s, int k) { return has_input(s, k) ? s.constants[k]->numel() : 1; }

struct QMatMulParams {
  std::vector<float> output_scales;  // a_scale * b_scale[n] / y_scale
  int32_t a_zero = 0, b_zero = 0, y_zero = 0;
  // QLinearMatMulAdd: output_scales bring the accumulator to the matmul's own scale m; post-ops
  // round and clip it to m's int8 range (q_m - m_zero, as the unfused QLinearMatMul), scale it
  // to the output (m_scale / y_scale) and add the addend: a full tensor r as the sum post-op,
  // r_scale / y_scale * (r - r_zero); a constant row as a binary add of its precomputed float
  // values. oneDNN then adds the output's zero point and rounds, as the unfused QLinearAdd.
  bool add = false;
  float clip_lo = 0.f, clip_hi = 0.f, to_output = 1.f, sum_scale = 0.f;
  int32_t r_zero = 0;
};

std::optional<QMatMulParams> read_params(const KernelSetup& s, int64_t n) {
  const int ysi = y_scale_index(s), yzi = y_zero_index(s);
  for (int k : {kAScale, kAZero, kBScale, kBZero, ysi, yzi})
    if (!absent_or_constant(s, k)) return std::nullopt;
  if (!has_input(s, kAScale) || !has_input(s, kBScale)) return std::nullopt;
  const bool float_out = !has_input(s, ysi);  // QGemm without y_scale
  const Tensor &as = *s.constants[kAScale], &bs = *s.constants[kBScale];
  if (as.dtype() != DType::F32 || bs.dtype() != DType::F32) return std::nullopt;
  if (!float_out && (s.constants[ysi]->dtype() != DType::F32 || s.constants[ysi]->numel() != 1)) return std::nullopt;
  if (as.numel() != 1 || (bs.numel() != 1 && bs.numel() != n)) return std::nullopt;
  if (numel(s, kAZero) != 1 || numel(s, yzi) != 1) return std::nullopt;
  const float alpha = is_qgemm(s) ? s.node.attrs.get_float("alpha", 1.f) : 1.f;
  QMatMulParams p;
  const bool b_const = s.constants[kB] != nullptr;
  for (int64_t i = 0; i < numel(s, kBZero); ++i)
    if (int_at(s, kBZero, i) != 0 && (b_const || numel(s, kBZero) != 1)) return std::nullopt;
  const float a_scale = as.data_as<float>()[0], y_scale = float_out ? 1.f : s.constants[ysi]->data_as<float>()[0];
  for (int64_t i = 0; i < bs.numel(); ++i) {
    // In the reference's order: (a_scale * b_scale) / y_scale.
    const float m =
        float_out ? alpha * a_scale * bs.data_as<float>()[i] : alpha * a_scale * bs.data_as<float>()[i] / y_scale;
    if (!(m > 0.f) || !std::isfinite(m)) return std::nullopt;
    p.output_scales.push_back(m);
  }
  p.a_zero = int_at(s, kAZero, 0);
  p.b_zero = b_const ? 0 : int_at(s, kBZero, 0);
  p.y_zero = int_at(s, yzi, 0);
  if (is_matmul_add(s)) {
    for (int k : {kAddendScale, kAddendZero, kAddScale, kAddZero})
      if (!has_input(s, k) || !absent_or_constant(s, k) || s.constants[k]->numel() != 1) return std::nullopt;
    if (s.constants[kAddendScale]->dtype() != DType::F32 || s.constants[kAddScale]->dtype() != DType::F32)
      return std::nullopt;
    const float m_scale = s.constants[kYScale]->data_as<float>()[0], out = s.constants[kAddScale]->data_as<float>()[0];
    const bool m_int8 = s.constants[kYZero]->dtype() == DType::I8;
    p.add = true;
    p.clip_lo = (m_int8 ? -128.f : 0.f) - static_cast<float>(p.y_zero);
    p.clip_hi = (m_int8 ? 127.f : 255.f) - static_cast<float>(p.y_zero);
    p.to_output = m_scale / out;
    p.sum_scale = s.constants[kAddendScale]->data_as<float>()[0] / out;
    p.r_zero = int_at(s, kAddendZero, 0);
    p.y_zero = int_at(s, kAddZero, 0);
    if (!(p.to_output > 0.f) || !std::isfinite(p.to_output) || !(p.sum_scale > 0.f) || !std::isfinite(p.sum_scale))
      return std::nullopt;
  }
  return p;
}

// The constant row addend as floats in the output's units: (r - r_zero) * r_scale / y_scale.
std::vector<float> addend_row(const KernelSetup& s, const QMatMulParams& p) {
  const Tensor& r = *s.constants[kAddend];
  std::vector<float> row(static_cast<size_t>(r.numel()));
  for (int64_t i = 0; i < r.numel(); ++i) {
    const int32_t q = r.dtype() == DType::I8 ? r.data_as<int8_t>()[i] : r.data_as<uint8_t>()[i];
    row[i] = static_cast<float>(q - p.r_zero) * p.sum_scale;
  }
  return row;
}

struct QMatMulBuild {
  dnnl::matmul::primitive_desc pd;
  dnnl::memory::desc a, b, c, bias;  // user layouts (B transposed for QGemm's transB)
  dnnl::memory::desc row;            // QLinearMatMulAdd's constant row addend (f32), if any
  std::vector<float> row_values;     // ... and its values (addend_row)
  bool b_const = false, has_bias = false, sum = false;
};

// QGemm: A [M, K] (transA 0), B [K, N] or, with transB, [N, K] read as its transpose; C an
// int32 [N] bias added to the accumulator before the scales (oneDNN 2.6's int8 order).
QMatMulBuild build_qgemm(const KernelSetup& s) {
  const Shape &as = s.inputs[kA].shape, &bs = s.inputs[kB].shape;
  LS_CHECK(as.size() == 2 && bs.size() == 2 && s.node.attrs.get_int("transA", 0) == 0, Graph::describe(s.node),
           ": the int8 kernel takes 2-D A and B, transA 0");
  const bool tb = s.node.attrs.get_int("transB", 0) != 0;
  const int64_t m = as[0], k = as[1], n = tb ? bs[0] : bs[1];
  std::optional<QMatMulParams> p = read_params(s, n);
  LS_CHECK(p, Graph::describe(s.node), ": quantization parameters the int8 kernel cannot take");
  const bool float_out = !has_input(s, kGemmYScale);
  const std::optional<dt> a_t = onednn_type(s.inputs[kA].dtype);
  const std::optional<dt> y_t = float_out ? std::optional<dt>(dt::f32) : onednn_type(s.outputs[0].dtype);
  LS_CHECK(a_t && y_t && s.inputs[kB].dtype == DType::I8 && s.constants[kB], Graph::describe(s.node),
           ": int8 A, constant int8 B expected");
  QMatMulBuild b;
  b.a = row_major({m, k}, *a_t);
  b.b = tb ? dnnl::memory::desc({k, n}, dt::s8, dims{1, k}) : row_major({k, n}, dt::s8);
  b.c = row_major({m, n}, *y_t);
  b.b_const = true;
  b.has_bias = has_input(s, kC);
  if (b.has_bias) {
    LS_CHECK(s.constants[kC] && s.inputs[kC].dtype == DType::I32 && shape_numel(s.inputs[kC].shape) == n,
             Graph::describe(s.node), ": C must be a constant int32 bias of N values");
    b.bias = row_major({1, n}, dt::s32);
  }
  dnnl::primitive_attr attr = base_attr();
  attr.set_output_scales(p->output_scales.size() > 1 ? 1 << 1 : 0, p->output_scales);
  if (p->a_zero != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {p->a_zero});
  if (p->y_zero != 0 && !float_out) attr.set_zero_points(DNNL_ARG_DST, 0, {p->y_zero});
  const dnnl::memory::desc wei({k, n}, dt::s8, tag::any);
  dnnl::matmul::desc d = b.has_bias ? dnnl::matmul::desc(b.a, wei, b.bias, b.c) : dnnl::matmul::desc(b.a, wei, b.c);
  b.pd = dnnl::matmul::primitive_desc(d, attr, engine());
  require_optimized(b.pd);
  return b;
}

QMatMulBuild build_qmatmul(const KernelSetup& s) {
  const MatMulShape ms = matmul_shape(s.node, s.inputs[kA].shape, s.inputs[kB].shape);
  std::optional<QMatMulParams> p = read_params(s, ms.N);
  LS_CHECK(p, Graph::describe(s.node), ": quantization parameters the int8 kernel cannot take");
  const std::optional<dt> a_t = onednn_type(s.inputs[kA].dtype), y_t = onednn_type(s.outputs[0].dtype);
  LS_CHECK(a_t && y_t && s.inputs[kB].dtype == DType::I8, Graph::describe(s.node), ": int8 types expected");
  const MatMulDims md = matmul_dims(ms);
  const dims &a = md.a, &w = md.b, &c = md.c;
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
  if (p->add) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_round, 0.f, 0.f);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, p->clip_lo, p->clip_hi);
    po.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, p->to_output, 0.f);
    if (s.constants[kAddend]) {  // a constant row along the last axis
      dims row(c.size(), 1);
      row.back() = c.back();
      b.row = row_major(row, dt::f32);
      b.row_values = addend_row(s, *p);
      po.append_binary(dnnl::algorithm::binary_add, b.row);
    } else {
      LS_CHECK(s.inputs[kAddend].shape == s.outputs[0].shape, Graph::describe(s.node), ": addend shape");
      b.sum = true;
      po.append_sum(p->sum_scale, p->r_zero, *y_t);
    }
    attr.set_post_ops(po);
  }
  const dnnl::memory::desc wei = b.b_const ? dnnl::memory::desc(w, dt::s8, tag::any) : b.b;
  b.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(b.a, wei, b.c), attr, engine());
  require_optimized(b.pd);
  return b;
}

bool qmatmul_supported(const KernelSetup& s) {
  if (!cpu_has_int8_dot_product()) return false;  // inexact without VNNI (cpu_features.h)
  const size_t want = is_qgemm(s) ? 9u : is_matmul_add(s) ? 13u : 8u;
  if (s.inputs.size() != want && !(is_qgemm(s) && s.inputs.size() == 7)) return false;
  if (s.outputs.size() != 1 || any_empty(s)) return false;
  const DType a = s.inputs[kA].dtype, y = s.outputs[0].dtype;
  const bool float_out = is_qgemm(s) && !has_input(s, kGemmYScale);
  if ((a != DType::I8 && a != DType::U8) || (float_out ? y != DType::F32 : (y != DType::I8 && y != DType::U8)))
    return false;
  if (s.inputs[kB].dtype != DType::I8) return false;
  return succeeds([&] { is_qgemm(s) ? build_qgemm(s) : build_qmatmul(s); });
}

class QLinearMatMulKernel : public OnednnKernel {
 public:
  void prepare(const KernelSetup& s) override {
    ThreadScope threads(s.threads);
    QMatMulBuild b = is_qgemm(s) ? build_qgemm(s) : build_qmatmul(s);
    b_const_ = b.b_const;
    runner_.init(dnnl::matmul(b.pd), b.pd);
    runner_.bind(DNNL_ARG_SRC, b.a);
    runner_.bind(DNNL_ARG_DST, b.c);
    if (b.has_bias) {
      runner_.bind_owned(DNNL_ARG_BIAS, reorder_to(b.bias, s.constants[kC]->data(), b.bias));
      mark_packed(kC);
    }
    sum_ = b.sum;
    threads_ = std::max(1, s.threads);
    if (is_matmul_add(s)) {
      if (!b.row.is_zero()) {  // the binary add is post-op 3 (after round, clip, linear)
        runner_.bind_owned(DNNL_ARG_ATTR_MULTIPLE_POST_OP(3) | DNNL_ARG_SRC_1,
                           reorder_to(b.row, b.row_values.data(), b.row));
        mark_packed(kAddend);
      }
      for (int k : {kAddendScale, kAddendZero, kAddScale, kAddZero}) mark_packed(k);
    }
    if (b_const_) {
      runner_.bind_owned(DNNL_ARG_WEIGHTS, reorder_to(b.b, s.constants[kB]->data(), b.pd.weights_desc()));
      packed_bytes_ = b.pd.weights_desc().get_size();
      mark_packed(kB);
    } else {
      runner_.bind(DNNL_ARG_WEIGHTS, b.b);
    }
    for (int k : {kAScale, kAZero, kBScale, kBZero, y_scale_index(s), y_zero_index(s)}) mark_packed(k);
  }
  // The sum post-op adds what dst holds: the addend, placed there first unless the planner
  // gives dst the addend's own buffer (it dies here).
  OutputSharing output_sharing() const override {
    if (!sum_) return {};
    return {OutputSharing::Mode::InPlace, {kAddend}, false};
  }
  void execute(std::span<const Tensor* const> in, std::span<Tensor* const> out, void* scratch) override {
    if (sum_ && out[0]->data() != in[kAddend]->data())
      copy_bytes(out[0]->data(), in[kAddend]->data(), static_cast<int64_t>(out[0]->nbytes()), threads_);
    runner_.set(DNNL_ARG_SRC, in[kA]->data());
    if (!b_const_) runner_.set(DNNL_ARG_WEIGHTS, in[kB]->data());
    runner_.set(DNNL_ARG_DST, out[0]->data());
    runner_.run(scratch);
  }

 private:
  bool b_const_ = false, sum_ = false;
  int threads_ = 1;
};

}  // namespace

void register_onednn_qlinear_matmul(KernelRegistry& r) {
  onednn::add_kernel(r, "QLinearMatMul", "qmatmul", qmatmul_supported,
                     [] { return std::make_unique<QLinearMatMulKernel>(); });
  KernelDef d =
      onednn::kernel_def("QGemm", "qmatmul", qmatmul_supported, [] { return std::make_unique<QLinearMatMulKernel>(); });
  d.domain = "com.microsoft";
  r.add_kernel(std::move(d));
  KernelDef add = onednn::kernel_def("QLinearMatMulAdd", "qmatmul", qmatmul_supported,
                                     [] { return std::make_unique<QLinearMatMulKernel>(); });
  add.domain = kFusedDomain;
  r.add_kernel(std::move(add));
}

}  // namespace layerscope
