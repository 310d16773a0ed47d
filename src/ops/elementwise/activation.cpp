// Activation functions: Relu LeakyRelu Elu Selu Celu Sigmoid HardSigmoid HardSwish Softplus
// Softsign Tanh ThresholdedRelu Mish Gelu, and PRelu (a learned slope broadcast onto x).
// Attribute values are floats; they are applied in the element type (as the ONNX reference does).
#include <cmath>

#include "ops/elementwise/unary.h"

namespace layerscope::elementwise {

namespace {

// log(1 + e^x) without overflow: for x > 0 it is x + log1p(e^-x).
template <typename T>
T softplus(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// PRelu's slope as a shape that numpy-broadcasts onto x, or false. Opset 7+: unidirectional
// numpy broadcasting. Before 7 (Caffe2 semantics, as old exporters emit): one value, x's
// shape, or a 1-D slope of x's channel count (dim 1), applied per channel.
bool prelu_slope_shape(bool legacy, const Shape& x, const Shape& slope, Shape* eff) {
  if (!legacy) {
    Shape b;
    *eff = slope;
    return try_broadcast_shapes(x, slope, &b) && b == x;
  }
  if (shape_numel(slope) == 1) *eff = Shape{};
  else if (slope == x) *eff = slope;
  else if (slope.size() == 1 && x.size() >= 2 && slope[0] == x[1]) {
    *eff = Shape(x.size() - 1, 1);
    (*eff)[0] = slope[0];
  } else {
    return false;
  }
  return true;
}

void register_prelu(OpRegistry& r) {
  // y = x < 0 ? slope * x : x.
  constexpr TypeMask kTypes = kFloat | kSigned | bit(DType::U32) | bit(DType::U64);
  for (auto [since, until] : {std::pair{1, 6}, std::pair{7, INT_MAX}}) {
    OpDef d;
    d.op_type = "PRelu";
    d.since = since;
    d.until = until;
    d.attributes = {legacy_consumed_inputs()};
    const bool legacy = since == 1;
    d.infer = [legacy](InferContext& c) {
      c.expect_inputs(2, 2);
      check_type(c, 0, kTypes);
      check_same_type(c, 0, 1);
      Shape eff;
      if (!prelu_slope_shape(legacy, c.shape(0), c.shape(1), &eff))
        c.error("slope shape ", shape_to_string(c.shape(1)), " cannot be broadcast to input shape ",
                shape_to_string(c.shape(0)),
                legacy ? " (before opset 7 it must be one value, x-shaped, or one value per channel)" : "");
      c.set_output(0, c.dtype(0), c.shape(0));
    };
    d.cost = [](const CostContext& c) { return elementwise_cost(c, 2); };
    d.reference = [legacy](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
      Shape slope_shape;
      if (!prelu_slope_shape(legacy, in[0]->shape(), in[1]->shape(), &slope_shape))
        fail(Graph::describe(n), ": slope shape does not fit the input");
      dispatch<kTypes>(in[0]->dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* x = in[0]->data_as<T>();
        const T* s = in[1]->data_as<T>();
        T* y = out[0]->data_as<T>();
        for_each_broadcast<2>(out[0]->shape(), {&in[0]->shape(), &slope_shape}, [&](int64_t o, const auto& off) {
          const T v = x[off[0]];
          y[o] = v < T(0) ? static_cast<T>(s[off[1]] * v) : v;
        });
      });
    };
    r.add_op(std::move(d));
  }
}

// Parameters read once for the reference and the post-ops (defaults from the ONNX spec).
float leaky_relu_alpha(const Attributes& a) { return a.get_float("alpha", 0.01f); }
float elu_alpha(const Attributes& a) { return a.get_float("alpha", 1.0f); }
float hard_sigmoid_alpha(const Attributes& a) { return a.get_float("alpha", 0.2f); }
float hard_sigmoid_beta(const Attributes& a) { return a.get_float("beta", 0.5f); }
bool gelu_tanh(const Attributes& a) { return a.get_string("approximate", "none") == "tanh"; }

// `d` registered as an activation a convolution or matmul can absorb, computed by `post_ops`.
void add_activation(OpRegistry& r, OpDef d, std::function<PostOps(const Attributes&)> post_ops) {
  d.activation = ActivationTrait{std::move(post_ops)};
  r.add_op(std::move(d));
}
// The same for an activation without parameters: always the steps `steps`.
void add_activation(OpRegistry& r, OpDef d, PostOps steps) {
  add_activation(r, std::move(d), [steps](const Attributes&) { return steps; });
}

}  // namespace

void register_activation_ops(OpRegistry& r) {
  using enum AttrType;
  const AttrSpec consumed_inputs = legacy_consumed_inputs();
  // Relu: NaN passes through (it is not below zero).
  add_activation(r, unary_def<kFloat | kSigned>("Relu", 1, {consumed_inputs}, stateless([](auto x) {
                                                  return x < decltype(x)(0) ? decltype(x)(0) : x;
                                                })),
                 {{Eltwise::Relu}});
  // LeakyRelu: oneDNN's relu with alpha as the slope below zero.
  add_activation(r,
                 unary_def<kFloat>("LeakyRelu", 1, {{"alpha", FLOAT}, consumed_inputs},
                                   [](const Attributes& a) {
                                     const float alpha = leaky_relu_alpha(a);
                                     return [alpha](auto x) { return x < 0 ? decltype(x)(alpha) * x : x; };
                                   }),
                 [](const Attributes& a) {
                   return PostOps{{Eltwise::Relu, leaky_relu_alpha(a)}};
                 });
  add_activation(r,
                 unary_def<kFloat>("Elu", 1, {{"alpha", FLOAT}, consumed_inputs},
                                   [](const Attributes& a) {
                                     const float alpha = elu_alpha(a);
                                     return [alpha](auto x) { return x < 0 ? decltype(x)(alpha) * std::expm1(x) : x; };
                                   }),
                 [](const Attributes& a) {
                   return PostOps{{Eltwise::Elu, elu_alpha(a)}};
                 });
  add_unary_with_attrs<kFloat>(r, "Selu", 1, {{"alpha", FLOAT}, {"gamma", FLOAT}, consumed_inputs},
                               [](const Attributes& a) {
                                 const float alpha = a.get_float("alpha", 1.67326319217681884765625f);
                                 const float gamma = a.get_float("gamma", 1.05070102214813232421875f);
                                 return [alpha, gamma](auto x) {
                                   using T = decltype(x);
                                   return x <= 0 ? T(gamma) * (T(alpha) * std::exp(x) - T(alpha)) : T(gamma) * x;
                                 };
                               });
  // Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
  add_unary_with_attrs<kFloat>(
      r, "Celu", 12, {{"alpha", FLOAT}},
      [](const Attributes& a) {
        const float alpha = a.get_float("alpha", 1.0f);
        return [alpha](auto x) {
          using T = decltype(x);
          return std::max(T(0), x) + std::min(T(0), T(alpha) * std::expm1(x / T(alpha)));
        };
      },
      [](const InferContext& c) {
        if (c.attrs().get_float("alpha", 1.0f) == 0.f) c.error("attribute 'alpha' must not be 0");
      });
  add_activation(r, unary_def<kFloat>("Sigmoid", 1, {consumed_inputs}, stateless([](auto x) {
                                        return decltype(x)(1) / (decltype(x)(1) + std::exp(-x));
                                      })),
                 {{Eltwise::Logistic}});
  // HardSigmoid: oneDNN 2.6 has no eltwise for it; linear (alpha x + beta), then clip to [0, 1].
  add_activation(
      r,
      unary_def<kFloat>("HardSigmoid", 1, {{"alpha", FLOAT}, {"beta", FLOAT}, consumed_inputs},
                        [](const Attributes& a) {
                          const float alpha = hard_sigmoid_alpha(a), beta = hard_sigmoid_beta(a);
                          return [alpha, beta](auto x) {
                            using T = decltype(x);
                            return std::max(T(0), std::min(T(1), T(alpha) * x + T(beta)));
                          };
                        }),
      [](const Attributes& a) {
        return PostOps{{Eltwise::Linear, hard_sigmoid_alpha(a), hard_sigmoid_beta(a)}, {Eltwise::ClipV2, 0.f, 1.f}};
      });
  // HardSwish: x * HardSigmoid(x) with alpha = 1/6, beta = 0.5 (oneDNN's hardswish exactly).
  add_activation(r, unary_def<kFloat>("HardSwish", 14, {}, stateless([](auto x) {
                                        using T = decltype(x);
                                        return x * std::max(T(0), std::min(T(1), x * T(1.0 / 6.0) + T(0.5)));
                                      })),
                 {{Eltwise::HardSwish}});
  add_activation(r, unary_def<kFloat>("Softplus", 1, {}, stateless([](auto x) { return softplus(x); })),
                 {{Eltwise::SoftRelu}});
  add_unary<kFloat>(r, "Softsign", 1, [](auto x) { return x / (decltype(x)(1) + std::abs(x)); });
  add_activation(r, unary_def<kFloat>("Tanh", 1, {consumed_inputs}, stateless([](auto x) { return std::tanh(x); })),
                 {{Eltwise::Tanh}});
  add_unary_with_attrs<kFloat>(r, "ThresholdedRelu", 10, {{"alpha", FLOAT}}, [](const Attributes& a) {
    const float alpha = a.get_float("alpha", 1.0f);
    return [alpha](auto x) { return x > decltype(x)(alpha) ? x : decltype(x)(0); };
  });
  // Mish: x tanh(softplus(x)), oneDNN's mish.
  add_activation(r, unary_def<kFloat>("Mish", 18, {}, stateless([](auto x) { return x * std::tanh(softplus(x)); })),
                 {{Eltwise::Mish}});
  // Gelu: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); 'tanh' approximates erf(x / sqrt 2) by
  // tanh(sqrt(2 / pi) (x + 0.044715 x^3)).
  add_activation(r,
                 unary_def<kFloat>(
                     "Gelu", 20, {{"approximate", STRING}},
                     [](const Attributes& a) {
                       const bool tanh_approx = gelu_tanh(a);
                       return [tanh_approx](auto x) {
                         using T = decltype(x);
                         if (tanh_approx)
                           return T(0.5) * x *
                                  (T(1) + std::tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)));
                         return T(0.5) * x * (T(1) + std::erf(x * T(0.7071067811865476)));
                       };
                     },
                     [](const InferContext& c) {
                       std::string a = c.attrs().get_string("approximate", "none");
                       if (a != "none" && a != "tanh")
                         c.error("attribute 'approximate' = '", a, "' is not supported; expected one of none, tanh");
                     }),
                 [](const Attributes& a) { return PostOps{{gelu_tanh(a) ? Eltwise::GeluTanh : Eltwise::GeluErf}}; });
  register_prelu(r);
}

}  // namespace layerscope::elementwise
