// Binary ops: Add Sub Mul Div Pow Mod, comparisons, And Or Xor, BitShift, BitwiseAnd/Or/Xor.
// Integer semantics (ONNX follows numpy/C here): Div truncates toward zero; Mod with fmod=0
// takes the sign of the divisor (Python's %), with fmod=1 the sign of the dividend (C's fmod).
// Integer overflow wraps (two's complement); division or modulo by zero is an error.
#include "ops/elementwise/binary.h"

#include <cmath>

namespace layerscope::elementwise {

bool legacy_broadcast_shape(const Attributes& attrs, const Shape& a, const Shape& b, Shape* b_out, std::string* why) {
  if (attrs.get_int("broadcast", 0) == 0) {
    *b_out = b;
    if (a == b) return true;
    *why = "shapes " + shape_to_string(a) + " and " + shape_to_string(b) +
           " differ and attribute 'broadcast' is not set (opset < 7 needs it)";
    return false;
  }
  if (shape_numel(b) == 1) {
    *b_out = Shape{};
    return true;
  }
  const int ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size());
  int64_t axis = attrs.has("axis") ? attrs.get_int("axis", 0) : ra - rb;
  if (axis < 0) axis += ra;
  bool ok = axis >= 0 && axis + rb <= ra;
  // Size-1 dims of b also repeat: old exporters relied on it (e.g. (2,3) + (2,1)).
  for (int i = 0; ok && i < rb; ++i) ok = a[axis + i] == b[i] || b[i] == 1;
  if (!ok) {
    *why = "shape " + shape_to_string(b) + " does not match the dims of " + shape_to_string(a) + " from axis " +
           std::to_string(axis) + " (legacy broadcast)";
    return false;
  }
  Shape e(ra, 1);
  for (int i = 0; i < rb; ++i) e[axis + i] = b[i];
  *b_out = std::move(e);
  return true;
}

Shape binary_output_shape(const InferContext& c, bool legacy) {
  if (!legacy) return broadcast_shapes(c, c.shape(0), c.shape(1));
  Shape b;
  std::string why;
  if (!legacy_broadcast_shape(c.attrs(), c.shape(0), c.shape(1), &b, &why)) c.error(why);
  return c.shape(0);
}

Shape effective_b_shape(const Node& node, bool legacy, const Shape& a, const Shape& b) {
  if (!legacy) return b;
  Shape e;
  std::string why;
  if (!legacy_broadcast_shape(node.attrs, a, b, &e, &why)) fail(Graph::describe(node), ": ", why);
  return e;
}

namespace {

template <typename T>
T int_pow(T base, int64_t e) {
  if (e < 0) {
    if (base == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>)
      if (base == T(-1)) return (e & 1) ? T(-1) : T(1);
    if (base == T(0)) fail("0 cannot be raised to a negative integer power");
    return T(0);  // |base| >= 2: 1 / base^|e| truncates to 0
  }
  using W = WrapType<T>;
  W result = 1, b = static_cast<W>(base);
  for (uint64_t k = static_cast<uint64_t>(e); k; k >>= 1) {
    if (k & 1) result = static_cast<W>(result * b);
    b = static_cast<W>(b * b);
  }
  return static_cast<T>(result);
}

// Pow with base type T and exponent type U; the result has the base's type.
template <typename T, typename U>
T pow_element(T base, U e) {
  if constexpr (std::is_integral_v<T> && std::is_integral_v<U>) {
    if constexpr (std::is_unsigned_v<U>)
      if (e > static_cast<U>(INT64_MAX)) return int_pow(base, INT64_MAX);
    return int_pow(base, static_cast<int64_t>(e));
  } else if constexpr (std::is_same_v<T, U>) {
    return std::pow(base, e);
  } else {
    return static_cast<T>(std::pow(static_cast<double>(base), static_cast<double>(e)));
  }
}

void register_pow(OpRegistry& r) {
  add_binary<kFloat, false>(r, "Pow", 1, 6, true, {}, stateless([](auto a, auto b) { return std::pow(a, b); }));
  // Opset 7+ (mixed base/exponent types since 12; same-type 7-11 is a subset).
  constexpr TypeMask kBase = kFloat | bit(DType::I32) | bit(DType::I64);
  OpDef d;
  d.op_type = "Pow";
  d.since = 7;
  d.position_wise = true;
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    check_type(c, 0, kBase);
    check_type(c, 1, kNumeric);
    c.set_output(0, c.dtype(0), broadcast_shapes(c, c.shape(0), c.shape(1)));
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c); };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    dispatch<kBase>(in[0]->dtype(), [&](auto base_tag) {
      dispatch<kNumeric>(in[1]->dtype(), [&](auto exp_tag) {
        using T = decltype(base_tag);
        using U = decltype(exp_tag);
        const T* a = in[0]->data_as<T>();
        const U* b = in[1]->data_as<U>();
        T* y = out[0]->data_as<T>();
        for_each_broadcast<2>(out[0]->shape(), {&in[0]->shape(), &in[1]->shape()},
                              [&](int64_t o, const auto& off) { y[o] = pow_element(a[off[0]], b[off[1]]); });
      });
    });
  };
  r.add_op(std::move(d));
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  add_binary_all_opsets<kNumeric, false>(
      r, "Add", {legacy_consumed_inputs()}, stateless([](auto a, auto b) {
        using T = decltype(a);
        if constexpr (std::is_integral_v<T>)
          return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
        else return a + b;
      }));
  add_binary_all_opsets<kNumeric, false>(
      r, "Sub", {legacy_consumed_inputs()}, stateless([](auto a, auto b) {
        using T = decltype(a);
        if constexpr (std::is_integral_v<T>)
          return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
        else return a - b;
      }));
  add_binary_all_opsets<kNumeric, false>(
      r, "Mul", {legacy_consumed_inputs()}, stateless([](auto a, auto b) {
        using T = decltype(a);
        if constexpr (std::is_integral_v<T>)
          return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
        else return a * b;
      }));
  add_binary_all_opsets<kNumeric, false>(r, "Div", {legacy_consumed_inputs()}, stateless([](auto a, auto b) {
                                           using T = decltype(a);
                                           if constexpr (std::is_integral_v<T>) {
                                             if (b == T(0)) fail("Div: integer division by zero");
                                             if constexpr (std::is_signed_v<T>)
                                               if (b == T(-1)) return wrapping_neg(a);  // INT_MIN / -1 overflows in C++
                                             return static_cast<T>(a / b);
                                           } else {
                                             return a / b;
                                           }
                                         }));
  register_pow(r);
  add_binary<kNumeric, false>(
      r, "Mod", 10, INT_MAX, false, {{"fmod", AttrType::INT}},
      [](const Attributes& attrs) {
        const bool c_fmod = attrs.get_int("fmod", 0) != 0;
        return [c_fmod](auto a, auto b) {
          using T = decltype(a);
          if constexpr (std::is_floating_point_v<T>) {
            return std::fmod(a, b);  // fmod=0 is rejected for floats at plan time
          } else {
            if (b == T(0)) fail("Mod: integer modulo by zero");
            if constexpr (std::is_signed_v<T>) {
              if (b == T(-1)) return T(0);
              T rem = static_cast<T>(a % b);
              if (!c_fmod && rem != 0 && ((rem < 0) != (b < 0))) rem = static_cast<T>(rem + b);
              return rem;
            } else {
              return static_cast<T>(a % b);
            }
          }
        };
      },
      [](const InferContext& c) {
        int64_t f = c.attrs().get_int("fmod", 0);
        if (f != 0 && f != 1) c.error("attribute 'fmod' = ", f, " is not supported; expected 0 or 1");
        if (f == 0 && in_mask(kFloat, c.dtype(0)))
          c.error("attribute 'fmod' must be 1 for floating-point inputs (got 0)");
      });

  add_binary_all_opsets<kAll, true>(r, "Equal", {}, stateless([](auto a, auto b) { return a == b; }));
  add_binary_all_opsets<kNumeric, true>(r, "Less", {}, stateless([](auto a, auto b) { return a < b; }));
  add_binary_all_opsets<kNumeric, true>(r, "Greater", {}, stateless([](auto a, auto b) { return a > b; }));
  add_binary<kNumeric, true>(r, "LessOrEqual", 12, INT_MAX, false, {},
                             stateless([](auto a, auto b) { return a <= b; }));
  add_binary<kNumeric, true>(r, "GreaterOrEqual", 12, INT_MAX, false, {},
                             stateless([](auto a, auto b) { return a >= b; }));
  add_binary_all_opsets<kBool, false>(r, "And", {}, stateless([](bool a, bool b) { return a && b; }));
  add_binary_all_opsets<kBool, false>(r, "Or", {}, stateless([](bool a, bool b) { return a || b; }));
  add_binary_all_opsets<kBool, false>(r, "Xor", {}, stateless([](bool a, bool b) { return a != b; }));

  // BitShift: shifting by the type's width or more gives 0 (C++ would leave it undefined).
  add_binary<kUnsigned, false>(
      r, "BitShift", 11, INT_MAX, false, {{"direction", AttrType::STRING}},
      [](const Attributes& attrs) {
        const bool left = attrs.get_string("direction", "") == "LEFT";
        return [left](auto a, auto b) {
          using T = decltype(a);
          if (b >= T(sizeof(T) * 8)) return T(0);
          using W = WrapType<T>;
          return static_cast<T>(left ? static_cast<W>(a) << b : static_cast<W>(a) >> b);
        };
      },
      [](const InferContext& c) {
        std::string d = c.attrs().get_string("direction", "");
        if (d != "LEFT" && d != "RIGHT")
          c.error("attribute 'direction' = '", d, "' is not supported; expected one of LEFT, RIGHT");
      });
  add_binary<kInt, false>(r, "BitwiseAnd", 18, INT_MAX, false, {},
                          stateless([](auto a, auto b) { return static_cast<decltype(a)>(a & b); }));
  add_binary<kInt, false>(r, "BitwiseOr", 18, INT_MAX, false, {},
                          stateless([](auto a, auto b) { return static_cast<decltype(a)>(a | b); }));
  add_binary<kInt, false>(r, "BitwiseXor", 18, INT_MAX, false, {},
                          stateless([](auto a, auto b) { return static_cast<decltype(a)>(a ^ b); }));
}

}  // namespace layerscope::elementwise
