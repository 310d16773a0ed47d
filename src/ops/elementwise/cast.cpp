// Cast and CastLike between the numeric types, BOOL, FLOAT16 and BFLOAT16.
// Conversions (numpy's astype, which the ONNX reference uses):
//   any -> BOOL: x != 0;  BOOL -> any: 0 or 1
//   float -> integer: truncation toward zero; NaN gives 0 and out-of-range values saturate
//     (both are left undefined by the spec; this is the defined choice)
//   integer -> narrower integer: two's-complement wrap-around
//   -> FLOAT16/BFLOAT16: round to nearest even, from double so there is a single rounding
// Opset history: 'to' was a type-name string in opset 1 (an enum code from 6); 19 added
// 'saturate' and 21 int4, both only about types we do not have.
#include <cmath>
#include <cstring>
#include <limits>

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

template <typename F>
void dispatch_cast_type(DType dt, F&& f) {
  switch (dt) {
    case DType::F16: f(Half{}); return;
    case DType::BF16: f(BFloat16{}); return;
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

template <typename To, typename From>
To convert(From v) {
  if constexpr (std::is_same_v<From, Half>) {
    return convert<To>(half_bits_to_float(v.bits));
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return convert<To>(bfloat16_bits_to_float(v.bits));
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half{float_to_half_bits(static_cast<double>(v))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{float_to_bfloat16_bits(static_cast<double>(v))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return float_to_int<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

void check_castable(const InferContext& c, int input, DType d, const char* what) {
  if (d == DType::String) c.error(what, " is STRING: casting to or from strings is not supported");
  if (!in_mask(kAll | bit(DType::F16) | bit(DType::BF16), d))
    c.error(what, " has type ", dtype_name(d), ", which is not supported");
}

void cast_tensor(const Tensor& x, Tensor& y) {
  if (x.dtype() == y.dtype()) {
    if (x.nbytes()) std::memcpy(y.data(), x.data(), x.nbytes());
    return;
  }
  dispatch_cast_type(x.dtype(), [&](auto from_tag) {
    dispatch_cast_type(y.dtype(), [&](auto to_tag) {
      using From = decltype(from_tag);
      using To = decltype(to_tag);
      const From* px = x.data_as<From>();
      To* py = y.data_as<To>();
      for (int64_t i = 0; i < x.numel(); ++i) py[i] = convert<To>(px[i]);
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
  if (code <= 0 || code > 16 || std::string(name) == "UNDEFINED")
    fail(Graph::describe(n), ": attribute 'to' = ", code,
         " is not a supported type (float8, int4 and complex types are not supported)");
  return static_cast<DType>(code);
}

}  // namespace

void register_cast_ops(OpRegistry& r) {
  OpDef cast;
  cast.op_type = "Cast";
  cast.since = 1;
  cast.data_movement = true;  // a conversion per element, no arithmetic
  // saturate (19+) only concerns float8 targets, which are refused: accepted, no effect.
  cast.attributes = {{"to", AttrType::STRING, 1, 5}, {"to", AttrType::INT, 6}, {"saturate", AttrType::INT, 19}};
  cast.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    check_castable(c, 0, c.dtype(0), "input 0");
    DType to = cast_target(c.node());
    check_castable(c, 0, to, "target type 'to'");
    c.set_output(0, to, c.shape(0));
  };
  cast.cost = [](const CostContext& c) { return elementwise_cost(c); };
  cast.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    cast_tensor(*in[0], *out[0]);
  };
  r.add_op(std::move(cast));

  OpDef like;
  like.op_type = "CastLike";
  like.since = 15;
  like.data_movement = true;
  like.attributes = {{"saturate", AttrType::INT, 19}};
  like.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    check_castable(c, 0, c.dtype(0), "input 0");
    check_castable(c, 1, c.dtype(1), "input 1 (target_type)");
    c.set_output(0, c.dtype(1), c.shape(0));
  };
  like.cost = [](const CostContext& c) {
    Cost cost = elementwise_cost(c);
    cost.bytes_read = c.inputs[0].bytes();  // target_type is only looked at for its type
    return cost;
  };
  like.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    cast_tensor(*in[0], *out[0]);
  };
  r.add_op(std::move(like));
}

}  // namespace layerscope::elementwise
