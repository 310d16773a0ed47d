// Pad: out[o] = in[map(o - pad_begin)] per axis, where map is the identity inside the input and
// otherwise depends on the mode: constant (the value), edge (clamp), reflect (mirror without
// repeating the edge), wrap (modulo). Negative pads crop.
//   Pad-1:  attribute 'paddings' + 'value';  Pad-2..10: attribute 'pads' + 'value'
//   Pad-11..17: inputs pads, constant_value;  Pad-18: + axes input;  Pad-19+: + mode 'wrap'
#include <algorithm>
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

PadSpec pad_spec(const Node& n, int since, int rank, const Tensor* pads_in, const Tensor* axes_in) {
  auto err = [&](const auto&... parts) { fail(Graph::describe(n), ": ", parts...); };
  PadSpec s;
  std::string mode = n.attrs.get_string("mode", "constant");
  if (mode == "constant") s.mode = PadMode::Constant;
  else if (mode == "reflect") s.mode = PadMode::Reflect;
  else if (mode == "edge") s.mode = PadMode::Edge;
  else if (mode == "wrap" && since >= 19) s.mode = PadMode::Wrap;
  else
    err("attribute 'mode' = '", mode, "' is not supported; expected one of constant, reflect, edge",
        since >= 19 ? ", wrap" : "");
  std::vector<int64_t> pads;
  if (since < 11) {
    const char* name = since == 1 ? "paddings" : "pads";
    if (!n.attrs.has(name)) err("attribute '", name, "' is required");
    pads = n.attrs.get_ints(name);
  } else {
    for (int64_t i = 0; i < pads_in->numel(); ++i) pads.push_back(element_as_int(*pads_in, i));
  }
  std::vector<int64_t> axes;
  if (axes_in) {
    std::vector<bool> seen(rank, false);
    for (int64_t i = 0; i < axes_in->numel(); ++i) {
      int64_t a = element_as_int(*axes_in, i);
      if (a < -rank || a >= rank) err("axis ", a, " is out of range for rank ", rank);
      // A repeated axis would take its last pads silently (the spec leaves it undefined).
      if (seen[a < 0 ? a + rank : a]) err("axis ", a, " is repeated in 'axes'");
      seen[a < 0 ? a + rank : a] = true;
      axes.push_back(a < 0 ? a + rank : a);
    }
  } else {
    for (int i = 0; i < rank; ++i) axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    err("'pads' has ", pads.size(), " values; expected ", 2 * axes.size(), " (begin and end for each of ", axes.size(),
        " axes)");
  s.begin.assign(rank, 0);
  s.end.assign(rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    s.begin[axes[i]] = pads[i];
    s.end[axes[i]] = pads[i + axes.size()];
  }
  return s;
}

int64_t pad_source(PadMode mode, int64_t i, int64_t dim) {
  if (i >= 0 && i < dim) return i;
  switch (mode) {
    case PadMode::Constant: return -1;
    case PadMode::Edge: return i < 0 ? 0 : dim - 1;
    case PadMode::Wrap: return ((i % dim) + dim) % dim;
    case PadMode::Reflect: {
      if (dim == 1) return 0;
      const int64_t period = 2 * (dim - 1);
      int64_t m = ((i % period) + period) % period;
      return m >= dim ? period - m : m;
    }
  }
  return -1;
}

uint64_t pad_fill(const Node& n, int since, DType dt, const Tensor* value_in) {
  uint64_t fill = 0;
  if (since < 11) store_double(dt, &fill, 0, n.attrs.get_float("value", 0.f));
  else if (value_in && value_in->numel() > 0) std::memcpy(&fill, value_in->data(), dtype_size(dt));
  return fill;
}

namespace {

OpDef pad_def(int since, int until) {
  OpDef d = op_def("Pad", since, until);
  if (since >= 11) d.value_inputs = {1, 3};  // pads, axes
  d.data_movement = true;
  d.attributes = {{"mode", AttrType::STRING}};
  if (since < 11) {
    d.attributes.push_back({since == 1 ? "paddings" : "pads", AttrType::INTS});
    d.attributes.push_back({"value", AttrType::FLOAT});
  }
  d.infer = [since](InferContext& c) {
    c.expect_inputs(since >= 11 ? 2 : 1, since >= 18 ? 4 : since >= 11 ? 3 : 1);
    expect_movable(c, 0);
    const Tensor* pads = nullptr;
    const Tensor* axes = nullptr;
    if (since >= 11) {
      c.expect_dtype_in(1, {DType::I64});
      pads = &c.value(1);
      if (c.has_input(2) && c.dtype(2) != c.dtype(0))
        c.error("constant_value has type ", dtype_name(c.dtype(2)), " but data has ", dtype_name(c.dtype(0)));
      if (c.has_input(2) && shape_numel(c.shape(2)) > 1) c.error("constant_value must be a scalar");
      if (c.has_input(3)) {
        expect_index_dtype(c, 3);
        axes = &c.value(3);
      }
    }
    PadSpec s = pad_spec(c.node(), since, c.rank(0), pads, axes);
    Shape out = c.shape(0);
    for (int i = 0; i < c.rank(0); ++i) {
      out[i] += s.begin[i] + s.end[i];
      if (out[i] < 0) c.error("pads crop axis ", i, " of ", shape_to_string(c.shape(0)), " below zero");
      if (s.mode != PadMode::Constant && c.shape(0)[i] == 0 && out[i] > 0)
        c.error("cannot pad the empty axis ", i, " in a mode other than constant");
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    const int rank = x.rank();
    PadSpec s = pad_spec(n, since, rank, since >= 11 ? in[1] : nullptr, in.size() > 3 ? in[3] : nullptr);
    const uint64_t fill = pad_fill(n, since, x.dtype(), in.size() > 2 ? in[2] : nullptr);
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    std::vector<int64_t> idx(rank);
    dispatch_by_size(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T value;
      std::memcpy(&value, &fill, sizeof(T));
      for (int64_t k = 0; k < y.numel(); ++k) {
        unravel(k, y.shape(), idx.data());
        int64_t off = 0;
        for (int d = 0; d < rank && off >= 0; ++d) {
          int64_t src = pad_source(s.mode, idx[d] - s.begin[d], x.dim(d));
          off = src < 0 ? -1 : off + src * strides[d];
        }
        y.data_as<T>()[k] = off < 0 ? value : x.data_as<T>()[off];
      }
    });
  };
  return d;
}

}  // namespace

void register_pad_ops(OpRegistry& r) {
  r.add_op(pad_def(1, 1));
  r.add_op(pad_def(2, 10));
  r.add_op(pad_def(11, 17));
  r.add_op(pad_def(18, 18));
  r.add_op(pad_def(19, INT_MAX));
}

}  // namespace layerscope
