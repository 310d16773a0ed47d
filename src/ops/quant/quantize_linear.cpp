// QuantizeLinear, DequantizeLinear (opsets 10, 13, 19, 21) and DynamicQuantizeLinear (11).
//   QuantizeLinear:   y = saturate(round_half_even(x / y_scale) + y_zero_point)
//   DequantizeLinear: y = (x - x_zero_point) * x_scale
//   DynamicQuantizeLinear: uint8 with scale and zero point from x's range (extended to hold 0):
//     scale = (max(x, 0) - min(x, 0)) / 255, zero_point = saturate(round(0 - min / scale)),
//     then QuantizeLinear with them.
// Opset history: 13 adds `axis` (per-axis scales), 19 float16/bfloat16 scales, float8 types and
// `saturate`, 21 `block_size` (blocked scales), int16/uint16 and int4, and QuantizeLinear's
// `output_dtype` (the output type when there is no zero point). Granularities: quant_params.h.
// float8 (ir/float8.h): y = float8(x / y_scale + y_zero_point), x / y_scale rounded once to the
//   float8 type (nearest even), saturating unless saturate = 0 (Cast's tables); a zero point of 0
//   (the usual one) adds nothing, so -0 stays -0. DequantizeLinear: (x - x_zero_point) * x_scale
//   in float, the float8 values exact.
// int4 / uint4: as the 8-bit types, saturating to [-8, 7] / [0, 15]; held one per byte (ir/int4.h).
#include <algorithm>
#include <cmath>

#include "ir/float8.h"
#include "ir/int4.h"
#include "ops/op_registry.h"
#include "ops/op_utils.h"
#include "ops/quant/quant_math.h"
#include "ops/quant/quant_ops.h"
#include "ops/quant/quant_params.h"

namespace layerscope {
namespace {

using quant::ParamLayout;

struct QdqVersion {
  int opset;  // the first opset of this definition: 10, 13, 19 or 21
  bool per_axis() const { return opset >= 13; }
  bool half_scales() const { return opset >= 19; }
  bool blocked() const { return opset >= 21; }
  bool int16() const { return opset >= 21; }
  bool float8() const { return opset >= 19; }
  bool int4() const { return opset >= 21; }
};

std::vector<DType> quantized_types(QdqVersion v) {
  std::vector<DType> t{DType::I8, DType::U8};
  if (v.int16()) t.insert(t.end(), {DType::I16, DType::U16});
  if (v.float8()) t.insert(t.end(), {DType::F8E4M3FN, DType::F8E4M3FNUZ, DType::F8E5M2, DType::F8E5M2FNUZ});
  if (v.int4()) t.insert(t.end(), {DType::U4, DType::I4});
  return t;
}

void expect_scale(const InferContext& ctx, int i, const char* name, QdqVersion v) {
  DType t = ctx.dtype(i);
  if (t == DType::F32 || (v.half_scales() && quant::is_scale_type(t))) return;
  ctx.error("scale ", name, " has type ", dtype_name(t), "; expected FLOAT",
            v.half_scales() ? ", FLOAT16 or BFLOAT16" : " (opsets before 19)");
}

void expect_one_of(const InferContext& ctx, int i, const char* what, const std::vector<DType>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), ctx.dtype(i)) == allowed.end())
    ctx.error(what, " has type ", dtype_name(ctx.dtype(i)), "; expected one of ", quant::type_list(allowed),
              " (at opset ", ctx.node().opset, ")");
}

ParamLayout layout_of(const InferContext& ctx, QdqVersion v) {
  return quant::param_layout(ctx, ctx.shape(0), ctx.shape(1), ctx.attrs().get_int("axis", 1),
                             v.blocked() ? ctx.attrs().get_int("block_size", 0) : 0, v.per_axis());
}

ParamLayout layout_of(const Node& n, std::span<const Tensor* const> in) {
  return quant::param_layout(in[0]->shape(), in[1]->shape(), n.attrs.get_int("axis", 1),
                             n.attrs.get_int("block_size", 0));
}

// ---- QuantizeLinear ----

// The output type: the zero point's; without one, output_dtype (21+) or uint8.
DType quantize_output_type(const InferContext& ctx, QdqVersion v) {
  const int64_t code = v.blocked() ? ctx.attrs().get_int("output_dtype", 0) : 0;
  if (code != 0 && std::string(dtype_name(static_cast<DType>(code))) == "UNDEFINED")
    ctx.error("attribute output_dtype = ", code, " is not a supported type");
  if (ctx.has_input(2)) {
    if (code != 0 && static_cast<DType>(code) != ctx.dtype(2))
      ctx.error("attribute output_dtype (", dtype_name(static_cast<DType>(code)), ") and the zero point's type (",
                dtype_name(ctx.dtype(2)), ") differ");
    return ctx.dtype(2);
  }
  return code != 0 ? static_cast<DType>(code) : DType::U8;
}

void quantize_infer(InferContext& ctx, QdqVersion v) {
  ctx.expect_inputs(2, 3);
  std::vector<DType> x_types{DType::F32, DType::I32};
  if (v.half_scales()) x_types.insert(x_types.end(), {DType::F16, DType::BF16});
  expect_one_of(ctx, 0, "input x", x_types);
  expect_scale(ctx, 1, "y_scale", v);
  if (v.half_scales() && ctx.dtype(0) != DType::I32 && ctx.dtype(0) != ctx.dtype(1))
    ctx.error("input x (", dtype_name(ctx.dtype(0)), ") and y_scale (", dtype_name(ctx.dtype(1)),
              ") must have the same type");
  const DType out = quantize_output_type(ctx, v);
  if (ctx.has_input(2)) expect_one_of(ctx, 2, "zero point y_zero_point", quantized_types(v));
  else {
    const std::vector<DType> allowed = quantized_types(v);
    if (std::find(allowed.begin(), allowed.end(), out) == allowed.end())
      ctx.error("output type ", dtype_name(out), " is not one of ", quant::type_list(allowed));
  }
  layout_of(ctx, v);
  quant::check_zero_point(ctx, 2, "y_zero_point", 1, out);
  ctx.set_output(0, out, ctx.shape(0));
}

// The zero point's values as float (float8 ones decoded); an omitted one gives one 0.
std::vector<float> zero_points_as_float(const Tensor* t) {
  if (!t || !is_float8(t->dtype())) {
    const std::vector<int32_t> z = quant::ints_of(t);
    return std::vector<float>(z.begin(), z.end());
  }
  std::vector<float> v(static_cast<size_t>(t->numel()));
  for (int64_t i = 0; i < t->numel(); ++i) v[i] = float8_to_float(t->data_as<uint8_t>()[i], t->dtype());
  return v;
}

void quantize_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const ParamLayout p = layout_of(n, in);
  const std::vector<float> scale = quant::floats_of(*in[1]);
  const Tensor* zp_tensor = in.size() > 2 ? in[2] : nullptr;
  const Tensor& x = *in[0];
  // float16 / bfloat16 inputs divide in their own precision (numpy's x / y_scale does).
  const DType div_type = x.dtype() == DType::I32 ? DType::F32 : x.dtype();
  const DType t = out[0]->dtype();
  uint8_t* y8 = out[0]->data_as<uint8_t>();
  if (is_float8(t)) {
    const std::vector<float> zp = zero_points_as_float(zp_tensor);
    const bool saturate = n.attrs.get_int("saturate", 1) != 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int64_t j = p.index(i);
      const float z = zp[zp.size() == 1 ? 0 : j];
      float v = quant::round_to(div_type, quant::load_float(x, i) / scale[j]);
      if (z != 0) v += z;
      y8[i] = float_to_float8(v, t, saturate);
    }
    return;
  }
  const std::vector<int32_t> zp = quant::ints_of(zp_tensor);
  if (is_int4(t)) {
    const double lo = int4_min(t), hi = int4_max(t);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int64_t j = p.index(i);
      const float q = quant::round_to(div_type, quant::load_float(x, i) / scale[j]);
      const double v = static_cast<double>(quant::round_half_even(q)) + zp[zp.size() == 1 ? 0 : j];
      y8[i] = static_cast<uint8_t>(static_cast<int>(std::isnan(v) ? 0 : std::clamp(v, lo, hi)));
    }
    return;
  }
  quant::dispatch_quant_int(t, [&](auto tag) {
    using T = decltype(tag);
    T* y = out[0]->data_as<T>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int64_t j = p.index(i);
      const float q = quant::round_to(div_type, quant::load_float(x, i) / scale[j]);
      y[i] = quant::saturate<T>(static_cast<double>(quant::round_half_even(q)) + zp[zp.size() == 1 ? 0 : j]);
    }
  });
}

// ---- DequantizeLinear ----

void dequantize_infer(InferContext& ctx, QdqVersion v) {
  ctx.expect_inputs(2, 3);
  std::vector<DType> x_types = quantized_types(v);
  x_types.push_back(DType::I32);
  expect_one_of(ctx, 0, "input x", x_types);
  expect_scale(ctx, 1, "x_scale", v);
  layout_of(ctx, v);
  quant::check_zero_point(ctx, 2, "x_zero_point", 1, ctx.dtype(0));
  ctx.set_output(0, ctx.dtype(1), ctx.shape(0));
}

void dequantize_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const ParamLayout p = layout_of(n, in);
  const std::vector<float> scale = quant::floats_of(*in[1]);
  const Tensor* zp_tensor = in.size() > 2 ? in[2] : nullptr;
  const DType t = in[0]->dtype();
  if (is_float8(t)) {
    const std::vector<float> zp = zero_points_as_float(zp_tensor);
    const uint8_t* x = in[0]->data_as<uint8_t>();
    for (int64_t i = 0; i < in[0]->numel(); ++i) {
      const int64_t j = p.index(i);
      quant::store_float(*out[0], i, (float8_to_float(x[i], t) - zp[zp.size() == 1 ? 0 : j]) * scale[j]);
    }
    return;
  }
  const std::vector<int32_t> zp = quant::ints_of(zp_tensor);
  if (is_int4(t)) {
    for (int64_t i = 0; i < in[0]->numel(); ++i) {
      const int64_t j = p.index(i);
      const int32_t q = t == DType::I4 ? in[0]->data_as<int8_t>()[i] : in[0]->data_as<uint8_t>()[i];
      quant::store_float(*out[0], i, quant::dequantize(q, scale[j], zp[zp.size() == 1 ? 0 : j]));
    }
    return;
  }
  quant::dispatch_quant_int(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = in[0]->data_as<T>();
    for (int64_t i = 0; i < in[0]->numel(); ++i) {
      const int64_t j = p.index(i);
      quant::store_float(*out[0], i, quant::dequantize(x[i], scale[j], zp[zp.size() == 1 ? 0 : j]));
    }
  });
}

// ---- DynamicQuantizeLinear ----

void dynamic_quantize_infer(InferContext& ctx) {
  ctx.expect_inputs(1, 1);
  expect_one_of(ctx, 0, "input x", {DType::F32});
  ctx.set_output(0, DType::U8, ctx.shape(0));
  ctx.set_output(1, DType::F32, {});
  ctx.set_output(2, DType::U8, {});
}

void dynamic_quantize_reference(const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const float* x = in[0]->data_as<float>();
  const int64_t n = in[0]->numel();
  // The range always holds 0, so that 0 is exactly representable (zero padding stays exact).
  float lo = 0.f, hi = 0.f;
  for (int64_t i = 0; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  const float scale = (hi == lo ? 1.f : hi - lo) / 255.f;
  const uint8_t zp = quant::saturate<uint8_t>(quant::round_half_even(0.f - lo / scale));
  uint8_t* y = out[0]->data_as<uint8_t>();
  for (int64_t i = 0; i < n; ++i) y[i] = quant::quantize<uint8_t>(x[i], scale, zp);
  out[1]->data_as<float>()[0] = scale;
  out[2]->data_as<uint8_t>()[0] = zp;
}

// One op per element (a division or multiply and a rounding); bytes of every input and output.
Cost per_element_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  cost.other_ops = static_cast<double>(shape_numel(c.inputs[0].shape));
  return cost;
}

}  // namespace

void register_quantize_linear_ops(OpRegistry& r) {
  const std::pair<int, int> ranges[] = {{10, 12}, {13, 18}, {19, 20}, {21, INT_MAX}};
  for (auto [since, until] : ranges) {
    const QdqVersion v{since};
    std::vector<AttrSpec> attrs;
    if (v.per_axis()) attrs.push_back({"axis", AttrType::INT});
    if (v.blocked()) attrs.push_back({"block_size", AttrType::INT});

    OpDef q;
    q.op_type = "QuantizeLinear";
    q.since = since;
    q.until = until;
    q.attributes = attrs;
    // saturate concerns float8 outputs only (integers always saturate).
    if (v.half_scales()) q.attributes.push_back({"saturate", AttrType::INT});
    if (v.blocked()) q.attributes.push_back({"output_dtype", AttrType::INT});
    q.infer = [v](InferContext& c) { quantize_infer(c, v); };
    q.cost = per_element_cost;
    q.reference = quantize_reference;
    q.position_wise = true;  // with one scale and zero point (layout_rules checks the shapes)
    q.narrow_types = true;
    r.add_op(std::move(q));

    OpDef dq;
    dq.op_type = "DequantizeLinear";
    dq.since = since;
    dq.until = until;
    dq.attributes = attrs;
    dq.infer = [v](InferContext& c) { dequantize_infer(c, v); };
    dq.cost = per_element_cost;
    dq.reference = dequantize_reference;
    dq.position_wise = true;
    dq.narrow_types = true;
    // The weights' DequantizeLinear stays a node until passes/fuse_qdq.cpp read its int8
    // values and scales; what the passes leave is folded then.
    dq.fold_after_passes = true;
    r.add_op(std::move(dq));
  }

  OpDef dyn;
  dyn.op_type = "DynamicQuantizeLinear";
  dyn.since = 11;
  dyn.infer = dynamic_quantize_infer;
  // Two passes over x (range, then quantize): two ops per element.
  dyn.cost = [](const CostContext& c) {
    Cost cost = per_element_cost(c);
    cost.other_ops *= 2;
    return cost;
  };
  dyn.reference = dynamic_quantize_reference;
  r.add_op(std::move(dyn));
}

}  // namespace layerscope
