// Shrink (9): y = x + bias where x < -lambd, x - bias where x > lambd, else 0; computed in double
// and stored in x's type (as the ONNX reference, which converts the result back; integers wrap).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "ops/elementwise/common.h"
#include "ops/op_registry.h"

namespace layerscope::elementwise {

namespace {

// v in T: as is for floats; for integers truncated and wrapped modulo 2^bits, as numpy's astype
// does on this platform (a plain conversion of an out-of-range double is undefined); NaN is 0.
template <typename T>
T shrink_result(double v) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return T(0);
    v = std::trunc(v);
    if constexpr (std::is_same_v<T, uint64_t>)
      if (v >= 0) return v >= 18446744073709551615.0 ? UINT64_MAX : static_cast<uint64_t>(v);
    v = std::clamp(v, -9223372036854775808.0, 9223372036854774784.0);
    return static_cast<T>(static_cast<int64_t>(v));  // narrowing an integer is modular
  }
}

}  // namespace

void register_shrink_ops(OpRegistry& r) {
  OpDef d;
  d.op_type = "Shrink";
  d.since = 9;
  d.position_wise = true;
  d.attributes = {{"bias", AttrType::FLOAT}, {"lambd", AttrType::FLOAT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    check_type(c, 0, kNumeric);
    const float lambd = c.attrs().get_float("lambd", 0.5f);
    if (!(lambd >= 0)) c.error("attribute 'lambd' must be >= 0, got ", lambd);
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const double bias = n.attrs.get_float("bias", 0.0f), lambd = n.attrs.get_float("lambd", 0.5f);
    dispatch<kNumeric>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* x = in[0]->data_as<T>();
      T* y = out[0]->data_as<T>();
      for (int64_t i = 0; i < in[0]->numel(); ++i) {
        const double v = static_cast<double>(x[i]);
        y[i] = v < -lambd ? shrink_result<T>(v + bias) : v > lambd ? shrink_result<T>(v - bias) : T(0);
      }
    });
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c, 2); };  // two compares, one add
  r.add_op(d);
}

}  // namespace layerscope::elementwise
