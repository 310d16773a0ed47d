// unary_def / add_unary: a one-input, same-shape op y[i] = f(x[i]) with a reference kernel
// instantiated only for the element types the op allows.
#pragma once
#include <climits>
#include <functional>
#include <type_traits>
#include <utility>

#include "ops/elementwise/common.h"
#include "ops/op_registry.h"

namespace layerscope::elementwise {

using ValidateFn = std::function<void(const InferContext&)>;

// `make` (below) for an op without parameters: always the per-element function `f`.
template <typename F>
auto stateless(F f) {
  return [f](const Attributes&) { return f; };
}

// A one-input op y[i] = f(x[i]): `make(attrs)` returns the per-element function (usually a
// generic lambda, so one definition serves every type); `attributes` are the ones the op accepts
// (OpDef::attributes); `validate` checks their values at plan time. BoolOut: y is BOOL (IsNaN,
// IsInf). Position-wise (OpDef::position_wise) when it computes in a float type of x.
template <TypeMask Mask, bool BoolOut = false, typename Make>
OpDef unary_def(const char* name, int since, std::vector<AttrSpec> attributes, Make make, ValidateFn validate = nullptr,
                int until = INT_MAX) {
  OpDef d;
  d.op_type = name;
  d.since = since;
  d.until = until;
  d.attributes = std::move(attributes);
  d.position_wise = (Mask & kFloat) != 0 && !BoolOut;
  d.infer = [validate](InferContext& c) {
    c.expect_inputs(1, 1);
    check_type(c, 0, Mask);
    if (validate) validate(c);
    c.set_output(0, BoolOut ? DType::Bool : c.dtype(0), c.shape(0));
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c); };
  d.reference = [make](const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    auto f = make(node.attrs);
    dispatch<Mask>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      using R = std::conditional_t<BoolOut, bool, T>;
      const T* x = in[0]->data_as<T>();
      R* y = out[0]->data_as<R>();
      const int64_t n = in[0]->numel();
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<R>(f(x[i]));
    });
  };
  return d;
}

// unary_def, registered.
template <TypeMask Mask, bool BoolOut = false, typename Make>
void add_unary_with_attrs(OpRegistry& r, const char* name, int since, std::vector<AttrSpec> attributes, Make make,
                          ValidateFn validate = nullptr, int until = INT_MAX) {
  r.add_op(unary_def<Mask, BoolOut>(name, since, std::move(attributes), make, std::move(validate), until));
}

// Parameter-free variant: `f` is the per-element function itself; `attributes` may only list
// ones without effect (the legacy consumed_inputs).
template <TypeMask Mask, bool BoolOut = false, typename F>
void add_unary(OpRegistry& r, const char* name, int since, std::vector<AttrSpec> attributes, F f) {
  add_unary_with_attrs<Mask, BoolOut>(r, name, since, std::move(attributes), stateless(f));
}
template <TypeMask Mask, bool BoolOut = false, typename F>
void add_unary(OpRegistry& r, const char* name, int since, F f) {
  add_unary<Mask, BoolOut>(r, name, since, {}, f);
}

// -x with two's-complement wrap-around for integers (-INT_MIN stays INT_MIN instead of UB).
template <typename T>
T wrapping_neg(T x) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(0u - static_cast<std::make_unsigned_t<T>>(x));
  else return -x;
}

}  // namespace layerscope::elementwise
