#include "ops/control/control_common.h"

#include <cstring>

#include "ir/error.h"

namespace layerscope::control {

const Graph& body(const InferContext& ctx, const char* attr) {
  const Graph* g = ctx.attrs().get_graph(attr);
  if (!g) ctx.error("attribute '", attr, "' (a graph) is missing");
  return *g;
}

void check_body_arity(const InferContext& ctx, const Graph& g, const char* attr, int inputs, int outputs) {
  const int declared = static_cast<int>(g.inputs.size()) - ctx.node().implicit_inputs;
  if (declared != inputs)
    ctx.error("attribute '", attr, "': the body declares ", declared, " inputs, expected ", inputs);
  if (static_cast<int>(g.outputs.size()) != outputs)
    ctx.error("attribute '", attr, "': the body declares ", g.outputs.size(), " outputs, expected ", outputs);
}

DType body_output_dtype(const Graph& g, int k) { return g.values[g.outputs[k]].dtype; }

bool scalar_bool(const Node& n, const Tensor& t, const char* what) {
  LS_CHECK(t.dtype() == DType::Bool && t.numel() == 1, Graph::describe(n), ": ", what,
           " must be one BOOL element, got ", dtype_name(t.dtype()), " ", shape_to_string(t.shape()));
  return *t.data_as<bool>();
}

int64_t scalar_int(const Node& n, const Tensor& t, const char* what) {
  LS_CHECK((t.dtype() == DType::I64 || t.dtype() == DType::I32) && t.numel() == 1, Graph::describe(n), ": ", what,
           " must be one INT64 element, got ", dtype_name(t.dtype()), " ", shape_to_string(t.shape()));
  return t.dtype() == DType::I64 ? *t.data_as<int64_t>() : *t.data_as<int32_t>();
}

Tensor make_scalar_bool(bool v) {
  Tensor t(DType::Bool, {});
  *t.data_as<bool>() = v;
  return t;
}

Tensor make_scalar_i64(int64_t v) {
  Tensor t(DType::I64, {});
  *t.data_as<int64_t>() = v;
  return t;
}

Tensor slice_along(const Tensor& t, int axis, int64_t index) {
  Shape shape = t.shape();
  const int64_t len = shape[axis];
  shape.erase(shape.begin() + axis);
  Tensor out(t.dtype(), shape);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= t.shape()[d];
  const size_t inner = static_cast<size_t>(t.numel() / std::max<int64_t>(outer * len, 1)) * dtype_size(t.dtype());
  const char* src = static_cast<const char*>(t.data());
  char* dst = static_cast<char*>(out.data());
  for (int64_t o = 0; o < outer && inner; ++o) std::memcpy(dst + o * inner, src + (o * len + index) * inner, inner);
  return out;
}

Tensor stack_along(const Node& n, const std::vector<Tensor>& parts, int axis, const std::string& what) {
  const Tensor& first = parts.front();
  LS_CHECK(dtype_size(first.dtype()) > 0, Graph::describe(n), ": ", what, " has element type ",
           dtype_name(first.dtype()), ", which cannot be stacked");
  for (const Tensor& p : parts)
    LS_CHECK(p.dtype() == first.dtype() && p.shape() == first.shape(), Graph::describe(n), ": ", what,
             " must have one type and shape in every iteration, got ", dtype_name(first.dtype()), " ",
             shape_to_string(first.shape()), " and ", dtype_name(p.dtype()), " ", shape_to_string(p.shape()));
  Shape shape = first.shape();
  const int64_t count = static_cast<int64_t>(parts.size());
  shape.insert(shape.begin() + axis, count);
  Tensor out(first.dtype(), shape);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= first.shape()[d];
  const size_t inner = static_cast<size_t>(first.numel() / std::max<int64_t>(outer, 1)) * dtype_size(first.dtype());
  char* dst = static_cast<char*>(out.data());
  for (int64_t o = 0; o < outer && inner; ++o)
    for (int64_t t = 0; t < count; ++t)
      std::memcpy(dst + (o * count + t) * inner, static_cast<const char*>(parts[t].data()) + o * inner, inner);
  return out;
}

Tensor empty_stack(const Node& n, const Graph& g, int output, int axis) {
  const Value& v = g.values[g.outputs[output]];
  LS_CHECK(v.dtype != DType::Undefined, Graph::describe(n), ": body output '", v.name,
           "' declares no element type, so its empty scan output (zero iterations) has none");
  Shape shape;
  bool known = v.declared_shape.has_value() && axis <= static_cast<int>(v.declared_shape->size());
  if (known)
    for (const DeclaredDim& d : *v.declared_shape) {
      known &= d.size >= 0;
      shape.push_back(d.size);
    }
  if (!known) return Tensor(v.dtype, {0});
  shape.insert(shape.begin() + axis, 0);
  return Tensor(v.dtype, shape);
}

const Tensor& tensor_input(const Node& n, std::span<const AnyValue* const> in, size_t i, const std::string& what) {
  LS_CHECK(i < in.size() && in[i], Graph::describe(n), ": ", what, " (input ", i, ") is missing");
  return tensor_result(n, *in[i], what);
}

const Tensor& tensor_result(const Node& n, const AnyValue& v, const std::string& what) {
  LS_CHECK(v.is_tensor() && !v.unset(), Graph::describe(n), ": ", what, " must be a tensor, got ", v.describe());
  return v.tensor;
}

void needs_executor(const Node& n, std::span<const Tensor* const>, std::span<Tensor* const>) {
  fail(Graph::describe(n), ": runs its bodies through an executor (runtime/executor.cpp), not as a reference kernel");
}

}  // namespace layerscope::control
