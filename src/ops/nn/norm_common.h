// Helpers shared by the normalisation / softmax / resize / reduction op files.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "ops/op_utils.h"

namespace layerscope {

// Calls f(T{}) with T = float or double; these ops have F32/F64 reference kernels only.
template <typename F>
void dispatch_float(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    default: fail("element type ", dtype_name(dt), " is not supported here; expected FLOAT or DOUBLE");
  }
}

// Input i must be one of `allowed`; 16-bit floats (valid ONNX, not supported here) get an
// explicit message instead of a generic type mismatch.
inline void expect_supported_dtype(const InferContext& ctx, int i, std::initializer_list<DType> allowed) {
  DType d = ctx.dtype(i);
  for (DType a : allowed)
    if (d == a) return;
  if (d == DType::F16 || d == DType::BF16)
    ctx.error("input ", i, " has type ", dtype_name(d), ", which this runtime does not support for ",
              ctx.node().op_type, " (only FLOAT and DOUBLE)");
  ctx.expect_dtype_in(i, allowed);
}
inline void expect_float_dtype(const InferContext& ctx, int i) {
  expect_supported_dtype(ctx, i, {DType::F32, DType::F64});
}

// Element k of a FLOAT or DOUBLE tensor, as double (parameters such as scale / mean).
inline double load_as_double(const Tensor& t, int64_t k) {
  return t.dtype() == DType::F64 ? t.data_as<double>()[k] : static_cast<double>(t.data_as<float>()[k]);
}

inline int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) p *= s[i];
  return p;
}

// A tensor viewed for a reduction over a set of axes: adjacent dims with the same
// reduced/kept status are merged, and each merged dim gets its stride in the (keepdims)
// output: 0 if reduced. for_each_run() walks the input in memory order as runs of the
// innermost merged dim, so kernels keep contiguous inner loops.
struct ReduceLayout {
  Shape dims;
  std::vector<int64_t> out_strides;
  int64_t out_numel = 1;

  ReduceLayout(const Shape& shape, const std::vector<bool>& reduced) {
    std::vector<bool> red;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;  // size-1 dims are both reduced and kept: drop them
      if (!dims.empty() && red.back() == reduced[d]) {
        dims.back() *= shape[d];
      } else {
        dims.push_back(shape[d]);
        red.push_back(reduced[d]);
      }
    }
    if (dims.empty()) {
      dims.push_back(1);
      red.push_back(false);
    }
    out_strides.assign(dims.size(), 0);
    for (size_t d = dims.size(); d-- > 0;)
      if (!red[d]) {
        out_strides[d] = out_numel;
        out_numel *= dims[d];
      }
  }

  // f(in_offset, out_offset, n, out_step): input elements [in_offset, in_offset + n) map to
  // outputs out_offset + k * out_step (out_step is 0 or 1).
  template <typename F>
  void for_each_run(F&& f) const {
    const size_t r = dims.size();
    const int64_t n = dims[r - 1], step = out_strides[r - 1];
    int64_t total = 1;
    for (int64_t d : dims) total *= d;
    if (total == 0) return;
    std::vector<int64_t> idx(r, 0);
    int64_t out_off = 0;
    for (int64_t in_off = 0; in_off < total; in_off += n) {
      f(in_off, out_off, n, step);
      for (size_t d = r - 1; d-- > 0;) {
        out_off += out_strides[d];
        if (++idx[d] < dims[d]) break;
        out_off -= out_strides[d] * dims[d];
        idx[d] = 0;
      }
    }
  }
};

// Parallelise outer loops only when there is enough work to pay for the threads.
constexpr int64_t kParallelMinElements = 1 << 15;

}  // namespace layerscope
