// Reads an .onnx file into the IR (ir/graph.h). Validates the container (IR version, opset
// imports, graph structure) but not operator semantics: those are checked by each op's infer().
#pragma once
#include <map>
#include <string>

#include "ir/graph.h"

namespace layerscope {

constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 10;

Graph load_onnx_model(const std::string& path);
// Same, from bytes already in memory (`path` only names the model and locates external data).
Graph parse_onnx_model(const std::string& bytes, const std::string& path);

}  // namespace layerscope
