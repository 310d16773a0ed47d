// Operators layerscope deliberately does not implement, each with the reason: training ops
// (losses, optimizers, gradients), string ops and the classical-ML domain ai.onnx.ml. The
// planner refuses a model using one with this reason ("'Adam' is a training op (...);
// layerscope runs inference models"), and the ONNX backend tests print the same reason when
// they skip such a case. An op listed here must not also be registered (tests/unit checks).
#pragma once
#include <string>
#include <vector>

namespace layerscope {

struct OutOfScopeOp {
  const char* domain;   // "" = ai.onnx
  const char* op_type;  // nullptr: every op of the domain
  const char* reason;   // completes "'<op>' is ..."
};

// The whole list (for docs and tests).
const std::vector<OutOfScopeOp>& out_of_scope_ops();
// "'Adam' is a training op (...); layerscope runs inference models", or "" when
// (domain, op_type) is not declared out of scope. domain "" and "ai.onnx" are the same.
std::string out_of_scope_reason(const std::string& domain, const std::string& op_type);

}  // namespace layerscope
