// QLinearConvAdd (fused domain): an int8 convolution whose output goes straight into an int8
// residual add (com.microsoft QLinearAdd), as passes/fuse_qdq.cpp finds it in ResNet-style
// quantized models, computed in one pass over memory with the unfused graph's arithmetic.
//   inputs:  0-8 QLinearConv's (x, x_scale, x_zero_point, w, w_scale, w_zero_point,
//            c_scale, c_zero_point, [B]): c = the convolution's own (intermediate) output,
//            9 residual r, 10 r_scale, 11 r_zero_point, 12 y_scale, 13 y_zero_point (the add's)
//   c = clamp(round((sum (x - x_zp) w + B) * x_scale * w_scale[oc] / c_scale), lo - c_zp, hi - c_zp)
//                                           (QLinearConv's output, less its zero point)
//   y = saturate(round(c * c_scale / y_scale + (r - r_zp) * r_scale / y_scale) + y_zp)
// c is rounded and clipped as the unfused QLinearConv does: skipping that rounding (adding the
// residual to the exact accumulator) looks more accurate but moves about half of the outputs
// by a step away from what every other runtime computes for the file, and a deep network
// amplifies that (ResNet-50's output cosine against onnxruntime fell from 0.997 to 0.986).
// Attributes: QLinearConv's.
#include <algorithm>
#include <cmath>

#include "ops/fused/reference.h"
#include "ops/quant/quant_math.h"
#include "ops/quant/quant_params.h"

namespace layerscope {

namespace {

constexpr int kResidual = 9;
constexpr int kYScale = 12, kYZero = 13;

float scalar_f32(const Tensor* t) { return *t->data_as<float>(); }
int32_t scalar_zero(const Tensor* t) {
  if (!t) return 0;
  switch (t->dtype()) {
    case DType::I8: return *t->data_as<int8_t>();
    case DType::U8: return *t->data_as<uint8_t>();
    default: return *t->data_as<int32_t>();
  }
}

template <typename T>
T element(const Tensor& t, int64_t i) {
  return t.data_as<T>()[i];
}

}  // namespace

void register_fused_qlinear_conv_add_op(OpRegistry& r) {
  const OpDef& qconv = fused_ref::onnx_op(r, "QLinearConv", 10);
  const OpDef& conv_integer = fused_ref::onnx_op(r, "ConvInteger", 10);
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = "QLinearConvAdd";
  d.since = 1;
  d.attributes = attributes_at(qconv, 10);
  d.infer = [qconv_infer = qconv.infer](InferContext& c) {
    if (c.num_inputs() != 14)
      c.error("expected 14 inputs (QLinearConv's 9, the residual's 3, the output's 2), got ", c.num_inputs());
    std::vector<TensorInfo> in(c.inputs().begin(), c.inputs().begin() + 9);
    InferContext sub(c.node(), std::move(in), std::vector<const Tensor*>(9, nullptr));
    qconv_infer(sub);
    const TensorInfo& y = sub.outputs()[0];
    for (int k : {10, 11, kYScale, kYZero})
      if (!c.has_input(k) || shape_numel(c.shape(k)) != 1)
        c.error("the residual's and the output's scales and zero points must be single values");
    const DType out = c.dtype(kYZero);
    if (out != DType::I8 && out != DType::U8) c.error("y_zero_point must be int8 or uint8");
    const TensorInfo& res = c.input(kResidual);
    if (res.dtype != out || res.shape != y.shape)
      c.error("the residual is ", dtype_name(res.dtype), " ", shape_to_string(res.shape), "; expected ",
              dtype_name(out), " ", shape_to_string(y.shape), " (the output's type and shape)");
    if (c.dtype(11) != out) c.error("r_zero_point must have the residual's type");
    c.set_output(0, c.dtype(kYZero), y.shape);
  };
  d.cost = [conv_cost = qconv.cost](const CostContext& c) {
    Cost cost = conv_cost(c);
    cost.other_ops += static_cast<double>(shape_numel(c.outputs[0].shape));  // the add
    return cost;
  };
  // ConvInteger's exact int32 sums, then the formula above in double.
  d.reference = [ci = conv_integer.reference](const Node& n, std::span<const Tensor* const> in,
                                              std::span<Tensor* const> out) {
    const Tensor* w_zero = in[5];
    if (w_zero)
      for (int64_t i = 0; i < w_zero->numel(); ++i)
        LS_CHECK((w_zero->dtype() == DType::I8 ? element<int8_t>(*w_zero, i) : element<uint8_t>(*w_zero, i)) == 0,
                 Graph::describe(n), ": weight zero points must be 0");
    Tensor acc = fused_ref::run(ci, fused_ref::as_onnx(n, "ConvInteger", 10, n.attrs), {in[0], in[3], in[2]},
                                DType::I32, out[0]->shape());
    const float x_scale = scalar_f32(in[1]), c_scale = scalar_f32(in[6]), r_scale = scalar_f32(in[10]);
    const float y_scale = scalar_f32(in[kYScale]);
    const int32_t c_zero = scalar_zero(in[7]), r_zero = scalar_zero(in[11]), y_zero = scalar_zero(in[kYZero]);
    // c's range in real units (its type is its zero point's).
    const bool c_int8 = in[7] && in[7]->dtype() == DType::I8;
    const float c_lo = (c_int8 ? -128.f : 0.f) - c_zero, c_hi = (c_int8 ? 127.f : 255.f) - c_zero;
    const Tensor& w_scale = *in[4];
    const Tensor* bias = in.size() > 8 ? in[8] : nullptr;
    const int64_t channels = out[0]->dim(1), plane = out[0]->numel() / (out[0]->dim(0) * channels);
    const Tensor& res = *in[kResidual];
    quant::dispatch_quant_int(out[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* y = out[0]->data_as<T>();
      const T* rv = res.data_as<T>();
      for (int64_t i = 0; i < out[0]->numel(); ++i) {
        const int64_t oc = (i / plane) % channels;
        const float m = x_scale * w_scale.data_as<float>()[w_scale.numel() == 1 ? 0 : oc] / c_scale;
        const int32_t a = acc.data_as<int32_t>()[i] + (bias ? bias->data_as<int32_t>()[oc] : 0);
        const float c = std::clamp(std::nearbyint(static_cast<float>(a) * m), c_lo, c_hi);
        const float v = c * (c_scale / y_scale) + (static_cast<float>(rv[i]) - r_zero) * (r_scale / y_scale);
        y[i] = quant::saturate<T>(static_cast<double>(std::nearbyint(v)) + y_zero);
      }
    });
  };
  r.add_op(std::move(d));
}

}  // namespace layerscope
