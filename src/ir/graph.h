// The in-memory model: values (tensors flowing between nodes) and nodes, in ONNX terms.
// Values are referred to by index; nodes list input/output value ids (-1 = omitted optional).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/attributes.h"
#include "ir/layout.h"
#include "layerscope/tensor.h"
#include "layerscope/value.h"

namespace layerscope {

// A dimension as declared in the model: a fixed size, a symbol ("batch"), or unknown (-1, "").
struct DeclaredDim {
  int64_t size = -1;
  std::string symbol;
};

struct Value {
  std::string name;
  DType dtype = DType::Undefined;
  // Shape as declared by the model (graph inputs/outputs, value_info); may be absent.
  std::optional<std::vector<DeclaredDim>> declared_shape;
  // Set for initializers and Constant outputs, and for values folded at plan time.
  std::optional<Tensor> constant;
  // How the value's buffer is laid out (ir/layout.h). Set only by the layout pass; Plain
  // everywhere else (constants, graph inputs and outputs are always Plain).
  Layout layout = Layout::Plain;
  // Tensor for almost every value; a sequence or optional (layerscope/value.h) as the file
  // declares it or the Sequence/Optional ops make it. `dtype` is then the element type.
  ValueType type;
};

// The domain of the operators that only graph passes create (fused layers such as ConvRelu or
// SDPAttention, layout Reorders), all at opset 1 of it. The one name for it, in code and tests.
inline constexpr const char* kFusedDomain = "layerscope";

struct Node {
  std::string name;     // ONNX node name ("" in some exports; then a synthetic one is set)
  std::string op_type;  // after fusion this is the fused op's name (e.g. "ConvRelu")
  std::string domain;   // "" is the default ONNX domain; kFusedDomain for fused nodes
  int opset = 0;        // opset version of `domain` imported by the model
  std::vector<int> inputs;
  std::vector<int> outputs;
  // The last `implicit_inputs` of `inputs` are not in the file's node: they are the values of
  // enclosing graphs that the node's bodies (GRAPH attributes) read by name, made explicit by
  // the loader so that the planner orders the node after them and keeps them alive. Each body
  // lists them, in this order, as its last inputs.
  int implicit_inputs = 0;
  Attributes attrs;
  // Names of the original ONNX nodes this node stands for (itself, or all fused nodes).
  std::vector<std::string> source_names;
};

struct Graph {
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;  // graph inputs that are not initializers
  // Initializers also listed as graph inputs in an IR >= 4 model: inputs with a default value
  // (the initializer) that a caller may override. Not in `inputs`; a plan that overrides one
  // drops its constant and appends it to `inputs` (api/session.cpp).
  std::vector<int> default_inputs;
  std::vector<int> outputs;
  std::string model_path;  // file it was loaded from (for messages and the report)
  int64_t model_file_bytes = 0;
  int64_t ir_version = 0;

  int add_value(std::string name) {
    values.push_back(Value{std::move(name), DType::Undefined, std::nullopt, std::nullopt, Layout::Plain, {}});
    return static_cast<int>(values.size()) - 1;
  }
  // "'Conv' node '/layer1/conv' (opset 17)" — used in every message about a node.
  static std::string describe(const Node& n);
};

}  // namespace layerscope
