// com.microsoft QGemm (onnxruntime's quantized Gemm, what its quantizer makes of Gemm in
// QOperator format): inputs A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale,
// y_zero_point; attributes alpha (1), transA, transB (0).
//   acc[m, n] = sum_k (op(A)[m, k] - a_zp) * (op(B)[k, n] - b_zp[n])        (int32, exact)
//   real y    = alpha * a_scale * b_scale[n] * (acc[m, n] + C[m, n])
// C is int32 with scale alpha * a_scale * b_scale and zero point 0, broadcast to (M, N); B's
// scale and zero point are per tensor or per column of op(B) (N values). Without y_scale, Y is
// that float; with it, Y = requantize(acc + C, alpha * a_scale * b_scale[n] / y_scale, y_zp).
#include "ops/nn/attrs.h"
#include "ops/quant/quant_math.h"
#include "ops/quant/quant_ops.h"
#include "ops/quant/quant_params.h"

namespace layerscope {
namespace {

constexpr std::initializer_list<DType> kInt8Types = {DType::I8, DType::U8};

struct GemmDims {
  int64_t M, N, K;
  bool ta, tb;
};

GemmDims qgemm_dims(const Node& n, const Shape& a, const Shape& b) {
  auto err = [&](auto... parts) { fail(Graph::describe(n), ": ", parts...); };
  if (a.size() != 2) err("input A has shape ", shape_to_string(a), "; expected rank 2");
  if (b.size() != 2) err("input B has shape ", shape_to_string(b), "; expected rank 2");
  const bool ta = n.attrs.get_int("transA", 0) != 0, tb = n.attrs.get_int("transB", 0) != 0;
  GemmDims d{ta ? a[1] : a[0], tb ? b[0] : b[1], ta ? a[0] : a[1], ta, tb};
  const int64_t kb = tb ? b[1] : b[0];
  if (kb != d.K)
    err("inner dimensions do not match: op(A) of ", shape_to_string(a), " has K = ", d.K, " but op(B) of ",
        shape_to_string(b), " has K = ", kb);
  return d;
}

// Per tensor (one element), or when per_column > 0 also a 1-D tensor of per_column elements.
void expect_param(const InferContext& ctx, int i, const char* name, DType type, int64_t per_column = 0) {
  if (!ctx.has_input(i)) return;
  if (ctx.dtype(i) != type) ctx.error(name, " has type ", dtype_name(ctx.dtype(i)), "; expected ", dtype_name(type));
  const Shape& s = ctx.shape(i);
  if (shape_numel(s) == 1 && s.size() <= 1) return;
  if (per_column > 0 && s == Shape{per_column}) return;
  ctx.error(name, " has shape ", shape_to_string(s), "; expected a scalar",
            per_column > 0 ? " or (" + std::to_string(per_column) + ") (one per column of op(B))" : std::string());
}

void qgemm_infer(InferContext& ctx) {
  ctx.expect_inputs(6, 9);
  nn::expect_types(ctx, 0, "A", kInt8Types);
  nn::expect_types(ctx, 3, "B", kInt8Types);
  const GemmDims d = qgemm_dims(ctx.node(), ctx.shape(0), ctx.shape(3));
  expect_param(ctx, 1, "a_scale", DType::F32);
  expect_param(ctx, 2, "a_zero_point", ctx.dtype(0));
  expect_param(ctx, 4, "b_scale", DType::F32, d.N);
  expect_param(ctx, 5, "b_zero_point", ctx.dtype(3), d.N);
  const Shape y{d.M, d.N};
  if (ctx.has_input(6)) {
    nn::expect_types(ctx, 6, "C", {DType::I32});
    Shape r;
    if (ctx.shape(6).size() > 2 || !try_broadcast_shapes(y, ctx.shape(6), &r) || r != y)
      ctx.error("input C has shape ", shape_to_string(ctx.shape(6)), ", which does not broadcast to ",
                shape_to_string(y));
  }
  if (ctx.has_input(7) != ctx.has_input(8))
    ctx.error("y_scale and y_zero_point must be given together (a quantized output) or both omitted (float)");
  if (!ctx.has_input(7)) {
    ctx.set_output(0, DType::F32, y);
    return;
  }
  expect_param(ctx, 7, "y_scale", DType::F32);
  nn::expect_types(ctx, 8, "y_zero_point", kInt8Types);
  expect_param(ctx, 8, "y_zero_point", ctx.dtype(8));
  ctx.set_output(0, ctx.dtype(8), y);
}

Cost qgemm_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  const Shape& y = c.outputs[0].shape;
  if (y.size() != 2 || c.inputs[0].shape.size() != 2) return cost;
  const int64_t K = c.node.attrs.get_int("transA", 0) ? c.inputs[0].shape[0] : c.inputs[0].shape[1];
  cost.macs = static_cast<double>(y[0]) * y[1] * K;
  cost.other_ops = static_cast<double>(y[0]) * y[1];  // scaling (and rounding) per output
  return cost;
}

void qgemm_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const GemmDims d = qgemm_dims(n, in[0]->shape(), in[3]->shape());
  auto input = [&](size_t i) { return in.size() > i ? in[i] : nullptr; };
  const std::vector<int32_t> za = quant::ints_of(in[2]), zb = quant::ints_of(in[5]);
  const float alpha = n.attrs.get_float("alpha", 1.f), sa = quant::floats_of(*in[1])[0];
  const std::vector<float> sb = quant::floats_of(*in[4]);
  // acc[m, n] with both operands read through their transposes; zero points subtracted first.
  std::vector<int32_t> acc(static_cast<size_t>(d.M * d.N));
  quant::dispatch_quant_int(in[0]->dtype(), [&](auto ta_tag) {
    quant::dispatch_quant_int(in[3]->dtype(), [&](auto tb_tag) {
      const auto* a = in[0]->data_as<decltype(ta_tag)>();
      const auto* b = in[3]->data_as<decltype(tb_tag)>();
      const int64_t a_sm = d.ta ? 1 : d.K, a_sk = d.ta ? d.M : 1, b_sk = d.tb ? 1 : d.N, b_sn = d.tb ? d.K : 1;
#pragma omp parallel for
      for (int64_t m = 0; m < d.M; ++m)
        for (int64_t j = 0; j < d.N; ++j) {
          const int32_t zbj = zb[zb.size() == 1 ? 0 : j];
          int32_t s = 0;
          for (int64_t k = 0; k < d.K; ++k)
            s += (static_cast<int32_t>(a[m * a_sm + k * a_sk]) - za[0]) *
                 (static_cast<int32_t>(b[k * b_sk + j * b_sn]) - zbj);
          acc[m * d.N + j] = s;
        }
    });
  });
  const Tensor* c = input(6);
  const std::vector<int64_t> cs = c ? broadcast_strides(c->shape(), {d.M, d.N}) : std::vector<int64_t>{0, 0};
  auto sum = [&](int64_t m, int64_t j) {
    return acc[m * d.N + j] + (c ? c->data_as<int32_t>()[m * cs[0] + j * cs[1]] : 0);
  };
  const Tensor* y_scale = input(7);
  if (!y_scale) {
    float* y = out[0]->data_as<float>();
    for (int64_t m = 0; m < d.M; ++m)
      for (int64_t j = 0; j < d.N; ++j)
        y[m * d.N + j] = alpha * sa * sb[sb.size() == 1 ? 0 : j] * static_cast<float>(sum(m, j));
    return;
  }
  const float sy = quant::floats_of(*y_scale)[0];
  const int32_t zy = quant::ints_of(in[8])[0];
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* y = out[0]->data_as<T>();
    for (int64_t m = 0; m < d.M; ++m)
      for (int64_t j = 0; j < d.N; ++j)
        y[m * d.N + j] = quant::requantize<T>(sum(m, j), alpha * sa * sb[sb.size() == 1 ? 0 : j] / sy, zy);
  });
}

}  // namespace

void register_contrib_qgemm_op(OpRegistry& r) {
  OpDef d;
  d.op_type = "QGemm";
  d.domain = "com.microsoft";
  d.since = 1;
  d.attributes = {{"alpha", AttrType::FLOAT}, {"transA", AttrType::INT}, {"transB", AttrType::INT}};
  d.infer = qgemm_infer;
  d.cost = qgemm_cost;
  d.reference = qgemm_reference;
  r.add_op(std::move(d));
}

}  // namespace layerscope
