// Ops that create a tensor from a shape or a few scalars: ConstantOfShape, Range, EyeLike.
#include <cmath>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

OpDef constant_of_shape_def() {
  OpDef d = op_def("ConstantOfShape", 9);
  d.value_inputs = {0};  // the shape
  d.attributes = {{"value", AttrType::TENSOR}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    c.expect_dtype_in(0, {DType::I64});
    if (c.rank(0) != 1) c.error("input must be 1-D, got shape ", shape_to_string(c.shape(0)));
    DType dt = DType::F32;
    if (const Tensor* v = c.attrs().get_tensor("value")) {
      if (v->numel() != 1) c.error("attribute 'value' must hold exactly one element, got ", v->numel());
      dt = v->dtype();
      if (!is_movable(dt)) c.error("attribute 'value' has unsupported type ", dtype_name(dt));
    }
    Shape out = c.int_values(0);  // empty = scalar output
    for (int64_t s : out)
      if (s < 0) c.error("output shape ", shape_to_string(out), " has a negative dimension");
    c.set_output(0, dt, out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const>, std::span<Tensor* const> out) {
    const Tensor* v = n.attrs.get_tensor("value");
    if (!v) {  // float 0 is the default (outputs may live in a reused arena: always write)
      std::memset(out[0]->data(), 0, out[0]->nbytes());
      return;
    }
    const size_t es = dtype_size(v->dtype());
    char* y = static_cast<char*>(out[0]->data());
    for (int64_t i = 0; i < out[0]->numel(); ++i) std::memcpy(y + i * es, v->data(), es);
  };
  return d;
}

// Number of elements of Range: max(ceil((limit - start) / delta), 0), in the input's type.
int64_t range_count(const InferContext& c) {
  const Tensor& s = c.value(0);
  const Tensor& l = c.value(1);
  const Tensor& dl = c.value(2);
  if (s.dtype() == DType::F32 || s.dtype() == DType::F64) {
    double start = element_as_double(s, 0), limit = element_as_double(l, 0), delta = element_as_double(dl, 0);
    if (delta == 0) c.error("delta is 0");
    double n = std::ceil((limit - start) / delta);
    if (!std::isfinite(n)) c.error("the number of elements is not finite");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  int64_t start = element_as_int(s, 0), limit = element_as_int(l, 0), delta = element_as_int(dl, 0);
  if (delta == 0) c.error("delta is 0");
  if (delta > 0) return limit > start ? (limit - start - 1) / delta + 1 : 0;
  return start > limit ? (start - limit - 1) / -delta + 1 : 0;
}

OpDef range_def() {
  OpDef d = op_def("Range", 11);
  d.value_inputs = {0, 1, 2};  // start, limit, delta
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    for (int i = 0; i < 3; ++i) {
      c.expect_dtype_in(i, {DType::F32, DType::F64, DType::I16, DType::I32, DType::I64});
      if (c.dtype(i) != c.dtype(0)) c.error("inputs must share one type; input ", i, " is ", dtype_name(c.dtype(i)));
      if (shape_numel(c.shape(i)) != 1 || c.rank(i) > 1)
        c.error("input ", i, " must be a scalar, got shape ", shape_to_string(c.shape(i)));
    }
    c.set_output(0, c.dtype(0), {range_count(c)});
  };
  // output[i] = start + i * delta (computed exactly for integers, in double for floats).
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Tensor& y = *out[0];
    if (y.dtype() == DType::F32 || y.dtype() == DType::F64) {
      double start = element_as_double(*in[0], 0), delta = element_as_double(*in[2], 0);
      for (int64_t i = 0; i < y.numel(); ++i)
        store_double(y.dtype(), y.data(), i, start + static_cast<double>(i) * delta);
      return;
    }
    int64_t start = element_as_int(*in[0], 0), delta = element_as_int(*in[2], 0);
    dispatch_numeric(y.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < y.numel(); ++i) y.data_as<T>()[i] = static_cast<T>(start + i * delta);
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = static_cast<double>(shape_numel(c.outputs[0].shape));
    return cost;
  };
  return d;
}

OpDef eye_like_def() {
  OpDef d = op_def("EyeLike", 9);
  d.attributes = {{"dtype", AttrType::INT}, {"k", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    if (!is_arith(c.dtype(0)) && c.dtype(0) != DType::Bool)
      c.error("input has unsupported type ", dtype_name(c.dtype(0)));
    if (c.rank(0) != 2) c.error("input must be 2-D, got shape ", shape_to_string(c.shape(0)));
    DType dt = c.dtype(0);
    if (c.attrs().has("dtype")) {
      dt = static_cast<DType>(c.attrs().get_int("dtype", 0));
      if ((!is_arith(dt) && dt != DType::Bool) || std::string(dtype_name(dt)) == "UNDEFINED")
        c.error("attribute 'dtype' = ", c.attrs().get_int("dtype", 0), " is not a supported element type");
    }
    c.set_output(0, dt, c.shape(0));
  };
  // y[i][j] = 1 where j - i == k, else 0.
  d.reference = [](const Node& n, std::span<const Tensor* const>, std::span<Tensor* const> out) {
    Tensor& y = *out[0];
    std::memset(y.data(), 0, y.nbytes());
    const int64_t rows = y.dim(0), cols = y.dim(1), k = n.attrs.get_int("k", 0);
    for (int64_t i = 0; i < rows; ++i) {
      int64_t j = i + k;
      if (j >= 0 && j < cols) store_double(y.dtype(), y.data(), i * cols + j, 1.0);
    }
  };
  return d;
}

}  // namespace

void register_generator_ops(OpRegistry& r) {
  r.add_op(constant_of_shape_def());
  r.add_op(range_def());
  r.add_op(eye_like_def());
}

}  // namespace layerscope
