// int8 activations flow as uint8: a value q with zero point z holds the same real numbers as
// q + 128 with zero point z + 128, so every int8 activation whose producers and consumers are
// all quantized ops that read their zero points from inputs is retyped to uint8, exactly.
// Why: oneDNN 2.6's fastest int8 convolutions (brgconv) take uint8 sources without a zero
// point. onnxruntime's S8S8 files put activations after a Relu at zero point -128 (their
// minimum is 0), which becomes uint8 zero point 0: measured on an AMD EPYC Zen 5, 1 thread, a
// 3x3 256-channel 14x14 convolution takes 0.20 ms from uint8 (brgconv) and 0.27-0.30 ms from
// int8 with a zero point (jit_int8); with other zero points uint8 is still 3-10% faster.
// A group of values linked through ops that only move elements (MaxPool, Flatten, Reshape,
// Squeeze, Unsqueeze, Transpose) or that an op requires to share a type (QLinearAdd's operands
// and output) is retyped together or not at all. It is left int8 when any
// member is a graph input or output, a constant, QLinearMatMul's B (oneDNN's int8 matmul needs
// int8 weights) or read or written by any other op, or when a zero point is not one constant.
// Runs after fuse_qdq (which makes the QLinear ops) and before the layout pass.
#include <map>
#include <numeric>

#include "passes/graph_index.h"
#include "passes/pass_list.h"
#include "passes/pattern_util.h"

namespace layerscope {

namespace {

constexpr const char* kMs = "com.microsoft";

// Where an op reads the zero point of input `k` (-1: the op cannot take a uint8 input there).
int input_zero_index(const Node& n, int k) {
  const bool onnx = n.domain.empty();
  if (onnx && (n.op_type == "DequantizeLinear" || n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul"))
    return k == 0 ? 2 : -1;
  if (n.domain == kMs && n.op_type == "QLinearAdd") return k == 0 ? 2 : k == 3 ? 5 : -1;
  if (n.domain == kMs && n.op_type == "QLinearGlobalAveragePool") return k == 0 ? 2 : -1;
  if (n.domain == kMs && n.op_type == "QGemm") return k == 0 ? 2 : -1;
  if (n.domain == kFusedDomain && n.op_type == "QLinearConvAdd") return k == 0 ? 2 : k == 9 ? 11 : -1;
  if (n.domain == kFusedDomain && n.op_type == "QLinearMatMulAdd") return k == 0 ? 2 : k == 8 ? 10 : -1;
  return -1;
}

// Where an op reads the zero point of its output (-1: none it can retype).
int output_zero_index(const Node& n) {
  const bool onnx = n.domain.empty();
  if (onnx && n.op_type == "QuantizeLinear") return 2;
  if (onnx && (n.op_type == "QLinearConv" || n.op_type == "QLinearMatMul")) return 7;
  if (n.domain == kMs && n.op_type == "QLinearAdd") return 7;
  if (n.domain == kMs && n.op_type == "QLinearGlobalAveragePool") return 4;
  if (n.domain == kMs && n.op_type == "QGemm") return 8;
  if (n.domain == kFusedDomain && n.op_type == "QLinearConvAdd") return 13;
  if (n.domain == kFusedDomain && n.op_type == "QLinearMatMulAdd") return 12;
  return -1;
}

// Ops whose output holds input 0's elements, moved: the output has the input's type.
bool moves_elements(const Node& n) {
  if (!n.domain.empty() || n.outputs.size() != 1) return false;
  if (n.op_type == "MaxPool") return true;
  return n.op_type == "Flatten" || n.op_type == "Reshape" || n.op_type == "Squeeze" || n.op_type == "Unsqueeze" ||
         n.op_type == "Transpose";
}

// The inputs that must have the output's type.
std::vector<int> same_type_inputs(const Node& n) {
  if (n.domain == kMs && n.op_type == "QLinearAdd") return {0, 3};
  if (n.domain == kMs && n.op_type == "QLinearGlobalAveragePool") return {0};
  if (n.domain == kFusedDomain && n.op_type == "QLinearConvAdd") return {9};
  if (n.domain == kFusedDomain && n.op_type == "QLinearMatMulAdd") return {8};
  return {};
}

int find(std::vector<int>& parent, int v) {
  while (parent[v] != v) v = parent[v] = parent[parent[v]];
  return v;
}

// A scalar int8 constant zero point.
bool int8_zero(const Graph& g, int v) {
  return v >= 0 && g.values[v].constant && g.values[v].constant->dtype() == DType::I8 &&
         g.values[v].constant->numel() == 1;
}

}  // namespace

int uint8_activations_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  GraphIndex idx(g);
  const size_t nv = g.values.size();
  // Groups: values joined by element-moving ops.
  std::vector<int> parent(nv);
  std::iota(parent.begin(), parent.end(), 0);
  auto join = [&](int a, int b) {
    if (a >= 0 && b >= 0) parent[find(parent, a)] = find(parent, b);
  };
  for (const Node& n : g.nodes) {
    if (n.outputs.empty()) continue;
    if (moves_elements(n) && !n.inputs.empty()) join(n.outputs[0], n.inputs[0]);
    // Operands an op requires to share one type: QLinearAdd's A, B and C, the pool's X and Y,
    // QLinearConvAdd's residual and output.
    for (int k : same_type_inputs(n))
      if (k < static_cast<int>(n.inputs.size())) join(n.outputs[0], n.inputs[k]);
  }

  auto int8_activation = [&](int v) { return ctx.known(v) && ctx.info[v].dtype == DType::I8; };
  std::vector<bool> bad(nv, false), seen(nv, false);
  for (size_t v = 0; v < nv; ++v) {
    if (!int8_activation(static_cast<int>(v))) continue;
    const int root = find(parent, static_cast<int>(v));
    seen[root] = true;
    if (g.values[v].constant || idx.is_graph_output(static_cast<int>(v))) bad[root] = true;
    const int p = idx.producer(static_cast<int>(v));
    if (p < 0) {
      bad[root] = true;  // a graph input
    } else {
      const Node& n = g.nodes[p];
      const bool mover = moves_elements(n) && n.inputs[0] >= 0 && find(parent, n.inputs[0]) == root;
      const int z = output_zero_index(n);
      if (!mover && (z < 0 || z >= static_cast<int>(n.inputs.size()) || !int8_zero(g, n.inputs[z]))) bad[root] = true;
    }
    for (int c : idx.consumers(static_cast<int>(v))) {
      const Node& n = g.nodes[c];
      if (moves_elements(n) && n.inputs[0] == static_cast<int>(v)) continue;
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        if (n.inputs[k] != static_cast<int>(v)) continue;
        const int z = input_zero_index(n, static_cast<int>(k));
        if (z < 0 || z >= static_cast<int>(n.inputs.size()) || !int8_zero(g, n.inputs[z])) bad[root] = true;
      }
    }
  }

  // Retype the good groups: new uint8 zero points (zero point constants may be shared with
  // values that stay int8, so none is changed in place).
  std::map<int, int> shifted;  // int8 zero point constant -> its uint8 twin
  auto uint8_zero = [&](int z) {
    if (g.values[z].constant->dtype() == DType::U8) return z;  // a node reading the value twice
    auto it = shifted.find(z);
    if (it != shifted.end()) return it->second;
    Tensor t(DType::U8, g.values[z].constant->shape());
    *t.data_as<uint8_t>() = static_cast<uint8_t>(*g.values[z].constant->data_as<int8_t>() + 128);
    const int id = ctx.add_constant(g.values[z].name + "_uint8", std::move(t));
    shifted[z] = id;
    return id;
  };
  int retyped = 0;
  for (size_t v = 0; v < nv; ++v) {
    if (!int8_activation(static_cast<int>(v)) || bad[find(parent, static_cast<int>(v))]) continue;
    const int p = idx.producer(static_cast<int>(v));
    if (const int z = output_zero_index(g.nodes[p]); z >= 0) g.nodes[p].inputs[z] = uint8_zero(g.nodes[p].inputs[z]);
    for (int c : idx.consumers(static_cast<int>(v))) {
      Node& n = g.nodes[c];
      for (size_t k = 0; k < n.inputs.size(); ++k)
        if (n.inputs[k] == static_cast<int>(v))
          if (const int z = input_zero_index(n, static_cast<int>(k)); z >= 0) n.inputs[z] = uint8_zero(n.inputs[z]);
    }
    ctx.info[v].dtype = DType::U8;
    g.values[v].dtype = DType::U8;
    ++retyped;
  }
  return retyped;
}

}  // namespace layerscope
