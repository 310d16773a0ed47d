// ONNX TensorProto <-> Tensor, including external data files.
#pragma once
#include <string>

#include "layerscope/tensor.h"
#include "layerscope/value.h"

namespace onnx {
class TensorProto;
}

namespace layerscope {

// Decodes a TensorProto. `model_dir` resolves external data (locations must stay inside it);
// `context` names the tensor's owner in error messages (e.g. "initializer 'conv1.weight' in m.onnx").
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& model_dir, const std::string& context);

// A TensorProto named `name` holding `t` as raw data (DType codes are ONNX's data type codes):
// the initializers the quantizer and the accuracy analysis write into models.
onnx::TensorProto tensor_to_proto(const std::string& name, const Tensor& t);

// Reads a serialized TensorProto file (the ONNX backend tests' input_0.pb / output_0.pb).
Tensor load_tensor_pb(const std::string& path);

// Reads a serialized TensorProto, SequenceProto or OptionalProto file, as `type` says, into a
// value (onnx/value_proto.cpp). `elem` is the element type of an empty sequence or optional
// (the files do not say it).
AnyValue load_value_pb(const std::string& path, ValueType type, DType elem);

// ONNX data type code -> DType (Undefined when we do not support it).
DType dtype_from_onnx(int onnx_type);

}  // namespace layerscope
