// AnyValue (include/layerscope/value.h): the constructors and descriptions of sequence and
// optional values.
#include "layerscope/value.h"

#include "ir/error.h"

namespace layerscope {

std::string value_type_name(ValueType type, DType elem) {
  const std::string tensor = std::string("tensor(") + dtype_name(elem) + ")";
  switch (type.kind) {
    case ValueKind::Tensor: return tensor;
    case ValueKind::Sequence: return "seq(" + tensor + ")";
    case ValueKind::Optional:
      return "optional(" + (type.held == ValueKind::Sequence ? "seq(" + tensor + ")" : tensor) + ")";
  }
  return "?";
}

AnyValue AnyValue::of_sequence(DType elem, std::vector<Tensor> items) {
  AnyValue v;
  v.type = ValueType::sequence();
  v.dtype = elem;
  v.sequence = std::move(items);
  return v;
}

AnyValue AnyValue::optional_of(AnyValue element) {
  LS_CHECK(element.type.kind != ValueKind::Optional, "an optional cannot hold an optional");
  AnyValue v = std::move(element);
  v.type = ValueType::optional(v.type.kind);
  v.has_element = true;
  return v;
}

AnyValue AnyValue::empty_optional(ValueKind held, DType elem) {
  AnyValue v;
  v.type = ValueType::optional(held);
  v.dtype = elem;
  return v;
}

AnyValue AnyValue::element() const {
  LS_CHECK(type.kind == ValueKind::Optional && has_element, "internal: element() of ", describe());
  if (type.held == ValueKind::Tensor) return AnyValue(tensor);
  return of_sequence(dtype, sequence);
}

AnyValue AnyValue::clone() const {
  AnyValue v = *this;
  if (!tensor.empty()) v.tensor = tensor.clone();
  for (Tensor& t : v.sequence) t = t.clone();
  return v;
}

std::string AnyValue::describe() const {
  const std::string type_name = value_type_name(type, dtype);
  const std::string count = std::to_string(sequence.size()) + (sequence.size() == 1 ? " tensor" : " tensors");
  switch (type.kind) {
    case ValueKind::Tensor: return std::string(dtype_name(dtype)) + " " + shape_to_string(tensor.shape());
    case ValueKind::Sequence: return type_name + " of " + count;
    case ValueKind::Optional:
      if (!has_element) return "empty " + type_name;
      return type_name + " holding " + (type.held == ValueKind::Tensor ? shape_to_string(tensor.shape()) : count);
  }
  return type_name;
}

}  // namespace layerscope
