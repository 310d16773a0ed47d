// Shape family entry point, plus the ops that only look at shapes or pass data through:
// Shape, Size, Identity, Dropout (inference only).
#include <algorithm>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// Shape-15: [start, end) of the dims, negative counted from the back, then clamped to [0, rank].
std::pair<int64_t, int64_t> shape_range(const Node& n, int rank) {
  if (n.opset < 15) return {0, rank};
  auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  int64_t start = clampi(n.attrs.get_int("start", 0));
  int64_t end = n.attrs.has("end") ? clampi(n.attrs.get_int("end", rank)) : rank;
  return {start, std::max(start, end)};
}

OpDef shape_def() {
  OpDef d = op_def("Shape", 1);
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    auto [b, e] = shape_range(c.node(), c.rank(0));
    // The result depends only on the (always known) input shape: give the value so the
    // planner folds this node and everything computed from it.
    Tensor v(DType::I64, {e - b});
    for (int64_t i = b; i < e; ++i) v.data_as<int64_t>()[i - b] = c.shape(0)[i];
    c.set_output_value(0, v);
  };
  // Reads only the input's shape, never its data.
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    auto [b, e] = shape_range(n, in[0]->rank());
    for (int64_t i = b; i < e; ++i) out[0]->data_as<int64_t>()[i - b] = in[0]->shape()[i];
  };
  d.cost = [](const CostContext& c) { return Cost{0, 0, 0, c.outputs[0].bytes()}; };
  return d;
}

OpDef size_def() {
  OpDef d = op_def("Size", 1);
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    Tensor v(DType::I64, {});
    *v.data_as<int64_t>() = shape_numel(c.shape(0));
    c.set_output_value(0, v);  // known from the shape alone, so the node folds
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    out[0]->data_as<int64_t>()[0] = in[0]->numel();
  };
  d.cost = [](const CostContext& c) { return Cost{0, 0, 0, 8}; };
  return d;
}

// Identity of a tensor; from opset 14 of a sequence, from 16 of an optional too. Those arrive
// only in dynamic steps, which run `run_values` (a copy of the value, whatever its kind).
OpDef identity_def() {
  OpDef d = op_def("Identity", 1);
  d.data_movement = true;
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    const ValueType& t = c.type(0);
    if (!t.is_tensor()) {
      const int since = t.kind == ValueKind::Sequence ? 14 : 16;
      if (c.node().opset < since)
        c.error("input 0 is ", value_type_name(t, c.dtype(0)), "; Identity takes one from opset ", since);
      c.set_output_type(0, t, c.dtype(0));
      return;
    }
    expect_movable(c, 0);
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = copy_input0;
  d.run_values = [](const Node&, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) { *out[0] = in[0]->clone(); };
  return d;
}

// Dropout at inference: Y = X; the optional mask says every element was kept (all true / ones).
//   1-6:  attribute is_test (default 0 = training); mask has type T
//   7-9:  always inference; mask type T
//   10-11: mask is bool
//   12+:  optional inputs ratio and training_mode (true = training, which we do not do)
OpDef dropout_def(int since, int until) {
  OpDef d = op_def("Dropout", since, until);
  if (since >= 12) d.value_inputs = {2};  // training_mode
  // ratio and seed only shape random (training) dropout, which is refused: accepted, no effect.
  if (since < 7) d.attributes = {{"is_test", AttrType::INT}, {"ratio", AttrType::FLOAT}, legacy_consumed_inputs()};
  else if (since < 12) d.attributes = {{"ratio", AttrType::FLOAT}};
  else d.attributes = {{"seed", AttrType::INT}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, since >= 12 ? 3 : 1);
    c.expect_dtype_in(0, {DType::F32, DType::F64, DType::F16, DType::BF16});
    if (since < 7 && c.attrs().get_int("is_test", 0) == 0)
      c.error(
          "is_test = 0 asks for training-mode (random) dropout, which is not supported; only inference "
          "(is_test = 1) is");
    if (since >= 12 && c.has_input(2)) {
      const Tensor& t = c.value(2);
      if (t.dtype() != DType::Bool || t.numel() != 1) c.error("input 'training_mode' must be a bool scalar");
      // Training with ratio 0 drops nothing and scales by 1/(1-0): still deterministic.
      const Tensor* ratio = c.value_if_known(1);
      if (t.data_as<uint8_t>()[0] && (!c.has_input(1) || !ratio || element_as_double(*ratio, 0) != 0.0))
        c.error(
            "training_mode = true with a non-zero ratio (random dropout) or a ratio known only at run "
            "time is not supported; only inference is");
    }
    if (since >= 12 && c.has_input(1) && shape_numel(c.shape(1)) != 1) c.error("input 'ratio' must be a scalar");
    c.set_output(0, c.dtype(0), c.shape(0));
    if (c.num_outputs() > 1) c.set_output(1, since >= 10 ? DType::Bool : c.dtype(0), c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    copy_input0(n, in, out);
    if (out.size() > 1 && out[1])
      for (int64_t i = 0; i < out[1]->numel(); ++i) store_double(out[1]->dtype(), out[1]->data(), i, 1.0);
  };
  return d;
}

}  // namespace

void copy_input0(const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  if (in[0]->nbytes()) std::memcpy(out[0]->data(), in[0]->data(), in[0]->nbytes());
}

void register_shape_info_ops(OpRegistry& r) {
  OpDef shape1 = shape_def();
  shape1.until = 14;
  r.add_op(shape1);
  OpDef shape15 = shape_def();  // + start/end attributes
  shape15.since = 15;
  shape15.attributes = {{"start", AttrType::INT}, {"end", AttrType::INT}};
  r.add_op(shape15);
  r.add_op(size_def());
  r.add_op(identity_def());
  r.add_op(dropout_def(1, 6));
  r.add_op(dropout_def(7, 9));
  r.add_op(dropout_def(10, 11));
  r.add_op(dropout_def(12, INT_MAX));
}

void register_shape_ops(OpRegistry& r) {
  register_shape_info_ops(r);
  register_reshape_ops(r);
  register_generator_ops(r);
}

}  // namespace layerscope
