// Helpers for the shape / tensor (data movement) op tests: build a node, run infer, the
// reference, or a named native kernel on it.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>

#include "ir/error.h"
#include "registry/registry.h"
#include "attr_check.h"

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
  Node n;
  n.name = "n";
  n.op_type = op;
  n.opset = opset;
  for (size_t i = 0; i < in.size(); ++i) n.inputs.push_back(in[i].omitted ? -1 : static_cast<int>(i));
  for (int i = 0; i < outputs; ++i) n.outputs.push_back(static_cast<int>(in.size()) + i);
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

// Runs the kernel named `kernel` (which must accept the node) and returns its outputs; `in`
// values marked known are passed as constants, as the planner does.
inline std::vector<Tensor> run_kernel(const std::string& kernel, const Node& n, const std::vector<In>& in,
                                      int threads = 2) {
  std::vector<In> all_known = in;
  for (In& x : all_known) x.known = !x.omitted;
  std::vector<TensorInfo> outs = infer(n, all_known);
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> consts;
  for (const In& x : in) {
    infos.push_back(x.omitted ? TensorInfo{} : TensorInfo{x.t.dtype(), x.t.shape()});
    consts.push_back(x.known && !x.omitted ? &x.t : nullptr);
  }
  KernelSetup setup{n, infos, consts, outs, threads};
  for (const KernelDef* k : Registry::builtin().kernels_for("", n.op_type)) {
    if (k->name != kernel) continue;
    if (k->supports && !k->supports(setup)) fail("kernel ", kernel, " does not accept this ", n.op_type, " node");
    std::unique_ptr<Kernel> impl = k->create();
    impl->prepare(setup);
    std::vector<char> scratch(impl->scratch_bytes() + 64);
    std::vector<Tensor> result;
    for (const TensorInfo& t : outs) {
      result.emplace_back(t.dtype, t.shape);
      std::memset(result.back().data(), 0x5A, result.back().nbytes());
    }
    std::vector<Tensor*> out_ptrs;
    for (Tensor& t : result) out_ptrs.push_back(&t);
    impl->execute(ptrs(in), out_ptrs, scratch.data());
    return result;
  }
  fail("no kernel named ", kernel, " for ", n.op_type);
}

inline bool kernel_accepts(const std::string& kernel, const Node& n, const std::vector<In>& in) {
  std::vector<In> all_known = in;
  for (In& x : all_known) x.known = !x.omitted;
  std::vector<TensorInfo> outs = infer(n, all_known);
  std::vector<TensorInfo> infos;
  std::vector<const Tensor*> consts;
  for (const In& x : in) {
    infos.push_back(x.omitted ? TensorInfo{} : TensorInfo{x.t.dtype(), x.t.shape()});
    consts.push_back(x.known && !x.omitted ? &x.t : nullptr);
  }
  KernelSetup setup{n, infos, consts, outs, 1};
  for (const KernelDef* k : Registry::builtin().kernels_for("", n.op_type))
    if (k->name == kernel) return !k->supports || k->supports(setup);
  return false;
}

inline void expect_same_bytes(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(shape_to_string(a.shape()), shape_to_string(b.shape())) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0) << what;
}

// A tensor of random bytes (distinct-ish values) of any element type.
inline Tensor random_tensor(DType dt, Shape s, std::mt19937& rng) {
  Tensor t(dt, std::move(s));
  auto* p = static_cast<uint8_t*>(t.data());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = static_cast<uint8_t>(rng());
  return t;
}

}  // namespace layerscope::shape_test
