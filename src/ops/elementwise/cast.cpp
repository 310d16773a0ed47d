// Cast and CastLike between the numeric types, BOOL, FLOAT16, BFLOAT16, the float8 types
// (opset 19) and INT4/UINT4 (opset 21).
// Conversions (numpy's astype, which the ONNX reference uses):
//   any -> BOOL: x != 0;  BOOL -> any: 0 or 1
//   float -> integer: truncation toward zero; NaN gives 0 and out-of-range values saturate
//     (both are left undefined by the spec; this is the defined choice)
//   integer -> narrower integer: two's-complement wrap-around
//   -> FLOAT16/BFLOAT16: round to nearest even, from double so there is a single rounding
//   -> float8: round to nearest even once, then the spec's tables for NaN, infinities and values
//     beyond the largest finite one, with or without `saturate` (ir/float8.h)
//   -> INT4/UINT4, from any type: round to nearest even, then saturate to [-8, 7] / [0, 15]
//     (ONNX's int4 note and reference: FLOAT 9.0 -> INT4 7, -9.0 -> -8; NaN gives 0)
//   float8, INT4/UINT4 -> any: exact (their values are floats / small integers), then as above
// Opset history: 'to' was a type-name string in opset 1 (an enum code from 6); 19 added the
// float8 types and 'saturate' (default 1; it only concerns float8 targets), 21 INT4/UINT4.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ir/float8.h"
#include "ir/int4.h"
#include "ops/elementwise/half.h"
#include "ops/elementwise/unary.h"

namespace layerscope::elementwise {

namespace {

struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
// A float8 element of type D: its bit pattern.
template <DType D>
struct Float8 {
  static constexpr DType type = D;
  uint8_t bits;
};
// An INT4 / UINT4 element: its value, one byte (ir/int4.h).
template <DType D>
struct Int4 {
  static constexpr DType type = D;
  std::conditional_t<D == DType::I4, int8_t, uint8_t> value;
};

template <typename T>
constexpr bool is_float8_tag = false;
template <DType D>
constexpr bool is_float8_tag<Float8<D>> = true;
template <typename T>
constexpr bool is_int4_tag = false;
template <DType D>
constexpr bool is_int4_tag<Int4<D>> = true;

template <typename F>
void dispatch_cast_type(DType dt, F&& f) {
  switch (dt) {
    case DType::F16: f(Half{}); return;
    case DType::BF16: f(BFloat16{}); return;
    case DType::F8E4M3FN: f(Float8<DType::F8E4M3FN>{}); return;
    case DType::F8E4M3FNUZ: f(Float8<DType::F8E4M3FNUZ>{}); return;
    case DType::F8E5M2: f(Float8<DType::F8E5M2>{}); return;
    case DType::F8E5M2FNUZ: f(Float8<DType::F8E5M2FNUZ>{}); return;
    case DType::I4: f(Int4<DType::I4>{}); return;
    case DType::U4: f(Int4<DType::U4>{}); return;
    default: dispatch<kAll>(dt, f);
  }
}

template <typename To, typename From>
To float_to_int(From v) {
  if (std::isnan(v)) return To(0);
  if (v <= static_cast<From>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
  // max() may round up when converted to From (e.g. INT64_MAX -> 2^63): compare with >=.
  if (v >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
  return static_cast<To>(v);
}

// A value of a native type (bool, an integer, float, double) as INT4/UINT4 of type D.
template <DType D, typename From>
Int4<D> to_int4(From v) {
  using V = decltype(Int4<D>::value);
  const int lo = int4_min(D), hi = int4_max(D);
  if constexpr (std::is_floating_point_v<From>) {
    if (std::isnan(v)) return {0};
    const double r = std::nearbyint(static_cast<double>(v));  // ties to even
    return {static_cast<V>(r < lo ? lo : (r > hi ? hi : r))};
  } else if constexpr (std::is_same_v<From, bool>) {
    return {static_cast<V>(v ? 1 : 0)};
  } else if constexpr (std::is_signed_v<From>) {
    return {static_cast<V>(v < lo ? lo : (v > hi ? hi : v))};
  } else {
    return {static_cast<V>(v > static_cast<From>(hi) ? hi : v)};
  }
}

// One element From -> To. `saturate` is the node's attribute (float8 targets only).
template <typename To, typename From>
To convert(From v, bool saturate) {
  if constexpr (std::is_same_v<From, Half>) {
    return convert<To>(half_bits_to_float(v.bits), saturate);
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return convert<To>(bfloat16_bits_to_float(v.bits), saturate);
  } else if constexpr (is_float8_tag<From>) {
    return convert<To>(float8_to_float(v.bits, From::type), saturate);
  } else if constexpr (is_int4_tag<From>) {
    return convert<To>(v.value, saturate);
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half{float_to_half_bits(static_cast<double>(v))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{float_to_bfloat16_bits(static_cast<double>(v))};
  } else if constexpr (is_float8_tag<To>) {
    return To{float_to_float8(static_cast<double>(v), To::type, saturate)};
  } else if constexpr (is_int4_tag<To>) {
    return to_int4<To::type>(v);
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return float_to_int<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

// The first opset of Cast / CastLike that has type d: float8 19, INT4/UINT4 21, others 1.
int first_opset_with(DType d) { return is_float8(d) ? 19 : is_int4(d) ? 21 : 1; }

void check_castable(const InferContext& c, DType d, const char* what) {
  if (d == DType::String) c.error(what, " is STRING: casting to or from strings is not supported");
  const bool narrow = is_float8(d) || is_int4(d);
  if (!narrow && !in_mask(kAll | bit(DType::F16) | bit(DType::BF16), d))
    c.error(what, " has type ", dtype_name(d), ", which is not supported");
  if (c.node().opset < first_opset_with(d))
    c.error(what, " is ", dtype_name(d), ", a type this op has from opset ", first_opset_with(d),
            " on (the node is opset ", c.node().opset, ")");
}

void cast_tensor(const Node& n, const Tensor& x, Tensor& y) {
  if (x.dtype() == y.dtype()) {
    if (x.nbytes()) std::memcpy(y.data(), x.data(), x.nbytes());
    return;
  }
  const bool saturate = n.attrs.get_int("saturate", 1) != 0;
  dispatch_cast_type(x.dtype(), [&](auto from_tag) {
    dispatch_cast_type(y.dtype(), [&](auto to_tag) {
      using From = decltype(from_tag);
      using To = decltype(to_tag);
      const From* px = x.data_as<From>();
      To* py = y.data_as<To>();
      for (int64_t i = 0; i < x.numel(); ++i) py[i] = convert<To>(px[i], saturate);
    });
  });
}

// The target of Cast: an enum code (opset 6+) or, in opset 1, a type name such as "FLOAT".
DType cast_target(const Node& n) {
  auto it = n.attrs.all().find("to");
  if (it == n.attrs.all().end()) fail(Graph::describe(n), ": required attribute 'to' is missing");
  if (const std::string* s = std::get_if<std::string>(&it->second)) {
    for (int code = 1; code <= 16; ++code)
      if (*s == dtype_name(static_cast<DType>(code))) return static_cast<DType>(code);
    fail(Graph::describe(n), ": attribute 'to' = '", *s, "' is not a supported type name");
  }
  const int64_t code = n.attrs.get_int("to", 0);
  const char* name = dtype_name(static_cast<DType>(code));
  if (code <= 0 || code > static_cast<int64_t>(DType::I4) || std::string(name) == "UNDEFINED")
    fail(Graph::describe(n), ": attribute 'to' = ", code,
         " is not a supported type (complex, string and the 4-bit float and 2-bit types are not supported)");
  return static_cast<DType>(code);
}

}  // namespace

void register_cast_ops(OpRegistry& r) {
  OpDef cast;
  cast.op_type = "Cast";
  cast.since = 1;
  cast.data_movement = true;  // a conversion per element, no arithmetic
  cast.narrow_types = true;
  cast.attributes = {{"to", AttrType::STRING, 1, 5}, {"to", AttrType::INT, 6}, {"saturate", AttrType::INT, 19}};
  cast.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    check_castable(c, c.dtype(0), "input 0");
    DType to = cast_target(c.node());
    check_castable(c, to, "target type 'to'");
    c.set_output(0, to, c.shape(0));
  };
  cast.cost = [](const CostContext& c) { return elementwise_cost(c); };
  cast.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    cast_tensor(n, *in[0], *out[0]);
  };
  r.add_op(std::move(cast));

  OpDef like;
  like.op_type = "CastLike";
  like.since = 15;
  like.data_movement = true;
  like.narrow_types = true;
  like.attributes = {{"saturate", AttrType::INT, 19}};
  like.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    check_castable(c, c.dtype(0), "input 0");
    check_castable(c, c.dtype(1), "input 1 (target_type)");
    c.set_output(0, c.dtype(1), c.shape(0));
  };
  like.cost = [](const CostContext& c) {
    Cost cost = elementwise_cost(c);
    cost.bytes_read = c.inputs[0].bytes();  // target_type is only looked at for its type
    return cost;
  };
  like.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    cast_tensor(n, *in[0], *out[0]);
  };
  r.add_op(std::move(like));
}

}  // namespace layerscope::elementwise
