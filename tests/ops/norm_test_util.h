// Helpers for the nn_norm / reduce op tests: build a one-node call and run infer() +
// the reference kernel directly.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope::norm_test {

template <typename T>
Tensor make(DType dt, Shape shape, std::vector<T> values) {
  Tensor t(dt, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel());
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.numel()); ++i) t.data_as<T>()[i] = values[i];
  return t;
}
inline Tensor f32(Shape s, std::vector<float> v) { return make<float>(DType::F32, std::move(s), std::move(v)); }
inline Tensor f64(Shape s, std::vector<double> v) { return make<double>(DType::F64, std::move(s), std::move(v)); }
inline Tensor i64(Shape s, std::vector<int64_t> v) { return make<int64_t>(DType::I64, std::move(s), std::move(v)); }
inline Tensor i32(Shape s, std::vector<int32_t> v) { return make<int32_t>(DType::I32, std::move(s), std::move(v)); }
inline Tensor none() { return Tensor(); }  // an omitted optional input

inline Attributes attrs(std::initializer_list<std::pair<const std::string, AttrValue>> kv) {
  Attributes a;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

inline Node make_node(const std::string& op, int opset, const std::vector<Tensor>& inputs, int n_outputs,
                      Attributes a) {
  Node n = testing::make_node(op, opset, inputs.size(), static_cast<size_t>(n_outputs), std::move(a));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].empty()) n.inputs[i] = -1;
  return n;
}

inline const OpDef& find(const std::string& op, int opset) {
  const OpDef* d = Registry::builtin().find_op("", op, opset);
  if (!d) fail("op ", op, " not registered at opset ", opset);
  return *d;
}

struct Call {
  Node node;
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> values;
};

inline Call make_call(const std::string& op, int opset, const std::vector<Tensor>& inputs, int n_outputs,
                      Attributes a) {
  Call c{make_node(op, opset, inputs, n_outputs, std::move(a)), {}, {}};
  for (const Tensor& t : inputs) {
    c.infos.push_back(t.empty() ? TensorInfo{} : TensorInfo{t.dtype(), t.shape()});
    c.values.push_back(t.empty() ? nullptr : &t);
  }
  return c;
}

// Infers (all inputs' values known) and runs the reference; returns all outputs.
inline std::vector<Tensor> run_all(const std::string& op, int opset, const std::vector<Tensor>& inputs,
                                   Attributes a = {}, int n_outputs = 1) {
  Call c = make_call(op, opset, inputs, n_outputs, std::move(a));
  const OpDef& def = find(op, opset);
  testing::expect_declared_attributes(c.node);
  InferContext ctx = infer_context(def, c.node, c.infos, c.values);
  def.infer(ctx);
  std::vector<Tensor> outs;
  for (const TensorInfo& t : ctx.outputs()) outs.emplace_back(t.dtype, t.shape);
  std::vector<Tensor*> ptrs;
  for (Tensor& t : outs) ptrs.push_back(&t);
  def.reference(c.node, c.values, ptrs);
  return outs;
}
inline Tensor run(const std::string& op, int opset, const std::vector<Tensor>& inputs, Attributes a = {}) {
  return run_all(op, opset, inputs, std::move(a))[0];
}

// infer() only: the output infos, or the error message in *err.
inline std::vector<TensorInfo> infer(const std::string& op, int opset, const std::vector<Tensor>& inputs,
                                     Attributes a = {}, std::string* err = nullptr, int n_outputs = 1) {
  Call c = make_call(op, opset, inputs, n_outputs, std::move(a));
  try {
    testing::expect_declared_attributes(c.node);
    InferContext ctx = infer_context(find(op, opset), c.node, c.infos, c.values);
    find(op, opset).infer(ctx);
    return ctx.outputs();
  } catch (const Error& e) {
    if (err) *err = e.what();
    else ADD_FAILURE() << "unexpected infer error: " << e.what();
  }
  return {};
}

// The infer() error message ("" if inference succeeds).
inline std::string infer_error(const std::string& op, int opset, const std::vector<Tensor>& inputs, Attributes a = {},
                               int n_outputs = 1) {
  std::string err;
  infer(op, opset, inputs, std::move(a), &err, n_outputs);
  return err;
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}

template <typename T>
void expect_near(const Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    double g = static_cast<double>(got.data_as<T>()[i]);
    if (std::isnan(want[i])) EXPECT_TRUE(std::isnan(g)) << "element " << i;
    else EXPECT_NEAR(g, want[i], tol * std::max(1.0, std::abs(want[i]))) << "element " << i;
  }
}
inline void expect_f32(const Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  ASSERT_EQ(got.dtype(), DType::F32);
  expect_near<float>(got, want, tol);
}

}  // namespace layerscope::norm_test
