// SequenceConstruct, SequenceEmpty, SequenceAt, SequenceInsert, SequenceErase, SequenceLength
// (opset 11): making, reading and editing a sequence of tensors. Positions count from 0, or from
// the back when negative (-1 is the last tensor); SequenceInsert and SequenceErase default to
// the end. A sequence holds its own copies: the tensors that enter it may live in the arena,
// whose bytes later steps reuse.
#include "ops/sequence/sequence_ops.h"

#include "ops/sequence/sequence_common.h"

namespace layerscope::sequence {
namespace {

OpDef construct_def() {
  OpDef d = value_op("SequenceConstruct", 11);
  d.infer = [](InferContext& c) {
    if (c.num_inputs() < 1) c.error("expected at least 1 input, got 0");
    for (int i = 0; i < c.num_inputs(); ++i) {
      expect_tensor(c, i);
      if (c.dtype(i) != c.dtype(0))
        c.error("input ", i, " is ", dtype_name(c.dtype(i)), " but input 0 is ", dtype_name(c.dtype(0)),
                "; a sequence holds one element type");
    }
    c.set_output_type(0, ValueType::sequence(), c.dtype(0));
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    std::vector<Tensor> items;
    for (int i = 0; i < static_cast<int>(in.size()); ++i) items.push_back(tensor_input(n, in, i).clone());
    const DType elem = items[0].dtype();  // before the move below
    *out[0] = AnyValue::of_sequence(elem, std::move(items));
  };
  return d;
}

DType empty_dtype(const Attributes& a) { return static_cast<DType>(a.get_int("dtype", static_cast<int>(DType::F32))); }

OpDef empty_def() {
  OpDef d = value_op("SequenceEmpty", 11);
  d.attributes = {{"dtype", AttrType::INT}};
  d.infer = [](InferContext& c) {
    if (c.num_inputs() != 0) c.error("takes no inputs, got ", c.num_inputs());
    const DType t = empty_dtype(c.attrs());
    if (dtype_size(t) == 0)
      c.error("attribute 'dtype' is ", c.attrs().get_int("dtype", 1), ", not an element type a sequence here holds");
    c.set_output_type(0, ValueType::sequence(), t);
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const>, std::span<AnyValue* const> out,
                    const BodyRunner&) { *out[0] = AnyValue::of_sequence(empty_dtype(n.attrs), {}); };
  return d;
}

OpDef at_def() {
  OpDef d = value_op("SequenceAt", 11);
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_sequence(c, 0);
    if (!c.has_input(1)) c.error("input 1 (position) is required");
    expect_position(c, 1);
    c.set_output(0, c.dtype(0), {});  // the shape is the chosen tensor's
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    const std::vector<Tensor>& seq = sequence_input(n, in, 0);
    *out[0] = AnyValue(seq[resolve_position(n, position_value(n, tensor_input(n, in, 1)), seq.size(), false)]);
  };
  return d;
}

OpDef insert_def() {
  OpDef d = value_op("SequenceInsert", 11);
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 3);
    expect_sequence(c, 0);
    expect_tensor(c, 1);
    if (c.dtype(1) != c.dtype(0))
      c.error("input 1 (tensor) is ", dtype_name(c.dtype(1)), " but the sequence holds ", dtype_name(c.dtype(0)));
    expect_position(c, 2);
    c.set_output_type(0, ValueType::sequence(), c.dtype(0));
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    std::vector<Tensor> items = sequence_input(n, in, 0);
    const Tensor& t = tensor_input(n, in, 1);
    const bool has_position = in.size() > 2 && in[2];
    const size_t at = has_position ? resolve_position(n, position_value(n, tensor_input(n, in, 2)), items.size(), true)
                                   : items.size();
    items.insert(items.begin() + static_cast<std::ptrdiff_t>(at), t.clone());
    *out[0] = AnyValue::of_sequence(in[0]->dtype, std::move(items));
  };
  return d;
}

OpDef erase_def() {
  OpDef d = value_op("SequenceErase", 11);
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 2);
    expect_sequence(c, 0);
    expect_position(c, 1);
    c.set_output_type(0, ValueType::sequence(), c.dtype(0));
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    std::vector<Tensor> items = sequence_input(n, in, 0);
    const int64_t p = in.size() > 1 && in[1] ? position_value(n, tensor_input(n, in, 1)) : -1;
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(resolve_position(n, p, items.size(), false)));
    *out[0] = AnyValue::of_sequence(in[0]->dtype, std::move(items));
  };
  return d;
}

OpDef length_def() {
  OpDef d = value_op("SequenceLength", 11);
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_sequence(c, 0);
    c.set_output(0, DType::I64, {});
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    Tensor t(DType::I64, {});
    *t.data_as<int64_t>() = static_cast<int64_t>(sequence_input(n, in, 0).size());
    *out[0] = AnyValue(std::move(t));
  };
  return d;
}

}  // namespace

void register_sequence_basics(OpRegistry& r) {
  r.add_op(construct_def());
  r.add_op(empty_def());
  r.add_op(at_def());
  r.add_op(insert_def());
  r.add_op(erase_def());
  r.add_op(length_def());
}

}  // namespace layerscope::sequence
