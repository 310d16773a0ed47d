// Value-dependent selection: OneHot, Trilu, NonZero, Compress.
#include <algorithm>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// OneHot: out[..., j, ...] (j on `axis`) = on if j == index else off; values = [off, on].
// Opset 11 made negative indices count back from depth (before, they match nothing).
OpDef one_hot_def(int since, int until) {
  OpDef d = op_def("OneHot", since, until);
  d.value_inputs = {1};  // depth
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    if (!is_arith(c.dtype(0)) || !is_arith(c.dtype(1)))
      c.error("indices and depth must be numeric, got ", dtype_name(c.dtype(0)), " and ", dtype_name(c.dtype(1)));
    expect_movable(c, 2);
    if (c.rank(2) != 1 || c.shape(2)[0] != 2)
      c.error("'values' must be [off, on], got shape ", shape_to_string(c.shape(2)));
    if (shape_numel(c.shape(1)) != 1 || c.rank(1) > 1) c.error("'depth' must be a scalar");
    const int64_t depth = static_cast<int64_t>(element_as_double(c.value(1), 0));
    if (depth < 1) c.error("depth must be positive, got ", depth);
    const int r = c.rank(0);
    int64_t axis = c.attrs().get_int("axis", -1);
    if (axis < -(r + 1) || axis > r) c.error("axis ", axis, " is out of range for output rank ", r + 1);
    if (axis < 0) axis += r + 1;
    Shape out = c.shape(0);
    out.insert(out.begin() + axis, depth);
    c.set_output(0, c.dtype(2), out);
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& ind = *in[0];
    Tensor& y = *out[0];
    int64_t axis = n.attrs.get_int("axis", -1);
    if (axis < 0) axis += y.rank();
    const int64_t depth = y.dim(static_cast<int>(axis));
    int64_t outer = 1;
    for (int i = 0; i < axis; ++i) outer *= ind.dim(i);
    const int64_t inner = outer ? ind.numel() / outer : 0;
    dispatch_by_size(y.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T off = in[2]->data_as<T>()[0], on = in[2]->data_as<T>()[1];
      T* yp = y.data_as<T>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t v = static_cast<int64_t>(element_as_double(ind, o * inner + i));
          if (v < 0 && since >= 11) v += depth;
          for (int64_t j = 0; j < depth; ++j) yp[(o * depth + j) * inner + i] = j == v ? on : off;
        }
    });
  };
  return d;
}

// Trilu: keeps element (i, j) of each trailing matrix where j - i >= k (upper) or <= k (lower).
OpDef trilu_def() {
  OpDef d = op_def("Trilu", 14);
  d.attributes = {{"upper", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 2);
    expect_movable(c, 0);
    if (c.rank(0) < 2) c.error("input must have rank >= 2, got ", shape_to_string(c.shape(0)));
    if (c.has_input(1)) {
      c.expect_dtype_in(1, {DType::I64});
      if (shape_numel(c.shape(1)) != 1) c.error("'k' must be a scalar");
    }
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const int64_t k = in.size() > 1 && in[1] ? element_as_int(*in[1], 0) : 0;
    const bool upper = n.attrs.get_int("upper", 1) != 0;
    const int64_t rows = x.dim(-2), cols = x.dim(-1);
    const size_t es = dtype_size(x.dtype());
    const char* src = static_cast<const char*>(x.data());
    char* dst = static_cast<char*>(out[0]->data());
    for (int64_t e = 0; e < x.numel(); ++e) {
      const int64_t j = e % cols, i = (e / cols) % rows;
      const bool keep = upper ? j - i >= k : j - i <= k;
      if (keep) std::memcpy(dst + e * es, src + e * es, es);
      else std::memset(dst + e * es, 0, es);  // zero is all-zero bytes in every supported type
    }
  };
  return d;
}

// Element e of `t` is non-zero (-0.0 counts as zero; NaN as non-zero).
bool is_nonzero(const Tensor& t, int64_t e) {
  switch (t.dtype()) {
    case DType::F32: return t.data_as<float>()[e] != 0.f;
    case DType::F64: return t.data_as<double>()[e] != 0.0;
    case DType::F16:
    case DType::BF16: return (t.data_as<uint16_t>()[e] & 0x7fff) != 0;
    default: {
      bool nz = false;
      dispatch_by_size(t.dtype(), [&](auto tag) { nz = t.data_as<decltype(tag)>()[e] != 0; });
      return nz;
    }
  }
}

// NonZero: (rank, count) int64 indices of the non-zero elements in row-major order. A scalar
// gives (0, count), as the ONNX reference does.
Tensor non_zero_indices(const Tensor& x) {
  // One typed pass marks the non-zeros; then the row-major index of each is carried along with
  // an odometer instead of being recomputed per element (detectors run hundreds of these).
  std::vector<uint8_t> nz(static_cast<size_t>(x.numel()));
  auto mark = [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data_as<T>();
    for (size_t e = 0; e < nz.size(); ++e) nz[e] = p[e] != T(0);
  };
  switch (x.dtype()) {
    case DType::F32: mark(float{}); break;
    case DType::F64: mark(double{}); break;
    default:
      for (size_t e = 0; e < nz.size(); ++e) nz[e] = is_nonzero(x, static_cast<int64_t>(e));
  }
  int64_t count = 0;
  for (uint8_t f : nz) count += f;
  Tensor y(DType::I64, {x.rank(), count});
  int64_t* out = y.data_as<int64_t>();
  std::vector<int64_t> idx(x.rank(), 0);
  int64_t col = 0;
  for (size_t e = 0; e < nz.size(); ++e) {
    if (nz[e]) {
      for (int d = 0; d < x.rank(); ++d) out[d * count + col] = idx[d];
      ++col;
    }
    for (int d = x.rank() - 1; d >= 0 && ++idx[d] == x.dim(d); --d) idx[d] = 0;  // next index
  }
  return y;
}

OpDef non_zero_def() {
  OpDef d = op_def("NonZero", 9);
  d.value_inputs = {0};  // the count of non-zeros is the output's shape
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_movable(c, 0);
    // The output's shape is the result: stated whole, so a run computes it once.
    c.set_output_value(0, non_zero_indices(c.value(0)));
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor y = non_zero_indices(*in[0]);
    std::memcpy(out[0]->data(), y.data(), y.nbytes());
  };
  return d;
}

// Compress: keeps the slices along `axis` (or the elements of the flattened input, without an
// axis) whose condition entry is true; condition entries past the end are ignored.
OpDef compress_def() {
  OpDef d = op_def("Compress", 9);
  d.value_inputs = {1};  // condition
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::Bool});
    if (c.rank(1) != 1) c.error("'condition' must be 1-D, got shape ", shape_to_string(c.shape(1)));
    const Tensor& cond = c.value(1);
    const bool has_axis = c.attrs().has("axis");
    int axis = has_axis ? normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0)) : 0;
    const int64_t len = has_axis ? c.shape(0)[axis] : shape_numel(c.shape(0));
    int64_t count = 0;
    for (int64_t i = 0; i < std::min(len, cond.numel()); ++i) count += cond.data_as<uint8_t>()[i] != 0;
    Shape out = {count};
    if (has_axis) {
      out = c.shape(0);
      out[axis] = count;
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const Tensor& cond = *in[1];
    const bool has_axis = n.attrs.has("axis");
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += x.rank();
    int64_t outer = 1, len = x.numel(), inner = 1;
    if (has_axis) {
      len = x.dim(static_cast<int>(axis));
      for (int i = 0; i < x.rank(); ++i)
        if (i < axis) outer *= x.dim(i);
        else if (i > axis) inner *= x.dim(i);
    }
    const size_t run = inner * dtype_size(x.dtype());
    const char* src = static_cast<const char*>(x.data());
    char* dst = static_cast<char*>(out[0]->data());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < std::min(len, cond.numel()); ++i)
        if (cond.data_as<uint8_t>()[i]) {
          std::memcpy(dst, src + (o * len + i) * run, run);
          dst += run;
        }
  };
  d.cost = gather_like_cost;
  return d;
}

}  // namespace

void register_index_ops(OpRegistry& r) {
  r.add_op(one_hot_def(9, 10));
  r.add_op(one_hot_def(11, INT_MAX));
  r.add_op(trilu_def());
  r.add_op(non_zero_def());
  r.add_op(compress_def());
}

}  // namespace layerscope
