// Shrink (9): y = x + bias where x < -lambd, x - bias where x > lambd, else 0; computed in double
// and stored in x's type (as the ONNX reference, which converts the result back).
#include "ops/elementwise/common.h"
#include "ops/op_registry.h"

namespace layerscope::elementwise {

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
        y[i] = v < -lambd ? static_cast<T>(v + bias) : v > lambd ? static_cast<T>(v - bias) : T(0);
      }
    });
  };
  d.cost = [](const CostContext& c) { return elementwise_cost(c, 2); };  // two compares, one add
  r.add_op(d);
}

}  // namespace layerscope::elementwise
