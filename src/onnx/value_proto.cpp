// Files holding an ONNX SequenceProto or OptionalProto (the backend tests' inputs and outputs of
// sequence and optional type), read as AnyValue. Only sequences of tensors and optionals of a
// tensor or such a sequence: the types layerscope runs (layerscope/value.h).
#include <onnx/onnx-data_pb.h>

#include <filesystem>
#include <fstream>

#include "ir/error.h"
#include "onnx/tensor_proto.h"

namespace layerscope {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  LS_CHECK(in.good(), "cannot open value file '", path, "'");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

AnyValue sequence_from_proto(const onnx::SequenceProto& p, DType elem, const std::string& dir, const std::string& ctx) {
  LS_CHECK(p.elem_type() == onnx::SequenceProto::TENSOR || p.tensor_values_size() == 0, ctx,
           ": a sequence of other than tensors (elem_type ", p.elem_type(), ")");
  std::vector<Tensor> items;
  for (const onnx::TensorProto& t : p.tensor_values()) items.push_back(tensor_from_proto(t, dir, ctx));
  if (!items.empty()) elem = items[0].dtype();
  return AnyValue::of_sequence(elem, std::move(items));
}

}  // namespace

AnyValue load_value_pb(const std::string& path, ValueType type, DType elem) {
  const std::string bytes = read_file(path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const std::string ctx = "value file '" + path + "'";
  switch (type.kind) {
    case ValueKind::Tensor: return AnyValue(load_tensor_pb(path));
    case ValueKind::Sequence: {
      onnx::SequenceProto p;
      LS_CHECK(p.ParseFromString(bytes), "'", path, "' is not a valid ONNX SequenceProto");
      return sequence_from_proto(p, elem, dir, ctx);
    }
    case ValueKind::Optional: {
      onnx::OptionalProto p;
      LS_CHECK(p.ParseFromString(bytes), "'", path, "' is not a valid ONNX OptionalProto");
      if (p.has_tensor_value()) return AnyValue::optional_of(AnyValue(tensor_from_proto(p.tensor_value(), dir, ctx)));
      if (p.has_sequence_value()) return AnyValue::optional_of(sequence_from_proto(p.sequence_value(), elem, dir, ctx));
      LS_CHECK(p.elem_type() == onnx::OptionalProto::UNDEFINED || p.elem_type() == onnx::OptionalProto::TENSOR ||
                   p.elem_type() == onnx::OptionalProto::SEQUENCE,
               ctx, ": an optional of other than a tensor or sequence (elem_type ", p.elem_type(), ")");
      return AnyValue::empty_optional(type.held, elem);
    }
  }
  fail(ctx, ": unknown value kind");
}

}  // namespace layerscope
