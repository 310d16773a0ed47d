// The integer convolutions and matrix products:
//   ConvInteger (10):   y(int32) = conv(x - x_zero_point, w - w_zero_point)
//   MatMulInteger (10): y(int32) = (A - a_zero_point) x (B - b_zero_point)
//   QLinearConv (10):   y = requantize(conv(x - x_zp, w - w_zp) + B, x_scale * w_scale / y_scale, y_zp)
//   QLinearMatMul (10, 21): y = requantize((a - a_zp) x (b - b_zp), a_scale * b_scale / y_scale, y_zp)
// Products accumulate exactly in int32 (the 8-bit operands less their zero points fit in 9
// bits); requantize is quant_math.h's. Granularities: the convolution weights' scale and zero
// point may be per output channel (1-D, one per channel), the matmul's a per row of A and b per
// column of B (1-D); everything else is per tensor (a scalar or one-element 1-D tensor).
// Geometry and shapes come from conv_geometry.h and matmul_shape.h, as for Conv and MatMul.
#include "ops/nn/attrs.h"
#include "ops/nn/conv_loops.h"
#include "ops/nn/matmul_shape.h"
#include "ops/quant/quant_math.h"
#include "ops/quant/quant_ops.h"
#include "ops/quant/quant_params.h"

namespace layerscope {
namespace {

constexpr std::initializer_list<DType> kInt8Types = {DType::I8, DType::U8};

// A quantization parameter (input i) must be per tensor, or (when per_index > 0) a 1-D tensor of
// per_index elements, one per output channel / row / column (`unit`).
void expect_param_shape(const InferContext& ctx, int i, const char* name, int64_t per_index = 0,
                        const char* unit = "") {
  const Shape& s = ctx.shape(i);
  if (shape_numel(s) == 1 && s.size() <= 1) return;
  if (per_index > 0 && s == Shape{per_index}) return;
  if (per_index > 0)
    ctx.error(name, " has shape ", shape_to_string(s), "; expected a scalar or (", per_index, ") (one per ", unit, ")");
  ctx.error(name, " has shape ", shape_to_string(s), "; expected a scalar (per-tensor quantization)");
}

void expect_type(const InferContext& ctx, int i, const char* name, std::initializer_list<DType> allowed) {
  nn::expect_types(ctx, i, name, allowed);
}

// Input i's zero point (input zp) must have its operand's type.
void expect_zp_type(const InferContext& ctx, int zp, const char* zp_name, int operand, const char* operand_name) {
  if (ctx.has_input(zp) && ctx.dtype(zp) != ctx.dtype(operand))
    ctx.error("zero point ", zp_name, " has type ", dtype_name(ctx.dtype(zp)), " but ", operand_name, " is ",
              dtype_name(ctx.dtype(operand)), "; they must match");
}

// t - zp as int32, zp per tensor (one value) or per slice of `inner` elements along an axis of
// `count` indices (element i uses zp[(i / inner) % count]).
std::vector<int32_t> shifted(const Tensor& t, const std::vector<int32_t>& zp, int64_t inner = 1) {
  std::vector<int32_t> v(static_cast<size_t>(t.numel()));
  const int64_t count = static_cast<int64_t>(zp.size());
  quant::dispatch_quant_int(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = t.data_as<T>();
    for (int64_t i = 0; i < t.numel(); ++i)
      v[i] = static_cast<int32_t>(p[i]) - zp[count == 1 ? 0 : (i / inner) % count];
  });
  return v;
}

const Tensor* optional_input(std::span<const Tensor* const> in, size_t i) { return in.size() > i ? in[i] : nullptr; }

// ---- Convolutions ----

Cost conv_int_cost(const CostContext& c, int w_index) {
  Cost cost = bytes_only_cost(c);
  ConvGeometry g = conv_geometry(c.node, c.inputs[0].shape, c.inputs[w_index].shape);
  const double outputs = static_cast<double>(g.N) * g.C_out * g.out_spatial_size();
  cost.macs = outputs * static_cast<double>(g.C_in / g.group) * g.kernel_size();
  cost.other_ops = outputs;  // requantize (QLinearConv) or zero-point correction per output
  return cost;
}

// The int32 sums conv(x - x_zp, w - w_zp) (+ bias), zero points per tensor (x) and per tensor or
// per output channel (w).
std::vector<int32_t> conv_sums(const ConvGeometry& g, const Tensor& x, const Tensor* x_zp, const Tensor& w,
                               const Tensor* w_zp, const Tensor* bias) {
  const std::vector<int32_t> xs = shifted(x, quant::ints_of(x_zp));
  const std::vector<int32_t> ws = shifted(w, quant::ints_of(w_zp), w.numel() / std::max<int64_t>(1, g.C_out));
  std::vector<int32_t> acc(static_cast<size_t>(shape_numel(g.output_shape())));
  nn::conv_kernel<int32_t>(g, xs.data(), ws.data(), bias ? bias->data_as<int32_t>() : nullptr, acc.data());
  return acc;
}

void conv_integer_infer(InferContext& ctx) {
  ctx.expect_inputs(2, 4);
  expect_type(ctx, 0, "x", kInt8Types);
  expect_type(ctx, 1, "w", kInt8Types);
  ConvGeometry g = conv_geometry(ctx.node(), ctx.shape(0), ctx.shape(1));
  nn::spatial_rank_checked(ctx, g, "ConvInteger");
  if (ctx.has_input(2)) expect_param_shape(ctx, 2, "x_zero_point");
  if (ctx.has_input(3)) expect_param_shape(ctx, 3, "w_zero_point", g.C_out, "output channel");
  expect_zp_type(ctx, 2, "x_zero_point", 0, "x");
  expect_zp_type(ctx, 3, "w_zero_point", 1, "w");
  ctx.set_output(0, DType::I32, g.output_shape());
}

void conv_integer_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  ConvGeometry g = conv_geometry(n, in[0]->shape(), in[1]->shape());
  std::vector<int32_t> acc = conv_sums(g, *in[0], optional_input(in, 2), *in[1], optional_input(in, 3), nullptr);
  std::copy(acc.begin(), acc.end(), out[0]->data_as<int32_t>());
}

// QLinearConv inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
void qlinear_conv_infer(InferContext& ctx) {
  ctx.expect_inputs(8, 9);
  expect_type(ctx, 0, "x", kInt8Types);
  expect_type(ctx, 3, "w", kInt8Types);
  expect_type(ctx, 7, "y_zero_point", kInt8Types);
  for (int i : {1, 4, 6}) expect_type(ctx, i, i == 1 ? "x_scale" : i == 4 ? "w_scale" : "y_scale", {DType::F32});
  ConvGeometry g = conv_geometry(ctx.node(), ctx.shape(0), ctx.shape(3));
  nn::spatial_rank_checked(ctx, g, "QLinearConv");
  expect_param_shape(ctx, 1, "x_scale");
  expect_param_shape(ctx, 2, "x_zero_point");
  expect_param_shape(ctx, 4, "w_scale", g.C_out, "output channel");
  expect_param_shape(ctx, 5, "w_zero_point", g.C_out, "output channel");
  expect_param_shape(ctx, 6, "y_scale");
  expect_param_shape(ctx, 7, "y_zero_point");
  expect_zp_type(ctx, 2, "x_zero_point", 0, "x");
  expect_zp_type(ctx, 5, "w_zero_point", 3, "w");
  if (ctx.has_input(8)) {
    expect_type(ctx, 8, "bias B", {DType::I32});
    if (ctx.shape(8) != Shape{g.C_out})
      ctx.error("bias B has shape ", shape_to_string(ctx.shape(8)), "; expected (", g.C_out,
                ") (one per output channel)");
  }
  ctx.set_output(0, ctx.dtype(7), g.output_shape());
}

void qlinear_conv_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  ConvGeometry g = conv_geometry(n, in[0]->shape(), in[3]->shape());
  const std::vector<int32_t> acc = conv_sums(g, *in[0], in[2], *in[3], in[5], optional_input(in, 8));
  const float x_scale = quant::floats_of(*in[1])[0], y_scale = quant::floats_of(*in[6])[0];
  const std::vector<float> w_scale = quant::floats_of(*in[4]);
  const int32_t y_zp = quant::ints_of(in[7])[0];
  const int64_t plane = g.out_spatial_size();
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* y = out[0]->data_as<T>();
    for (int64_t no = 0; no < g.N * g.C_out; ++no) {
      const int64_t oc = no % g.C_out;
      // In float, as the scales are: (x_scale * w_scale) / y_scale.
      const float m = x_scale * w_scale[w_scale.size() == 1 ? 0 : oc] / y_scale;
      for (int64_t i = no * plane; i < (no + 1) * plane; ++i) y[i] = quant::requantize<T>(acc[i], m, y_zp);
    }
  });
}

// ---- Matrix products ----

Cost matmul_int_cost(const CostContext& c, int b_index) {
  Cost cost = bytes_only_cost(c);
  MatMulShape s;
  if (try_matmul_shape(c.inputs[0].shape, c.inputs[b_index].shape, &s)) {
    cost.macs = static_cast<double>(s.batch_size()) * s.M * s.N * s.K;
    cost.other_ops = static_cast<double>(shape_numel(s.output));
  }
  return cost;
}

// The int32 products (A - a_zp) x (B - b_zp), a_zp per tensor or per row of A (M values), b_zp
// per tensor or per column of B (N values).
std::vector<int32_t> matmul_sums(const MatMulShape& s, const Tensor& a, const Tensor* a_zp, const Tensor& b,
                                 const Tensor* b_zp) {
  const std::vector<int32_t> as = shifted(a, quant::ints_of(a_zp), s.K);  // row m: (i / K) % M
  const std::vector<int32_t> bs = shifted(b, quant::ints_of(b_zp), 1);    // column n: i % N
  std::vector<int32_t> y(static_cast<size_t>(shape_numel(s.output)));
  const int64_t M = s.M, N = s.N, K = s.K, rows = s.batch_size() * M;
#pragma omp parallel for
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t bi = r / M, m = r % M;
    const int32_t* arow = as.data() + s.a_offset(bi) + m * K;
    const int32_t* bm = bs.data() + s.b_offset(bi);
    int32_t* yrow = y.data() + r * N;
    for (int64_t k = 0; k < K; ++k) {
      const int32_t av = arow[k];
      const int32_t* brow = bm + k * N;
      for (int64_t j = 0; j < N; ++j) yrow[j] += av * brow[j];
    }
  }
  return y;
}

// Per-row parameters of A must count M rows, per-column ones of B N columns.
void matmul_param_shapes(const InferContext& ctx, const MatMulShape& s, int a_zp, int b_zp, int a_scale, int b_scale) {
  if (ctx.has_input(a_zp)) expect_param_shape(ctx, a_zp, "a_zero_point", s.M, "row of A");
  if (ctx.has_input(b_zp)) expect_param_shape(ctx, b_zp, "b_zero_point", s.N, "column of B");
  if (a_scale >= 0) expect_param_shape(ctx, a_scale, "a_scale", s.M, "row of A");
  if (b_scale >= 0) expect_param_shape(ctx, b_scale, "b_scale", s.N, "column of B");
}

void matmul_integer_infer(InferContext& ctx) {
  ctx.expect_inputs(2, 4);
  expect_type(ctx, 0, "A", kInt8Types);
  expect_type(ctx, 1, "B", kInt8Types);
  MatMulShape s = matmul_shape(ctx.node(), ctx.shape(0), ctx.shape(1));
  matmul_param_shapes(ctx, s, 2, 3, -1, -1);
  expect_zp_type(ctx, 2, "a_zero_point", 0, "A");
  expect_zp_type(ctx, 3, "b_zero_point", 1, "B");
  ctx.set_output(0, DType::I32, s.output);
}

void matmul_integer_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  MatMulShape s = matmul_shape(n, in[0]->shape(), in[1]->shape());
  std::vector<int32_t> y = matmul_sums(s, *in[0], optional_input(in, 2), *in[1], optional_input(in, 3));
  std::copy(y.begin(), y.end(), out[0]->data_as<int32_t>());
}

// QLinearMatMul inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
void qlinear_matmul_infer(InferContext& ctx, bool half_scales) {
  ctx.expect_inputs(8, 8);
  expect_type(ctx, 0, "a", kInt8Types);
  expect_type(ctx, 3, "b", kInt8Types);
  expect_type(ctx, 7, "y_zero_point", kInt8Types);
  const DType ts = ctx.dtype(1);
  for (int i : {1, 4, 6}) {
    const char* name = i == 1 ? "a_scale" : i == 4 ? "b_scale" : "y_scale";
    if (half_scales) expect_type(ctx, i, name, {DType::F32, DType::F16, DType::BF16});
    else expect_type(ctx, i, name, {DType::F32});
    if (ctx.dtype(i) != ts) ctx.error("scales a_scale and ", name, " must have the same type");
  }
  MatMulShape s = matmul_shape(ctx.node(), ctx.shape(0), ctx.shape(3));
  matmul_param_shapes(ctx, s, 2, 5, 1, 4);
  expect_param_shape(ctx, 6, "y_scale");
  expect_param_shape(ctx, 7, "y_zero_point");
  expect_zp_type(ctx, 2, "a_zero_point", 0, "a");
  expect_zp_type(ctx, 5, "b_zero_point", 3, "b");
  ctx.set_output(0, ctx.dtype(7), s.output);
}

void qlinear_matmul_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  MatMulShape s = matmul_shape(n, in[0]->shape(), in[3]->shape());
  const std::vector<int32_t> acc = matmul_sums(s, *in[0], in[2], *in[3], in[5]);
  const std::vector<float> a_scale = quant::floats_of(*in[1]), b_scale = quant::floats_of(*in[4]);
  const float y_scale = quant::floats_of(*in[6])[0];
  const int32_t y_zp = quant::ints_of(in[7])[0];
  const DType ts = in[1]->dtype();
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* y = out[0]->data_as<T>();
    for (int64_t i = 0; i < static_cast<int64_t>(acc.size()); ++i) {
      const int64_t m = (i / s.N) % s.M, col = i % s.N;
      // The multiplier in the scales' precision (float16 scales multiply as float16).
      const float ab =
          quant::round_to(ts, a_scale[a_scale.size() == 1 ? 0 : m] * b_scale[b_scale.size() == 1 ? 0 : col]);
      y[i] = quant::requantize<T>(acc[i], quant::round_to(ts, ab / y_scale), y_zp);
    }
  });
}

}  // namespace

void register_integer_linear_ops(OpRegistry& r) {
  using enum AttrType;
  const std::vector<AttrSpec> window = {{"auto_pad", STRING},   {"dilations", INTS}, {"group", INT},
                                        {"kernel_shape", INTS}, {"pads", INTS},      {"strides", INTS}};
  OpDef ci;
  ci.op_type = "ConvInteger";
  ci.since = 10;
  ci.attributes = window;
  ci.infer = conv_integer_infer;
  ci.cost = [](const CostContext& c) { return conv_int_cost(c, 1); };
  ci.reference = conv_integer_reference;
  r.add_op(std::move(ci));

  OpDef qc;
  qc.op_type = "QLinearConv";
  qc.since = 10;
  qc.attributes = window;
  qc.infer = qlinear_conv_infer;
  qc.cost = [](const CostContext& c) { return conv_int_cost(c, 3); };
  qc.reference = qlinear_conv_reference;
  r.add_op(std::move(qc));

  OpDef mi;
  mi.op_type = "MatMulInteger";
  mi.since = 10;
  mi.infer = matmul_integer_infer;
  mi.cost = [](const CostContext& c) { return matmul_int_cost(c, 1); };
  mi.reference = matmul_integer_reference;
  r.add_op(std::move(mi));

  for (auto [since, until] : {std::pair{10, 20}, std::pair{21, INT_MAX}}) {
    OpDef qm;
    qm.op_type = "QLinearMatMul";
    qm.since = since;
    qm.until = until;
    const bool half_scales = since >= 21;  // 21: float16 / bfloat16 scales (and float8, unsupported)
    qm.infer = [half_scales](InferContext& c) { qlinear_matmul_infer(c, half_scales); };
    qm.cost = [](const CostContext& c) { return matmul_int_cost(c, 3); };
    qm.reference = qlinear_matmul_reference;
    r.add_op(std::move(qm));
  }
}

}  // namespace layerscope
