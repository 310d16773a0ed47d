// Unary math ops: Abs Neg Floor Ceil Round Reciprocal Sqrt Exp Log, trigonometric and
// hyperbolic functions, Erf Sign IsNaN IsInf Not BitwiseNot.
// Opset history: the versions before the ones registered here differ only in allowed types
// (and the ignored legacy 'consumed_inputs' attribute, accepted in opsets 1-5), so one
// definition covers each op.
#include "ops/elementwise/unary.h"

#include <cmath>

namespace layerscope::elementwise {

void register_unary_ops(OpRegistry& r) {
  using enum AttrType;
  add_unary<kNumeric>(r, "Abs", 1, {legacy_consumed_inputs()}, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_unsigned_v<T>) return x;
    else return x < T(0) ? wrapping_neg(x) : x;
  });
  add_unary<kFloat | kSigned>(r, "Neg", 1, {legacy_consumed_inputs()}, [](auto x) { return wrapping_neg(x); });
  add_unary<kFloat>(r, "Floor", 1, {legacy_consumed_inputs()}, [](auto x) { return std::floor(x); });
  add_unary<kFloat>(r, "Ceil", 1, {legacy_consumed_inputs()}, [](auto x) { return std::ceil(x); });
  // Round: halves go to the even neighbour, which is nearbyint under the default rounding mode.
  add_unary<kFloat>(r, "Round", 11, [](auto x) { return std::nearbyint(x); });
  add_unary<kFloat>(r, "Reciprocal", 1, {legacy_consumed_inputs()}, [](auto x) { return decltype(x)(1) / x; });
  add_unary<kFloat>(r, "Sqrt", 1, {legacy_consumed_inputs()}, [](auto x) { return std::sqrt(x); });
  add_unary<kFloat>(r, "Exp", 1, {legacy_consumed_inputs()}, [](auto x) { return std::exp(x); });
  add_unary<kFloat>(r, "Log", 1, {legacy_consumed_inputs()}, [](auto x) { return std::log(x); });
  add_unary<kFloat>(r, "Sin", 7, [](auto x) { return std::sin(x); });
  add_unary<kFloat>(r, "Cos", 7, [](auto x) { return std::cos(x); });
  add_unary<kFloat>(r, "Tan", 7, [](auto x) { return std::tan(x); });
  add_unary<kFloat>(r, "Asin", 7, [](auto x) { return std::asin(x); });
  add_unary<kFloat>(r, "Acos", 7, [](auto x) { return std::acos(x); });
  add_unary<kFloat>(r, "Atan", 7, [](auto x) { return std::atan(x); });
  add_unary<kFloat>(r, "Sinh", 9, [](auto x) { return std::sinh(x); });
  add_unary<kFloat>(r, "Cosh", 9, [](auto x) { return std::cosh(x); });
  add_unary<kFloat>(r, "Asinh", 9, [](auto x) { return std::asinh(x); });
  add_unary<kFloat>(r, "Acosh", 9, [](auto x) { return std::acosh(x); });
  add_unary<kFloat>(r, "Atanh", 9, [](auto x) { return std::atanh(x); });
  // Erf allows integer inputs: computed in double and converted back (truncating).
  add_unary<kNumeric>(r, "Erf", 9, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) return std::erf(x);
    else return static_cast<T>(std::erf(static_cast<double>(x)));
  });
  // Sign: -1, 0 or 1; NaN stays NaN (it compares neither above nor below zero).
  add_unary<kNumeric>(r, "Sign", 9, [](auto x) {
    using T = decltype(x);
    return x > T(0) ? T(1) : x < T(0) ? wrapping_neg(T(1)) : x;
  });
  add_unary<kFloat, true>(r, "IsNaN", 9, [](auto x) { return std::isnan(x); });
  add_unary_with_attrs<kFloat, true>(
      r, "IsInf", 10, {{"detect_negative", INT}, {"detect_positive", INT}}, [](const Attributes& a) {
        const bool neg = a.get_int("detect_negative", 1) != 0, pos = a.get_int("detect_positive", 1) != 0;
        return [neg, pos](auto x) { return std::isinf(x) && (x > 0 ? pos : neg); };
      });
  add_unary<kBool>(r, "Not", 1, [](bool x) { return !x; });
  add_unary<kInt>(r, "BitwiseNot", 18, [](auto x) { return static_cast<decltype(x)>(~x); });
}

}  // namespace layerscope::elementwise
