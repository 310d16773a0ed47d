// Helpers for the shape / tensor (data movement) op tests: build a node, run infer, the
// reference, or a named native kernel on it.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>

#include "attr_check.h"
#include "common/kernel_check.h"
#include "ir/error.h"
#include "registry/registry.h"

namespace layerscope::shape_test {

template <typename T>
Tensor make(DType dt, Shape shape, std::vector<T> v) {
  Tensor t(dt, std::move(shape));
  EXPECT_EQ(static_cast<size_t>(t.numel()), v.size()) << "test tensor size";
  if (!v.empty()) std::memcpy(t.data(), v.data(), v.size() * sizeof(T));
  return t;
}
inline Tensor f32(Shape s, std::vector<float> v) { return make(DType::F32, std::move(s), std::move(v)); }
inline Tensor i64(Shape s, std::vector<int64_t> v) { return make(DType::I64, std::move(s), std::move(v)); }
inline Tensor i32(Shape s, std::vector<int32_t> v) { return make(DType::I32, std::move(s), std::move(v)); }
inline Tensor boolean(Shape s, std::vector<uint8_t> v) { return make(DType::Bool, std::move(s), std::move(v)); }
inline Tensor i64s(std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return i64({n}, std::move(v));
}

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  std::vector<T> v(t.numel());
  if (!v.empty()) std::memcpy(v.data(), t.data(), v.size() * sizeof(T));
  return v;
}

using AttrList = std::vector<std::pair<std::string, AttrValue>>;

// An input: a tensor whose value infer may see (known) or only its type/shape; or omitted.
struct In {
  Tensor t;
  bool known = true;
  bool omitted = false;
};
inline In unknown(Tensor t) { return In{std::move(t), false, false}; }
inline In omitted() { return In{Tensor(), false, true}; }

inline Node make_node(const std::string& op, int opset, const std::vector<In>& in, int outputs, const AttrList& attrs) {
  Node n = testing::make_node(op, opset, in.size(), static_cast<size_t>(outputs));
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].omitted) n.inputs[i] = -1;
  for (const auto& [k, v] : attrs) n.attrs.set(k, v);
  return n;
}

inline const OpDef& op_def_for(const Node& n) {
  const OpDef* d = Registry::builtin().find_op("", n.op_type, n.opset);
  if (!d) fail("no OpDef for ", n.op_type, " at opset ", n.opset);
  return *d;
}

inline std::vector<TensorInfo> infer(const Node& n, const std::vector<In>& in) {
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> values;
  for (const In& x : in) {
    infos.push_back(x.omitted ? TensorInfo{} : TensorInfo{x.t.dtype(), x.t.shape()});
    values.push_back(x.known && !x.omitted ? &x.t : nullptr);
  }
  testing::expect_declared_attributes(n);
  InferContext ctx = infer_context(op_def_for(n), n, infos, values);
  op_def_for(n).infer(ctx);
  return ctx.outputs();
}

// The node's shapes wait until run time (the planner then makes it dynamic, without calling
// infer): an input whose value infer() reads (OpDef::value_inputs) is not known.
inline bool deferred(const std::string& op, int opset, const std::vector<In>& in, const AttrList& attrs = {}) {
  const Node n = make_node(op, opset, in, 1, attrs);
  std::vector<const Tensor*> values;
  for (const In& x : in) values.push_back(x.known && !x.omitted ? &x.t : nullptr);
  return needs_run_time_values(op_def_for(n), n, values);
}

inline std::vector<TensorInfo> infer(const std::string& op, int opset, const std::vector<In>& in,
                                     const AttrList& attrs = {}, int outputs = 1) {
  return infer(make_node(op, opset, in, outputs, attrs), in);
}

// The message infer() fails with ("" when it does not fail).
inline std::string infer_error(const std::string& op, int opset, const std::vector<In>& in, const AttrList& attrs = {},
                               int outputs = 1) {
  try {
    infer(op, opset, in, attrs, outputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline std::vector<const Tensor*> ptrs(const std::vector<In>& in) {
  std::vector<const Tensor*> p;
  for (const In& x : in) p.push_back(x.omitted ? nullptr : &x.t);
  return p;
}

// infer + reference; outputs are pre-filled with garbage to catch unwritten elements.
inline std::vector<Tensor> run_all(const Node& n, const std::vector<In>& in) {
  std::vector<In> all_known = in;
  for (In& x : all_known) x.known = !x.omitted;
  std::vector<TensorInfo> outs = infer(n, all_known);
  std::vector<Tensor> result;
  for (const TensorInfo& t : outs) {
    result.emplace_back(t.dtype, t.shape);
    std::memset(result.back().data(), 0xA5, result.back().nbytes());
  }
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : result) out_ptrs.push_back(&t);
  op_def_for(n).reference(n, ptrs(in), out_ptrs);
  return result;
}

inline std::vector<Tensor> run_all(const std::string& op, int opset, const std::vector<In>& in,
                                   const AttrList& attrs = {}, int outputs = 1) {
  return run_all(make_node(op, opset, in, outputs, attrs), in);
}

inline Tensor run_ref(const std::string& op, int opset, const std::vector<In>& in, const AttrList& attrs = {}) {
  return run_all(op, opset, in, attrs, 1)[0];
}

// The harness's inputs (tests/common/kernel_check.h): values marked known are plan-time
// constants, as the planner passes them.
inline std::vector<testing::CaseInput> case_inputs(const std::vector<In>& in) {
  std::vector<testing::CaseInput> c;
  for (const In& x : in) c.push_back({x.t, x.known && !x.omitted, x.omitted});
  return c;
}

// Runs the kernel named `kernel` and returns its outputs (Error when it does not accept the node).
inline std::vector<Tensor> run_kernel(const std::string& kernel, const Node& n, const std::vector<In>& in,
                                      int threads = 2) {
  return testing::run_kernel(kernel, n, case_inputs(in), threads);
}

// Every registered kernel that accepts the node against the reference kernel, byte for byte,
// at 2 threads; `kernel` must be among those that ran.
inline void expect_kernels_match(const std::string& kernel, const Node& n, const std::vector<In>& in,
                                 const std::string& what) {
  SCOPED_TRACE(what);
  const testing::KernelCheck r = testing::check_kernels(n, case_inputs(in), {.threads = 2, .tolerance = 0});
  EXPECT_TRUE(r.ran_kernel(kernel)) << what << ": " << kernel << " did not accept the node";
}

inline bool kernel_accepts(const std::string& kernel, const Node& n, const std::vector<In>& in) {
  const testing::KernelCheck r = testing::check_kernels(n, case_inputs(in), {.only = kernel});
  return r.ran_kernel(kernel);
}

inline void expect_same_bytes(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(shape_to_string(a.shape()), shape_to_string(b.shape())) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0) << what;
}

// A tensor of random bytes (distinct-ish values) of any element type.
inline Tensor random_tensor(DType dt, Shape s, std::mt19937& rng) {
  return testing::random_bytes(rng, dt, std::move(s));
}

}  // namespace layerscope::shape_test
