// Two DequantizeLinear (or QuantizeLinear) nodes that read the same values (a small constant,
// a scale or zero point, counts as the same when its type, shape and bytes are) with the same
// attributes compute the same tensor: the later one goes, its readers read the first one's
// output, and its name joins the first one's source_names (the profile row then names both).
// Such pairs come from QOperator expansion (expand_qoperator.cpp gives each expanded node its own
// DequantizeLinear of its inputs: EfficientNet's SiLU, QLinearSigmoid and QLinearMul both
// reading one convolution's output, dequantized it twice) and from QDQ files written with one
// DequantizeLinear per consumer. Each removed node is one pass over its tensor saved.
// Only these conversions: merging other duplicates would give a value more readers, and
// fusions that absorb a value require it to have one (a second Transpose of K feeding a second
// attention, say); the conversions are never absorbed that way after fuse_qdq, which runs first.
// Runs after the QDQ fusion and the expansion, before the float fusions and the layouts.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "passes/graph_index.h"
#include "passes/pass_list.h"

namespace layerscope {
namespace {

bool is_conversion(const Node& n) {
  return n.domain.empty() && (n.op_type == "DequantizeLinear" || n.op_type == "QuantizeLinear");
}

// The attributes as comparable text: the conversions' are ints (axis, block_size, saturate,
// output_dtype) and strings; anything else makes the node unmergeable (nullopt).
std::optional<std::string> attribute_key(const Attributes& attrs) {
  std::string key;
  for (const auto& [name, value] : attrs.all()) {
    key += name + '=';
    if (const int64_t* i = std::get_if<int64_t>(&value)) {
      key += std::to_string(*i);
    } else if (const std::string* s = std::get_if<std::string>(&value)) {
      key += '"' + *s + '"';
    } else {
      return std::nullopt;
    }
    key += ';';
  }
  return key;
}

bool read_by_a_body(const Graph& g, const GraphIndex& idx, int value) {
  for (int c : idx.consumers(value))
    if (g.nodes[c].implicit_inputs > 0) return true;
  return false;
}

// Scales and zero points: the constants compared by content (the expansion makes a copy per node).
constexpr int64_t kMaxComparedConstantBytes = 4096;

// The inputs as comparable text: computed values by id, small constants by type, shape and bytes.
std::string input_key(const Graph& g, const Node& n) {
  std::string key;
  for (int v : n.inputs) {
    const std::optional<Tensor>& c = v >= 0 ? g.values[v].constant : std::nullopt;
    if (c && static_cast<int64_t>(c->nbytes()) <= kMaxComparedConstantBytes) {
      key += "c" + std::to_string(static_cast<int>(c->dtype())) + shape_to_string(c->shape()) + ':';
      key.append(static_cast<const char*>(c->data()), c->nbytes());
    } else {
      key += "v" + std::to_string(v);
    }
    key += ';';
  }
  return key;
}

}  // namespace

int merge_duplicate_conversions_pass(PassContext& ctx) {
  Graph& g = ctx.graph;
  const GraphIndex idx(g);
  using Key = std::tuple<std::string, int, std::string, std::string>;
  std::map<Key, int> first;  // -> the node index that computes it
  std::vector<bool> dead(g.nodes.size(), false);
  int merged = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (!is_conversion(n) || n.outputs.size() != 1 || n.outputs[0] < 0) continue;
    const std::optional<std::string> attrs = attribute_key(n.attrs);
    if (!attrs) continue;
    const Key key{n.op_type, n.opset, input_key(g, n), *attrs};
    auto [it, inserted] = first.emplace(key, static_cast<int>(i));
    // A graph output keeps its own producer (its name is the output's); a value read by an If /
    // Loop / Scan also reaches its bodies by name, so it stays too.
    if (inserted || idx.is_graph_output(n.outputs[0]) || read_by_a_body(g, idx, n.outputs[0])) continue;
    Node& kept = g.nodes[it->second];
    replace_uses(g, n.outputs[0], kept.outputs[0]);
    append_sources(kept.source_names, n.source_names);
    dead[i] = true;
    ++merged;
  }
  if (merged) erase_nodes(g, dead);
  return merged;
}

}  // namespace layerscope
