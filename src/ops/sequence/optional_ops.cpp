// Optional, OptionalHasElement, OptionalGetElement (opsets 15 and 18): an optional holds one
// tensor or sequence, or nothing.
//   Optional(input?; type): the input wrapped; without one, an empty optional of `type` (the
//     TYPE_PROTO of the element: tensor(T) or seq(tensor(T))).
//   OptionalHasElement(input): whether it holds an element. From opset 18 the input may also be
//     a tensor or sequence (true) or omitted (false).
//   OptionalGetElement(input): the element; an empty optional is an Error. From opset 18 a tensor
//     or sequence input is returned as it is.
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"

namespace layerscope::sequence {
namespace {

void expect_optional_input(const InferContext& c, bool plain_allowed) {
  if (!c.has_input(0)) c.error("input 0 (an optional) is required");
  const ValueKind k = c.type(0).kind;
  if (k == ValueKind::Optional) return;
  if (!plain_allowed)
    c.error("input 0 must be an optional, got ", value_type_name(c.type(0), c.dtype(0)),
            " (a tensor or sequence is accepted from opset 18)");
}

OpDef optional_def() {
  OpDef d = value_op("Optional", 15);
  d.attributes = {{"type", AttrType::TYPE_PROTO}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(0, 1);
    if (c.has_input(0)) {
      if (c.type(0).kind == ValueKind::Optional)
        c.error("input 0 is already an optional; an optional holds a tensor or sequence");
      c.set_output_type(0, ValueType::optional(c.type(0).kind), c.dtype(0));
      return;
    }
    const TypeAttr* t = c.attrs().get_type("type");
    if (!t) c.error("has no input, so attribute 'type' (the type of the empty optional's element) is required");
    if (t->type.kind == ValueKind::Optional)
      c.error("attribute 'type' is an optional; an optional holds a tensor or sequence");
    c.set_output_type(0, ValueType::optional(t->type.kind), t->elem);
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    if (!in.empty() && in[0]) {
      *out[0] = AnyValue::optional_of(in[0]->clone());
      return;
    }
    const TypeAttr* t = n.attrs.get_type("type");
    LS_CHECK(t, Graph::describe(n), ": attribute 'type' is required without an input");
    *out[0] = AnyValue::empty_optional(t->type.kind, t->elem);
  };
  return d;
}

OpDef has_element_def(int since, int until) {
  OpDef d = value_op("OptionalHasElement", since, until);
  d.infer = [since](InferContext& c) {
    c.expect_inputs(since >= 18 ? 0 : 1, 1);
    if (since < 18 || c.has_input(0)) expect_optional_input(c, since >= 18);
    c.set_output(0, DType::Bool, {});
  };
  d.run_values = [](const Node&, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    const AnyValue* v = in.empty() ? nullptr : in[0];
    Tensor t(DType::Bool, {});
    *t.data_as<bool>() = v && (v->type.kind != ValueKind::Optional || v->has_element);
    *out[0] = AnyValue(std::move(t));
  };
  return d;
}

OpDef get_element_def(int since, int until) {
  OpDef d = value_op("OptionalGetElement", since, until);
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_optional_input(c, since >= 18);
    const ValueType& t = c.type(0);
    const ValueKind element = t.kind == ValueKind::Optional ? t.held : t.kind;
    if (element == ValueKind::Tensor) c.set_output(0, c.dtype(0), c.shape(0));
    else c.set_output_type(0, ValueType::sequence(), c.dtype(0));
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    const AnyValue& v = *in[0];
    if (v.type.kind != ValueKind::Optional) {
      *out[0] = v;
      return;
    }
    LS_CHECK(v.has_element, Graph::describe(n), ": input 0 is an empty ", value_type_name(v.type, v.dtype),
             "; it has no element to get (OptionalHasElement tells)");
    *out[0] = v.element();
  };
  return d;
}

}  // namespace

void register_optional_ops(OpRegistry& r) {
  r.add_op(optional_def());
  r.add_op(has_element_def(15, 17));
  r.add_op(has_element_def(18, INT_MAX));
  r.add_op(get_element_def(15, 17));
  r.add_op(get_element_def(18, INT_MAX));
}

}  // namespace layerscope::sequence
