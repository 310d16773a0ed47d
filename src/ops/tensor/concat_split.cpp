// Concat and Split: both move contiguous runs of (size along axis) × (elements after axis).
#include <cstring>

#include "ops/tensor/common.h"

namespace layerscope {

int concat_axis(const Node& node, int rank) {
  int64_t axis = node.attrs.get_int("axis", 1);  // only reachable without the attribute before opset 4
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Shape concat_shape(const InferContext& c, int axis) {
  Shape out = c.shape(0);
  for (int i = 1; i < c.num_inputs(); ++i) {
    if (!c.has_input(i)) c.error("input ", i, " is missing");
    if (c.dtype(i) != c.dtype(0))
      c.error("input ", i, " has type ", dtype_name(c.dtype(i)), " but input 0 has ", dtype_name(c.dtype(0)));
    const Shape& s = c.shape(i);
    bool ok = s.size() == out.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int>(d) == axis || s[d] == out[d];
    if (!ok)
      c.error("input ", i, " has shape ", shape_to_string(s), ", which does not match input 0's ",
              shape_to_string(c.shape(0)), " outside axis ", axis);
    out[axis] += s[axis];
  }
  return out;
}

namespace {

OpDef concat_def(int since, int until) {
  OpDef d = op_def("Concat", since, until);
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [since](InferContext& c) {
    if (c.num_inputs() < 1 || !c.has_input(0)) c.error("expected at least one input");
    expect_movable(c, 0);
    if (since >= 4 && !c.attrs().has("axis")) c.error("attribute 'axis' is required");
    if (c.rank(0) == 0) c.error("cannot concatenate scalars");
    int axis = normalize_axis(c, c.attrs().get_int("axis", 1), c.rank(0));
    c.set_output(0, c.dtype(0), concat_shape(c, axis));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    Tensor& y = *out[0];
    const int axis = concat_axis(n, y.rank());
    const size_t es = dtype_size(y.dtype());
    int64_t outer, inner;
    outer_inner(y.shape(), axis, &outer, &inner);
    const int64_t out_row = y.dim(axis) * inner;
    int64_t offset = 0;  // elements into each output row
    for (const Tensor* x : in) {
      const int64_t row = x->dim(axis) * inner;
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(static_cast<char*>(y.data()) + (o * out_row + offset) * es,
                    static_cast<const char*>(x->data()) + o * row * es, row * es);
      offset += row;
    }
  };
  return d;
}

// Split sizes along the axis. Before 18 an unspecified split must divide evenly; from 18 on
// (num_outputs, or neither given) every part is ceil(dim / n) and the last gets the rest.
std::vector<int64_t> split_sizes(const Node& n, int since, int64_t dim, const Tensor* split_input) {
  auto err = [&](const auto&... parts) { fail(Graph::describe(n), ": ", parts...); };
  const int64_t outputs = static_cast<int64_t>(n.outputs.size());
  std::vector<int64_t> sizes;
  if (split_input) {
    for (int64_t i = 0; i < split_input->numel(); ++i) sizes.push_back(element_as_int(*split_input, i));
  } else if (since < 13 && n.attrs.has("split")) {
    sizes = n.attrs.get_ints("split");
  }
  if (since >= 18 && n.attrs.has("num_outputs")) {
    if (split_input) err("input 'split' and attribute 'num_outputs' must not both be given");
    if (n.attrs.get_int("num_outputs", 0) != outputs)
      err("num_outputs = ", n.attrs.get_int("num_outputs", 0), " but the node has ", outputs, " outputs");
  }
  if (sizes.empty()) {
    if (since < 18 && dim % outputs) err("dimension ", dim, " cannot be split evenly into ", outputs, " outputs");
    const int64_t part = (dim + outputs - 1) / outputs;
    sizes.assign(outputs, part);
    sizes.back() = dim - part * (outputs - 1);
    if (sizes.back() < 0) err("dimension ", dim, " cannot be split into ", outputs, " parts of ", part);
  }
  if (static_cast<int64_t>(sizes.size()) != outputs)
    err("'split' has ", sizes.size(), " entries but the node has ", outputs, " outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) err("'split' has a negative size ", s);
    total += s;
  }
  if (total != dim) err("'split' sizes sum to ", total, " but the dimension being split is ", dim);
  return sizes;
}

// Split-1: split as attribute or input 1; 2-12: attribute; 13-17: input; 18+: input or num_outputs.
OpDef split_def(int since, int until) {
  OpDef d = op_def("Split", since, until);
  if (since == 1 || since >= 13) d.value_inputs = {1};  // split
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  if (since < 13) d.attributes.push_back({"split", AttrType::INTS});
  if (since >= 18) d.attributes.push_back({"num_outputs", AttrType::INT});
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, since == 1 || since >= 13 ? 2 : 1);
    expect_movable(c, 0);
    if (c.rank(0) == 0) c.error("cannot split a scalar");
    int axis = normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0));
    const Tensor* split = nullptr;
    if (c.has_input(1)) {
      if (since >= 13) expect_index_dtype(c, 1);  // Split-1 typed it like the data
      split = &c.value(1);
    }
    std::vector<int64_t> sizes = split_sizes(c.node(), since, c.shape(0)[axis], split);
    for (int k = 0; k < c.num_outputs(); ++k) {
      Shape s = c.shape(0);
      s[axis] = sizes[k];
      c.set_output(k, c.dtype(0), s);
    }
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const int axis = static_cast<int>(n.attrs.get_int("axis", 0) < 0 ? n.attrs.get_int("axis", 0) + x.rank()
                                                                     : n.attrs.get_int("axis", 0));
    std::vector<int64_t> sizes = split_sizes(n, since, x.dim(axis), in.size() > 1 ? in[1] : nullptr);
    const size_t es = dtype_size(x.dtype());
    int64_t outer, inner;
    outer_inner(x.shape(), axis, &outer, &inner);
    const int64_t in_row = x.dim(axis) * inner;
    int64_t offset = 0;
    for (size_t k = 0; k < sizes.size(); ++k) {
      const int64_t row = sizes[k] * inner;
      if (k < out.size() && out[k])
        for (int64_t o = 0; o < outer; ++o)
          std::memcpy(static_cast<char*>(out[k]->data()) + o * row * es,
                      static_cast<const char*>(x.data()) + (o * in_row + offset) * es, row * es);
      offset += row;
    }
  };
  return d;
}

}  // namespace

void register_concat_split_ops(OpRegistry& r) {
  r.add_op(concat_def(1, 3));  // axis defaults to 1
  r.add_op(concat_def(4, INT_MAX));
  r.add_op(split_def(1, 1));
  r.add_op(split_def(2, 12));
  r.add_op(split_def(13, 17));
  r.add_op(split_def(18, INT_MAX));
}

}  // namespace layerscope
