// Node attributes, already decoded from the ONNX protobuf.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ir/error.h"
#include "layerscope/tensor.h"
#include "layerscope/value.h"

namespace layerscope {

struct Graph;  // ir/graph.h

// A GRAPH attribute: the body of an If, Loop or Scan, decoded by the loader (onnx/model_loader.cpp).
// Its inputs are the ones the file declares, then one per outer-scope value it reads (the node's
// implicit inputs, Node::implicit_inputs, in the same order). Shared and immutable: copies of the
// node (plans, kernels) share one body. Null for a GRAPHS attribute, which no supported op takes.
struct GraphAttr {
  std::shared_ptr<const Graph> graph;
};

// A TYPE_PROTO attribute (Optional's `type`): a tensor, sequence or optional type and its
// element type.
struct TypeAttr {
  ValueType type;
  DType elem = DType::Undefined;
};

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                               std::vector<std::string>, Tensor, GraphAttr, TypeAttr>;

class Attributes {
 public:
  void set(const std::string& name, AttrValue v) { values_[name] = std::move(v); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  int64_t get_int(const std::string& name, int64_t dflt) const { return get_or<int64_t>(name, dflt); }
  float get_float(const std::string& name, float dflt) const { return get_or<float>(name, dflt); }
  std::string get_string(const std::string& name, const std::string& dflt) const {
    return get_or<std::string>(name, dflt);
  }
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> dflt = {}) const {
    return get_or<std::vector<int64_t>>(name, std::move(dflt));
  }
  std::vector<float> get_floats(const std::string& name, std::vector<float> dflt = {}) const {
    return get_or<std::vector<float>>(name, std::move(dflt));
  }
  const Tensor* get_tensor(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : std::get_if<Tensor>(&it->second);
  }
  const TypeAttr* get_type(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : std::get_if<TypeAttr>(&it->second);
  }
  // The body graph of a GRAPH attribute, or nullptr when absent.
  const Graph* get_graph(const std::string& name) const {
    auto it = values_.find(name);
    const GraphAttr* g = it == values_.end() ? nullptr : std::get_if<GraphAttr>(&it->second);
    return g ? g->graph.get() : nullptr;
  }

 private:
  template <typename T>
  T get_or(const std::string& name, T dflt) const {
    auto it = values_.find(name);
    if (it == values_.end()) return dflt;
    if (const T* v = std::get_if<T>(&it->second)) return *v;
    fail("attribute '", name, "' has an unexpected type");
  }
  std::map<std::string, AttrValue> values_;
};

}  // namespace layerscope
