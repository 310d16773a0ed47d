// onnxruntime's quantized operators (domain com.microsoft, opset 1) that its quantizer emits in
// QOperator format: each is the float op between a dequantize of its inputs and a quantize of
// its output, with every scale and zero point per tensor (zero points default to 0):
//   QLinearAdd / QLinearMul: C = q(dq(A) + dq(B)) / q(dq(A) * dq(B)), numpy broadcasting
//   QLinearSigmoid, QLinearLeakyRelu (alpha, default 0.01): Y = q(f(dq(X)))
//   QLinearGlobalAveragePool (channels_last): Y = q(mean over the spatial dims of dq(X))
//   QLinearConcat (axis): Y = concat(q(dq(X_i))); inputs Y_scale, Y_zero_point, then
//     (X_i, X_i_scale, X_i_zero_point) per input
//   QLinearSoftmax (axis, opset): Y = q(softmax(dq(X))), with Softmax's semantics of the
//     model opset the attribute `opset` names (before 13: over the axes from `axis` on, default
//     axis 1; from 13: over `axis` alone, default -1)
//   QGemm (alpha, transA, transB): Y = alpha * dq(A) x dq(B) + dq(C), C int32 with scale
//     alpha * A_scale * B_scale and zero point 0; B's scale and zero point may be per column;
//     Y float when y_scale is absent, else quantized with y_scale / y_zero_point.
// The arithmetic follows onnxruntime's kernels where it fixes a rounding (binary_reference
// says how for Add and Mul); the pools sum integers and requantize with
// x_scale / (y_scale * count) (quant_math.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "ops/elementwise/common.h"
#include "ops/nn/attrs.h"
#include "ops/quant/qlinear_elementwise.h"
#include "ops/quant/quant_math.h"
#include "ops/quant/quant_ops.h"
#include "ops/quant/quant_params.h"

namespace layerscope {
namespace {

constexpr const char* kDomain = "com.microsoft";
constexpr std::initializer_list<DType> kInt8Types = {DType::I8, DType::U8};

// Input i is a per-tensor parameter: a scalar or one-element 1-D tensor (of `type` when given).
void expect_scalar(const InferContext& ctx, int i, const char* name, DType type = DType::Undefined) {
  if (!ctx.has_input(i)) return;
  if (type != DType::Undefined && ctx.dtype(i) != type)
    ctx.error(name, " has type ", dtype_name(ctx.dtype(i)), "; expected ", dtype_name(type));
  const Shape& s = ctx.shape(i);
  if (!(shape_numel(s) == 1 && s.size() <= 1))
    ctx.error(name, " has shape ", shape_to_string(s), "; expected a scalar (per-tensor quantization)");
}

float scalar_float(const Tensor* t) { return quant::floats_of(*t)[0]; }
int32_t scalar_int(const Tensor* t) { return quant::ints_of(t)[0]; }
const Tensor* optional_input(std::span<const Tensor* const> in, size_t i) { return in.size() > i ? in[i] : nullptr; }

Cost per_output_cost(const CostContext& c, double ops) {
  Cost cost = bytes_only_cost(c);
  cost.other_ops = ops * static_cast<double>(shape_numel(c.outputs[0].shape));
  return cost;
}

// ---- QLinearAdd, QLinearMul: A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp ----

void binary_infer(InferContext& ctx) {
  ctx.expect_inputs(7, 8);
  nn::expect_types(ctx, 0, "A", kInt8Types);
  nn::expect_same_type(ctx, 0, "A", 3, "B");
  expect_scalar(ctx, 1, "A_scale", DType::F32);
  expect_scalar(ctx, 2, "A_zero_point", ctx.dtype(0));
  expect_scalar(ctx, 4, "B_scale", DType::F32);
  expect_scalar(ctx, 5, "B_zero_point", ctx.dtype(0));
  expect_scalar(ctx, 6, "C_scale", DType::F32);
  expect_scalar(ctx, 7, "C_zero_point", ctx.dtype(0));
  ctx.set_output(0, ctx.dtype(0), broadcast_shapes(ctx, ctx.shape(0), ctx.shape(3)));
}

template <bool Mul>
void binary_reference(const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const float sa = scalar_float(in[1]), sb = scalar_float(in[4]), sc = scalar_float(in[6]);
  const int32_t za = scalar_int(optional_input(in, 2)), zb = scalar_int(optional_input(in, 5));
  const int32_t zc = scalar_int(optional_input(in, 7));
  // Add: v = a * (sa / sc) + (b * (sb / sc) + bias), two fused multiply-adds, with the zero
  // points folded into bias = zc - (za * sa / sc + zb * sb / sc), all in float: the order of
  // onnxruntime's x86-64 kernel, which it rounds differently from the textbook
  // (a - za) * sa / sc + (b - zb) * sb / sc wherever a value lands within float error of a half
  // (9 of 16 ResNet-50 QLinearAdd nodes on 200k random inputs each: 9 elements differ that way,
  // none this way). Mul: (a - za) * (b - zb) * (sa * sb / sc).
  const float ra = sa / sc, rb = sb / sc, rab = sa * sb / sc;
  const float bias = static_cast<float>(zc) - (static_cast<float>(za) * ra + static_cast<float>(zb) * rb);
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data_as<T>();
    const T* b = in[3]->data_as<T>();
    T* y = out[0]->data_as<T>();
    elementwise::for_each_broadcast<2>(out[0]->shape(), {&in[0]->shape(), &in[3]->shape()}, [&](int64_t o, auto off) {
      if constexpr (Mul) {
        y[o] = quant::qlinear_mul<T>(a[off[0]], b[off[1]], rab, za, zb, zc);
      } else {
        const float v = std::fma(static_cast<float>(a[off[0]]), ra, std::fma(static_cast<float>(b[off[1]]), rb, bias));
        y[o] = quant::saturate<T>(quant::round_half_even(v));
      }
    });
  });
}

// ---- QLinearSigmoid, QLinearLeakyRelu: X, X_scale, X_zp, Y_scale, Y_zp ----

void unary_infer(InferContext& ctx) {
  ctx.expect_inputs(4, 5);
  nn::expect_types(ctx, 0, "X", kInt8Types);
  expect_scalar(ctx, 1, "X_scale", DType::F32);
  expect_scalar(ctx, 2, "X_zero_point", ctx.dtype(0));
  expect_scalar(ctx, 3, "Y_scale", DType::F32);
  expect_scalar(ctx, 4, "Y_zero_point", ctx.dtype(0));
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
}

// Y = q(f(dq(X))) for every one of the 256 possible inputs, then a table lookup per element.
void unary_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const float sx = scalar_float(in[1]), sy = scalar_float(in[3]);
  const int32_t zx = scalar_int(optional_input(in, 2)), zy = scalar_int(optional_input(in, 4));
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    T table[256];
    quant::qlinear_unary_table<T>(n.op_type, n.attrs.get_float("alpha", 0.01f), sx, zx, sy, zy, table);
    const T* x = in[0]->data_as<T>();
    T* y = out[0]->data_as<T>();
    for (int64_t i = 0; i < in[0]->numel(); ++i) y[i] = table[static_cast<uint8_t>(x[i])];
  });
}

// ---- QLinearGlobalAveragePool: X, x_scale, x_zp, y_scale, y_zp ----

void global_pool_infer(InferContext& ctx) {
  ctx.expect_inputs(5, 5);
  nn::expect_types(ctx, 0, "X", kInt8Types);
  expect_scalar(ctx, 1, "x_scale", DType::F32);
  expect_scalar(ctx, 2, "x_zero_point", ctx.dtype(0));
  expect_scalar(ctx, 3, "y_scale", DType::F32);
  expect_scalar(ctx, 4, "y_zero_point", ctx.dtype(0));
  if (ctx.rank(0) < 3) ctx.error("input X has shape ", shape_to_string(ctx.shape(0)), "; expected rank 3 or more");
  Shape y = ctx.shape(0);
  const bool channels_last = ctx.attrs().get_int("channels_last", 0) != 0;
  // [N, C, spatial...] -> [N, C, 1...]; channels last: [N, spatial..., C] -> [N, 1..., C].
  for (size_t d = channels_last ? 1 : 2; d < y.size() - (channels_last ? 1 : 0); ++d) y[d] = 1;
  ctx.set_output(0, ctx.dtype(0), y);
}

void global_pool_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Shape& xs = in[0]->shape();
  const bool channels_last = n.attrs.get_int("channels_last", 0) != 0;
  const int64_t N = xs[0], C = channels_last ? xs.back() : xs[1];
  const int64_t count = N * C == 0 ? 0 : in[0]->numel() / (N * C);
  const float sx = scalar_float(in[1]), sy = scalar_float(in[3]);
  const int32_t zx = scalar_int(in[2]), zy = scalar_int(in[4]);
  const float m = sx / (sy * static_cast<float>(count));
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data_as<T>();
    T* y = out[0]->data_as<T>();
    for (int64_t nc = 0; nc < N * C; ++nc) {
      const int64_t b = nc / C, c = nc % C;
      int64_t sum = 0;  // exact: at most 2^8 * count
      for (int64_t k = 0; k < count; ++k) sum += x[channels_last ? (b * count + k) * C + c : nc * count + k] - zx;
      y[nc] = quant::requantize<T>(static_cast<int32_t>(sum), m, zy);
    }
  });
}

// ---- QLinearConcat: Y_scale, Y_zp, (X_i, X_i_scale, X_i_zp)... ----

void concat_infer(InferContext& ctx) {
  if (ctx.num_inputs() < 5 || (ctx.num_inputs() - 2) % 3 != 0)
    ctx.error("expected Y_scale, Y_zero_point and a (tensor, scale, zero point) triple per input; got ",
              ctx.num_inputs(), " inputs");
  expect_scalar(ctx, 0, "Y_scale", DType::F32);
  nn::expect_types(ctx, 1, "Y_zero_point", kInt8Types);
  expect_scalar(ctx, 1, "Y_zero_point");
  const DType t = ctx.dtype(1);
  const int rank = ctx.rank(2);
  const int axis = normalize_axis(ctx, ctx.attrs().get_int("axis", 0), rank);
  Shape y = ctx.shape(2);
  for (int i = 2; i < ctx.num_inputs(); i += 3) {
    if (ctx.dtype(i) != t)
      ctx.error("input ", i, " has type ", dtype_name(ctx.dtype(i)), "; expected ", dtype_name(t),
                " (Y_zero_point's type)");
    expect_scalar(ctx, i + 1, "an input scale", DType::F32);
    expect_scalar(ctx, i + 2, "an input zero point", t);
    const Shape& s = ctx.shape(i);
    bool ok = static_cast<int>(s.size()) == rank;
    for (int d = 0; ok && d < rank; ++d) ok = d == axis || s[d] == y[d];
    if (!ok)
      ctx.error("input ", i, " has shape ", shape_to_string(s), ", which does not match ",
                shape_to_string(ctx.shape(2)), " outside axis ", axis);
    if (i > 2) y[axis] += s[axis];
  }
  ctx.set_output(0, t, y);
}

void concat_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Shape& ys = out[0]->shape();
  const int rank = static_cast<int>(ys.size());
  int64_t axis = n.attrs.get_int("axis", 0);
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= ys[d];
  for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= ys[d];
  const float sy = scalar_float(in[0]);
  const int32_t zy = scalar_int(in[1]);
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* y = out[0]->data_as<T>();
    int64_t at = 0;  // offset along the axis
    for (size_t i = 2; i < in.size(); i += 3) {
      const T* x = in[i]->data_as<T>();
      const float sx = scalar_float(in[i + 1]);
      const int32_t zx = scalar_int(in[i + 2]);
      const int64_t run = in[i]->shape()[axis] * inner;
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < run; ++k)
          y[o * ys[axis] * inner + at * inner + k] =
              quant::quantize<T>(quant::dequantize(x[o * run + k], sx, zx), sy, zy);
      at += in[i]->shape()[axis];
    }
  });
}

// ---- QLinearSoftmax: X, X_scale, x_zero_point, y_scale, y_zero_point ----

// The reduced extent of the softmax as rows: outer x extent x inner, normalised per
// (outer, inner) over `extent` elements `inner` apart.
struct SoftmaxRows {
  int64_t outer = 1, extent = 1, inner = 1;
};

SoftmaxRows softmax_rows(const Attributes& attrs, const Shape& s, const InferContext* ctx = nullptr) {
  const int rank = static_cast<int>(s.size());
  const int64_t opset = attrs.get_int("opset", 13);
  int64_t axis = attrs.get_int("axis", opset < 13 ? 1 : -1);
  if (axis < -rank || axis >= std::max(rank, 1)) {
    if (ctx) ctx->error("axis ", axis, " is out of range for input rank ", rank);
    axis = 0;
  }
  if (axis < 0) axis += rank;
  SoftmaxRows r;
  for (int d = 0; d < rank; ++d) {
    if (d < axis) r.outer *= s[d];
    else if (d == axis || opset < 13) r.extent *= s[d];
    else r.inner *= s[d];
  }
  return r;
}

// The inputs are the unary ops' (X, X_scale, x_zero_point, y_scale, y_zero_point).
void softmax_infer(InferContext& ctx) {
  unary_infer(ctx);
  if (!ctx.attrs().has("opset")) ctx.error("has no 'opset' attribute (required: the Softmax opset it follows)");
  softmax_rows(ctx.attrs(), ctx.shape(0), &ctx);
}

// exp(dq(x) - dq(max)) depends only on max - x (0..255 steps), so one table of 256 values serves
// every row; each row is then a sum and a quantized division.
void softmax_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const SoftmaxRows r = softmax_rows(n.attrs, in[0]->shape());
  const float sx = scalar_float(in[1]), sy = scalar_float(in[3]);
  const int32_t zy = scalar_int(optional_input(in, 4));
  float table[256];
  for (int d = 0; d < 256; ++d) table[d] = std::exp(-static_cast<float>(d) * sx);
  quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data_as<T>();
    T* y = out[0]->data_as<T>();
    for (int64_t o = 0; o < r.outer; ++o)
      for (int64_t i = 0; i < r.inner; ++i) {
        const int64_t base = o * r.extent * r.inner + i;
        int32_t max = std::numeric_limits<int32_t>::min();
        for (int64_t k = 0; k < r.extent; ++k) max = std::max<int32_t>(max, x[base + k * r.inner]);
        float sum = 0;
        for (int64_t k = 0; k < r.extent; ++k) sum += table[max - x[base + k * r.inner]];
        const float inv = 1.f / sum;
        for (int64_t k = 0; k < r.extent; ++k)
          y[base + k * r.inner] = quant::quantize<T>(table[max - x[base + k * r.inner]] * inv, sy, zy);
      }
  });
}

}  // namespace

void register_contrib_qlinear_ops(OpRegistry& r) {
  auto add = [&](const char* name, InferFn infer, RefKernelFn ref, double ops, std::vector<AttrSpec> attrs = {}) {
    OpDef d;
    d.op_type = name;
    d.domain = kDomain;
    d.since = 1;
    d.attributes = std::move(attrs);
    d.infer = std::move(infer);
    d.cost = [ops](const CostContext& c) { return per_output_cost(c, ops); };
    d.reference = std::move(ref);
    // Element by element (the layout rules check that the operands are not broadcast).
    const std::string_view op = name;
    d.position_wise = op != "QLinearGlobalAveragePool" && op != "QLinearConcat" && op != "QLinearSoftmax";
    r.add_op(std::move(d));
  };
  add("QLinearAdd", binary_infer, binary_reference<false>, 1);
  add("QLinearMul", binary_infer, binary_reference<true>, 1);
  add("QLinearSigmoid", unary_infer, unary_reference, 1);
  add("QLinearLeakyRelu", unary_infer, unary_reference, 1, {{"alpha", AttrType::FLOAT}});
  add("QLinearGlobalAveragePool", global_pool_infer, global_pool_reference, 1, {{"channels_last", AttrType::INT}});
  add("QLinearConcat", concat_infer, concat_reference, 1, {{"axis", AttrType::INT}});
  add("QLinearSoftmax", softmax_infer, softmax_reference, 4, {{"axis", AttrType::INT}, {"opset", AttrType::INT}});
  register_contrib_qgemm_op(r);
}

}  // namespace layerscope
