// Helpers for the elementwise tests: build a one-node call, run infer + reference directly.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope::elementwise_test {

template <typename T>
Tensor make(DType dt, Shape shape, std::vector<T> values) {
  Tensor t(dt, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.data_as<T>()[i] = values[i];
  return t;
}
inline Tensor f32(Shape s, std::vector<float> v) { return make<float>(DType::F32, std::move(s), std::move(v)); }

// A node of `op` at `opset` whose inputs are the given tensors (an empty Tensor = omitted).
inline Node make_node(const std::string& op, int opset, size_t n_inputs, Attributes attrs) {
  return testing::make_node(op, opset, n_inputs, 1, std::move(attrs));
}

inline const OpDef& find(const std::string& op, int opset) {
  const OpDef* d = Registry::builtin().find_op("", op, opset);
  if (!d) fail("op ", op, " not registered at opset ", opset);
  return *d;
}

// Infers and runs the reference kernel; returns the single output.
inline Tensor run_ref(const std::string& op, int opset, const std::vector<Tensor>& inputs, Attributes attrs = {}) {
  Node n = make_node(op, opset, inputs.size(), std::move(attrs));
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) n.inputs[i] = -1;
    infos.push_back(inputs[i].empty() ? TensorInfo{} : TensorInfo{inputs[i].dtype(), inputs[i].shape()});
    values.push_back(inputs[i].empty() ? nullptr : &inputs[i]);
  }
  const OpDef& def = find(op, opset);
  testing::expect_declared_attributes(n);
  InferContext ctx = infer_context(def, n, infos, values);
  def.infer(ctx);
  Tensor out(ctx.outputs()[0].dtype, ctx.outputs()[0].shape);
  Tensor* outs[] = {&out};
  def.reference(n, values, outs);
  return out;
}

// The infer() error message for these input types/shapes ("" if inference succeeds).
inline std::string infer_error(const std::string& op, int opset, const std::vector<TensorInfo>& infos,
                               Attributes attrs = {}) {
  Node n = make_node(op, opset, infos.size(), std::move(attrs));
  std::vector<const Tensor*> values(infos.size(), nullptr);
  try {
    testing::expect_declared_attributes(n);
    InferContext ctx = infer_context(find(op, opset), n, infos, values);
    find(op, opset).infer(ctx);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}

inline Attributes attrs(std::initializer_list<std::pair<const std::string, AttrValue>> kv) {
  Attributes a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

}  // namespace layerscope::elementwise_test
