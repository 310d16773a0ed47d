// Helpers of the Sequence and Optional ops (ops/sequence/sequence_common.h).
#include "ops/sequence/sequence_common.h"

#include "ir/error.h"

namespace layerscope::sequence {

namespace {

void runs_in_value_steps(const Node& n, std::span<const Tensor* const>, std::span<Tensor* const>) {
  fail(Graph::describe(n),
       ": takes or makes sequences or optionals, which only the executor's value steps hold "
       "(runtime/value_steps.cpp), not a reference kernel");
}

std::string kind_text(const InferContext& c, int i) {
  if (!c.has_input(i)) return "omitted";
  return value_type_name(c.type(i), c.dtype(i));
}

}  // namespace

OpDef value_op(const char* op_type, int since, int until) {
  OpDef d;
  d.op_type = op_type;
  d.since = since;
  d.until = until;
  d.reference = runs_in_value_steps;
  d.always_dynamic = true;
  return d;
}

void expect_sequence(const InferContext& c, int i) {
  if (!c.has_input(i) || c.type(i).kind != ValueKind::Sequence)
    c.error("input ", i, " must be a sequence of tensors, got ", kind_text(c, i));
}

void expect_tensor(const InferContext& c, int i) {
  if (!c.has_input(i) || !c.type(i).is_tensor()) c.error("input ", i, " must be a tensor, got ", kind_text(c, i));
  if (c.dtype(i) == DType::String || c.dtype(i) == DType::Undefined)
    c.error("input ", i, " has element type ", dtype_name(c.dtype(i)), ", which sequences here do not hold");
}

void expect_position(const InferContext& c, int i) {
  if (!c.has_input(i)) return;
  if (!c.type(i).is_tensor()) c.error("input ", i, " (position) must be a tensor, got ", kind_text(c, i));
  c.expect_dtype_in(i, {DType::I32, DType::I64});
  if (shape_numel(c.shape(i)) != 1)
    c.error("input ", i, " (position) must hold one element, got shape ", shape_to_string(c.shape(i)));
}

const std::vector<Tensor>& sequence_input(const Node& n, std::span<const AnyValue* const> in, int i) {
  LS_CHECK(i < static_cast<int>(in.size()) && in[i] && in[i]->type.kind == ValueKind::Sequence, Graph::describe(n),
           ": input ", i, " must be a sequence of tensors");
  return in[i]->sequence;
}

const Tensor& tensor_input(const Node& n, std::span<const AnyValue* const> in, int i) {
  LS_CHECK(i < static_cast<int>(in.size()) && in[i] && in[i]->is_tensor() && !in[i]->unset(), Graph::describe(n),
           ": input ", i, " must be a tensor");
  return in[i]->tensor;
}

int64_t position_value(const Node& n, const Tensor& t) {
  LS_CHECK((t.dtype() == DType::I32 || t.dtype() == DType::I64) && t.numel() == 1, Graph::describe(n),
           ": position must be one INT32 or INT64 element, got ", dtype_name(t.dtype()), " ",
           shape_to_string(t.shape()));
  return t.dtype() == DType::I64 ? *t.data_as<int64_t>() : *t.data_as<int32_t>();
}

size_t resolve_position(const Node& n, int64_t p, size_t length, bool may_be_end) {
  const int64_t len = static_cast<int64_t>(length);
  const int64_t last = may_be_end ? len : len - 1;
  if (length == 0 && !may_be_end) fail(Graph::describe(n), ": position ", p, " is out of range: the sequence is empty");
  if (p < -len || p > last)
    fail(Graph::describe(n), ": position ", p, " is out of range for a sequence of ", length,
         length == 1 ? " tensor" : " tensors", " (accepted: ", -len, " to ", last, ")");
  return static_cast<size_t>(p < 0 ? p + len : p);
}

}  // namespace layerscope::sequence
