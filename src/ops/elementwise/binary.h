// add_binary: registers a two-input op y = f(a, b) with numpy broadcasting (opset 7+) or the
// legacy opset 1-6 broadcast ('broadcast'/'axis' attributes: b matches a contiguous run of a's
// dims, its size-1 dims repeating, or is one value), with a reference kernel instantiated for
// the allowed element types.
#pragma once
#include "ops/elementwise/unary.h"

namespace layerscope::elementwise {

// b's shape rewritten so that numpy broadcasting against `a` gives the legacy (opset < 7)
// semantics; returns false and sets *why when the legacy rules reject the shapes.
bool legacy_broadcast_shape(const Attributes& attrs, const Shape& a, const Shape& b, Shape* b_out, std::string* why);

// Output shape of a binary op; errors through ctx.
Shape binary_output_shape(const InferContext& ctx, bool legacy);

// b's shape as the reference kernel should broadcast it.
Shape effective_b_shape(const Node& node, bool legacy, const Shape& a, const Shape& b);

// `attributes`: the op's own; legacy definitions also accept 'broadcast' and 'axis'.
// Position-wise (OpDef::position_wise) when it computes in a float type of its inputs.
template <TypeMask Mask, bool BoolOut, typename Make>
void add_binary(OpRegistry& r, const char* name, int since, int until, bool legacy, std::vector<AttrSpec> attributes,
                Make make, ValidateFn validate = nullptr, double ops_per_element = 1.0) {
  OpDef d;
  d.op_type = name;
  d.since = since;
  d.until = until;
  d.attributes = std::move(attributes);
  d.position_wise = (Mask & kFloat) != 0 && !BoolOut;
  if (legacy) {
    d.attributes.push_back({"broadcast", AttrType::INT});
    d.attributes.push_back({"axis", AttrType::INT});
  }
  d.infer = [validate, legacy](InferContext& c) {
    c.expect_inputs(2, 2);
    check_type(c, 0, Mask);
    check_same_type(c, 0, 1);
    if (validate) validate(c);
    c.set_output(0, BoolOut ? DType::Bool : c.dtype(0), binary_output_shape(c, legacy));
  };
  d.cost = [ops_per_element](const CostContext& c) { return elementwise_cost(c, ops_per_element); };
  d.reference = [make, legacy](const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    auto f = make(node.attrs);
    const Shape b_shape = effective_b_shape(node, legacy, in[0]->shape(), in[1]->shape());
    dispatch<Mask>(in[0]->dtype(), [&](auto tag) {
      using T = decltype(tag);
      using R = std::conditional_t<BoolOut, bool, T>;
      const T* a = in[0]->data_as<T>();
      const T* b = in[1]->data_as<T>();
      R* y = out[0]->data_as<R>();
      for_each_broadcast<2>(out[0]->shape(), {&in[0]->shape(), &b_shape},
                            [&](int64_t o, const auto& off) { y[o] = static_cast<R>(f(a[off[0]], b[off[1]])); });
    });
  };
  r.add_op(std::move(d));
}

// Registers `name` twice: opsets 1-6 with legacy broadcasting (and `legacy_attributes`, e.g.
// consumed_inputs) and 7+ with numpy rules.
template <TypeMask Mask, bool BoolOut, typename Make>
void add_binary_all_opsets(OpRegistry& r, const char* name, std::vector<AttrSpec> legacy_attributes, Make make) {
  add_binary<Mask, BoolOut>(r, name, 1, 6, true, std::move(legacy_attributes), make);
  add_binary<Mask, BoolOut>(r, name, 7, INT_MAX, false, {}, make);
}

// Integer arithmetic in the unsigned type of at least int width: wraps instead of UB.
template <typename T>
using WrapType = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

}  // namespace layerscope::elementwise
