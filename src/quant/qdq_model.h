// Writes a float ONNX model as an S8S8 QDQ model (onnxruntime's QDQ format): QuantizeLinear ->
// DequantizeLinear pairs on the activations the quantized nodes read, int8 weights with a
// DequantizeLinear, int32 biases. Which tensors, and the names written, in docs/quantize.md.
//
// Two steps around calibration: the constructor parses and checks the model (not already
// quantized, opset, --keep-float names) and says which tensors need statistics
// (wanted_tensors); write() takes their calibrated ranges and serializes the model.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "quant/tensor_stats.h"

namespace onnx {
class ModelProto;
}

namespace layerscope::quant {

struct QdqOptions {
  bool per_channel = true;              // weights per output channel (else one scale per tensor)
  std::vector<std::string> keep_float;  // node names left in float
};

struct QdqSummary {
  int quantized_nodes = 0;         // nodes reading dequantized inputs
  int kept_float = 0;              // nodes named in keep_float
  int activations = 0;             // QuantizeLinear/DequantizeLinear pairs
  int weights = 0;                 // int8 weight initializers
  int biases = 0;                  // int32 bias initializers
  int clipped_bias_values = 0;     // bias values beyond int32 (saturated)
  int opset = 0;                   // ai.onnx opset of the written model
  std::vector<std::string> notes;  // what was changed or left out, for the user
};

class QdqModel {
 public:
  // Parses `model_path`. Throws Error (naming the file) when the model is already quantized,
  // its opset cannot carry the requested quantization, or a keep_float name is not a node.
  QdqModel(const std::string& model_path, const QdqOptions& options);
  ~QdqModel();
  QdqModel(const QdqModel&) = delete;
  QdqModel& operator=(const QdqModel&) = delete;

  // The activation tensors whose ranges write() can use: inputs and outputs of the nodes to
  // quantize. Tensors missing from the ranges given to write() (not computed at run time, or
  // not FLOAT) stay float, and so do the nodes that read them.
  const std::set<std::string>& wanted_tensors() const { return wanted_; }

  // The quantized model, serialized. Call once.
  std::string write(const std::map<std::string, Range>& ranges, QdqSummary* summary);

 private:
  struct Graph;
  std::string path_;
  QdqOptions options_;
  std::unique_ptr<onnx::ModelProto> model_;
  std::unique_ptr<Graph> graph_;
  std::set<std::string> wanted_;
};

}  // namespace layerscope::quant
