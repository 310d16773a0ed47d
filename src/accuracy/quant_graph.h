// The quantized model's graph as the accuracy analysis reads it (a QDQ model: onnxruntime's
// quantize_static or `layerscope quantize`): which nodes are quantized layers, which tensor of
// the float model each tensor stands for, and the small models built from it: one layer alone
// (the single error) and the model with some layers kept in float (the sensitivity).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "layerscope/tensor.h"

namespace onnx {
class ModelProto;
class TensorProto;
}  // namespace onnx

namespace layerscope::accuracy {

// The float tensor a QDQ name stands for: "T_QuantizeLinear_Output" and
// "T_DequantizeLinear_Output" -> "T" (onnxruntime's and layerscope quantize's names); other
// names are returned unchanged.
std::string strip_qdq_suffix(const std::string& name);

struct QuantLayer {
  int node = -1;
  std::string name, op_type;
  std::string output;           // the node's first output
  std::string reported;         // what the next layers read: the output's DequantizeLinear output, or `output`
  int out_q = -1, out_dq = -1;  // the output's QuantizeLinear / DequantizeLinear nodes (-1: none)
};

// A graph input of a single-layer model: its name there and the float-model tensor it takes.
struct SubModelInput {
  std::string name;
  std::string float_name;
};

class QuantGraph {
 public:
  // Parses a serialized QDQ model; `path` names it in messages and locates external data.
  QuantGraph(const std::string& bytes, const std::string& path);
  ~QuantGraph();

  const std::vector<QuantLayer>& layers() const { return layers_; }
  const std::string& node_name(int node) const { return names_[node]; }
  const std::string& op_type(int node) const;
  int node_count() const { return static_cast<int>(names_.size()); }
  // Outputs of `node` (empty names for omitted optional outputs).
  std::vector<std::string> node_outputs(int node) const;
  // The node producing `value`, -1 for a graph input or initializer.
  int producer(const std::string& value) const;
  bool is_constant(const std::string& value) const { return constants_.count(value) != 0; }
  const std::set<std::string>& graph_inputs() const { return graph_inputs_; }

  // Whether `layer` reads a DequantizeLinear output (an activation or a weight), i.e. has
  // something of its own to keep in float.
  bool reads_dequantized(const QuantLayer& layer) const;

  // For the output of a DequantizeLinear whose QuantizeLinear reads a run-time tensor T: T.
  // "" otherwise (a dequantized constant, or not a DequantizeLinear output).
  std::string activation_behind(const std::string& dq_output) const;

  // One model holding `layer` alone: each run-time input either a graph input taking the float
  // model's tensor through the quantized model's own QuantizeLinear -> DequantizeLinear, or (an
  // input the layer reads unquantized) the float tensor directly; constant inputs (int8 weights
  // and their DequantizeLinear, Constant nodes) copied; the output's pair when it has one. Its
  // output is the layer's `reported` tensor. `float_name` maps a quantized-model tensor to the
  // float model's ("" = none: the layer gets no single model, and *why says why); `describe`
  // gives a graph input's type and shape.
  std::string single_layer_model(const QuantLayer& layer,
                                 const std::function<std::string(const std::string&)>& float_name,
                                 const std::function<bool(const std::string&, DType*, Shape*)>& describe,
                                 std::vector<SubModelInput>* inputs, std::string* why) const;

  // The model with `kept` layers (indices into layers()) in float: their inputs read the tensor
  // behind each activation DequantizeLinear directly and their weights come from the float
  // model (`float_weight(name)` returns the float model's initializer of that name as a tensor,
  // or an empty one: the dequantized int8 weight stays, noted in *notes). Pairs on their outputs
  // stay, since quantized readers need them (as `layerscope quantize --keep-float` writes them).
  std::string keep_float_model(const std::set<int>& kept, const std::function<Tensor(const std::string&)>& float_weight,
                               std::vector<std::string>* notes) const;

 private:
  std::unique_ptr<onnx::ModelProto> model_;
  std::string path_;
  std::vector<std::string> names_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<int>> consumers_;
  std::map<std::string, int> initializer_;
  std::set<std::string> constants_, graph_inputs_;
  std::vector<QuantLayer> layers_;
};

}  // namespace layerscope::accuracy
