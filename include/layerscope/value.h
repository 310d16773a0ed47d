// Values of ONNX's sequence and optional types, beside tensors. Most models only pass tensors
// (Tensor, NamedTensor); a model whose inputs or outputs are sequences (seq(tensor(T))) or
// optionals (optional(tensor(T)), optional(seq(tensor(T)))) is run with Session::run_values,
// which takes and gives them as AnyValue. Inside the runtime, the Sequence and Optional ops and
// the bodies of If and Loop pass them the same way.
#pragma once
#include <string>
#include <vector>

#include "layerscope/tensor.h"

namespace layerscope {

enum class ValueKind : uint8_t { Tensor, Sequence, Optional };

// The ONNX type of a value, without its element type (kept beside it as a DType):
// tensor(T), seq(tensor(T)), optional(tensor(T)) or optional(seq(tensor(T))).
struct ValueType {
  ValueKind kind = ValueKind::Tensor;
  ValueKind held = ValueKind::Tensor;  // Optional only: what it holds (Tensor or Sequence)
  bool operator==(const ValueType&) const = default;
  bool is_tensor() const { return kind == ValueKind::Tensor; }

  static ValueType sequence() { return {ValueKind::Sequence, ValueKind::Tensor}; }
  static ValueType optional(ValueKind held) { return {ValueKind::Optional, held}; }
};

// "tensor(FLOAT)", "seq(tensor(INT64))", "optional(seq(tensor(FLOAT)))".
std::string value_type_name(ValueType type, DType elem);

// A value of any of those types. A tensor is `tensor`; a sequence is `sequence` (its tensors,
// all of element type `dtype`, possibly none); an optional holds, when `has_element`, a
// tensor (`tensor`) or a sequence (`sequence`), as `type.held` says.
struct AnyValue {
  ValueType type;
  DType dtype = DType::Undefined;  // element type (a tensor's dtype)
  Tensor tensor;
  std::vector<Tensor> sequence;
  bool has_element = false;  // Optional only

  AnyValue() = default;
  AnyValue(Tensor t) : dtype(t.dtype()), tensor(std::move(t)) {}  // NOLINT: a tensor is a value
  static AnyValue of_sequence(DType elem, std::vector<Tensor> items);
  // An optional holding `element` (a tensor or a sequence).
  static AnyValue optional_of(AnyValue element);
  // An empty optional of type optional(held(elem)).
  static AnyValue empty_optional(ValueKind held, DType elem);

  bool is_tensor() const { return type.is_tensor(); }
  // A tensor value that holds no tensor: nothing was set.
  bool unset() const { return is_tensor() && tensor.empty(); }
  // The optional's element (a tensor or sequence value); requires has_element.
  AnyValue element() const;
  // A copy owning its own buffers (Tensor::clone of every tensor).
  AnyValue clone() const;
  // "seq(tensor(FLOAT)) of 3 tensors", "optional(tensor(INT64)) holding (2,3)", "FLOAT (2,3)".
  std::string describe() const;
};

struct NamedValue {
  std::string name;
  AnyValue value;
};

}  // namespace layerscope
