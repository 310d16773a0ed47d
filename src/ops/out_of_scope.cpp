#include "ops/out_of_scope.h"

namespace layerscope {

namespace {

constexpr const char* kTraining = "a training op";
constexpr const char* kInference = "; layerscope runs inference models";
constexpr const char* kStrings = "; layerscope has no string tensors (it runs numeric tensor networks)";

}  // namespace

const std::vector<OutOfScopeOp>& out_of_scope_ops() {
  static const std::vector<OutOfScopeOp> ops = {
      {"ai.onnx.preview.training", "Adagrad", "a training op (an optimizer update step)"},
      {"ai.onnx.preview.training", "Adam", "a training op (an optimizer update step)"},
      {"ai.onnx.preview.training", "Momentum", "a training op (an optimizer update step)"},
      {"ai.onnx.preview.training", "Gradient", "a training op (it computes gradients for back-propagation)"},
      {"", "SoftmaxCrossEntropyLoss", "a training op (a loss function, the training objective)"},
      {"", "NegativeLogLikelihoodLoss", "a training op (a loss function, the training objective)"},
      {"", "StringNormalizer", "a string op (text normalisation of string tensors)"},
      {"", "StringConcat", "a string op (concatenation of string tensors)"},
      {"", "StringSplit", "a string op (splitting string tensors)"},
      {"", "RegexFullMatch", "a string op (regular expressions over string tensors)"},
      {"", "TfIdfVectorizer", "a string op (text n-gram featurisation, of string tensors or token ids)"},
      {"ai.onnx.ml", nullptr, "a classical machine-learning op (domain ai.onnx.ml: tree ensembles, SVMs, encoders)"},
  };
  return ops;
}

std::string out_of_scope_reason(const std::string& domain, const std::string& op_type) {
  const std::string d = domain == "ai.onnx" ? "" : domain;
  for (const OutOfScopeOp& o : out_of_scope_ops()) {
    if (d != o.domain || (o.op_type && op_type != o.op_type)) continue;
    const std::string reason = o.reason;
    const char* tail = reason.rfind(kTraining, 0) == 0       ? kInference
                       : reason.rfind("a string op", 0) == 0 ? kStrings
                                                             : "; layerscope runs neural-network inference models";
    return "'" + op_type + "' is " + reason + tail;
  }
  return "";
}

}  // namespace layerscope
