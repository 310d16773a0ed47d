// Ops that reinterpret the same bytes with a new shape: Reshape, Flatten, Squeeze, Unsqueeze.
// Their reference kernel is a copy (the executor does not alias buffers).
#include <algorithm>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// Reshape's target: 0 copies the input dim (unless allowzero), one -1 takes what is left.
Shape reshape_target(const InferContext& c, const std::vector<int64_t>& spec, bool allowzero) {
  const Shape& in = c.shape(0);
  Shape out(spec.size());
  int infer_at = -1;
  bool has_zero = false;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t s = spec[i];
    if (s == -1) {
      if (infer_at >= 0) c.error("shape ", shape_to_string(spec), " has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (s < -1) c.error("shape ", shape_to_string(spec), " has an invalid dimension ", s);
    if (s == 0 && !allowzero) {
      if (i >= in.size())
        c.error("shape ", shape_to_string(spec), " copies dimension ", i, " (0) but the input ", shape_to_string(in),
                " has rank ", in.size());
      s = in[i];
    } else if (s == 0) {
      has_zero = true;
    }
    out[i] = s;
    // Overflow-checked: the spec comes from the file ((2^62+1) * 4 would wrap to 4).
    if (__builtin_mul_overflow(known, s, &known))
      c.error("shape ", shape_to_string(spec), " has more elements than fit in 64 bits");
  }
  const int64_t total = shape_numel(in);
  if (infer_at >= 0) {
    if (has_zero) c.error("shape ", shape_to_string(spec), " has both 0 and -1, which allowzero = 1 forbids");
    if (known == 0 || total % known != 0)
      c.error("cannot reshape ", shape_to_string(in), " to ", shape_to_string(spec));
    out[infer_at] = total / known;
  } else if (known != total) {
    c.error("cannot reshape ", shape_to_string(in), " (", total, " elements) to ", shape_to_string(out), " (", known,
            " elements)");
  }
  return out;
}

// Reshape-1..4: shape attribute; 5..13: shape input; 14+: shape input + allowzero.
OpDef reshape_def(int since, int until) {
  OpDef d = op_def("Reshape", since, until);
  if (since >= 5) d.value_inputs = {1};  // the shape
  d.data_movement = true;
  if (since < 5) d.attributes = {{"shape", AttrType::INTS}, {"consumed_inputs", AttrType::INTS}};
  if (since >= 14) d.attributes = {{"allowzero", AttrType::INT}};
  d.infer = [since](InferContext& c) {
    expect_movable(c, 0);
    std::vector<int64_t> spec;
    if (since < 5) {
      c.expect_inputs(1, 1);
      if (!c.attrs().has("shape")) c.error("attribute 'shape' is required");
      spec = c.attrs().get_ints("shape");
    } else {
      c.expect_inputs(2, 2);
      c.expect_dtype_in(1, {DType::I64});
      if (c.rank(1) != 1) c.error("input 'shape' must be 1-D, got shape ", shape_to_string(c.shape(1)));
      spec = c.int_values(1);
    }
    bool allowzero = since >= 14 && c.attrs().get_int("allowzero", 0) != 0;
    c.set_output(0, c.dtype(0), reshape_target(c, spec, allowzero));
  };
  d.reference = copy_input0;
  return d;
}

OpDef flatten_def() {
  OpDef d = op_def("Flatten", 1);
  d.data_movement = true;
  d.attributes = {{"axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_movable(c, 0);
    const int rank = c.rank(0);
    int64_t axis = c.attrs().get_int("axis", 1);
    if (axis < -rank || axis > rank) c.error("axis ", axis, " is out of range [", -rank, ", ", rank, "]");
    if (axis < 0) axis += rank;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < rank; ++i) (i < axis ? outer : inner) *= c.shape(0)[i];
    c.set_output(0, c.dtype(0), {outer, inner});
  };
  d.reference = copy_input0;
  return d;
}

// Axes as an attribute (before opset 13) or as input 1 (13+); `present` tells whether given.
std::vector<int64_t> axes_arg(const InferContext& c, bool from_input, bool* present) {
  if (from_input) {
    *present = c.has_input(1);
    if (!*present) return {};
    expect_index_dtype(c, 1);
    return c.int_values(1);
  }
  *present = c.attrs().has("axes");
  return c.attrs().get_ints("axes");
}

std::vector<bool> axis_mask(const InferContext& c, const std::vector<int64_t>& axes, int rank) {
  std::vector<bool> mask(rank, false);
  for (int64_t a : axes) {
    int64_t n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) c.error("axis ", a, " is out of range for rank ", rank);
    if (mask[n]) c.error("axis ", a, " is repeated");
    mask[n] = true;
  }
  return mask;
}

OpDef squeeze_def(int since, int until) {
  OpDef d = op_def("Squeeze", since, until);
  if (since >= 13) d.value_inputs = {1};  // axes
  d.data_movement = true;
  if (since < 13) d.attributes = {{"axes", AttrType::INTS}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, since >= 13 ? 2 : 1);
    expect_movable(c, 0);
    bool present;
    std::vector<int64_t> axes = axes_arg(c, since >= 13, &present);
    const Shape& in = c.shape(0);
    Shape out;
    if (!present) {
      for (int64_t s : in)
        if (s != 1) out.push_back(s);
    } else {
      std::vector<bool> mask = axis_mask(c, axes, c.rank(0));
      for (int i = 0; i < c.rank(0); ++i) {
        if (mask[i] && in[i] != 1)
          c.error("cannot squeeze axis ", i, " of shape ", shape_to_string(in), ": its size is not 1");
        if (!mask[i]) out.push_back(in[i]);
      }
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = copy_input0;
  return d;
}

OpDef unsqueeze_def(int since, int until) {
  OpDef d = op_def("Unsqueeze", since, until);
  if (since >= 13) d.value_inputs = {1};  // axes
  d.data_movement = true;
  if (since < 13) d.attributes = {{"axes", AttrType::INTS}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(since >= 13 ? 2 : 1, since >= 13 ? 2 : 1);
    expect_movable(c, 0);
    bool present;
    std::vector<int64_t> axes = axes_arg(c, since >= 13, &present);
    if (!present) c.error(since >= 13 ? "input 'axes' is required" : "attribute 'axes' is required");
    const int out_rank = c.rank(0) + static_cast<int>(axes.size());
    std::vector<bool> mask = axis_mask(c, axes, out_rank);
    Shape out;
    size_t k = 0;
    for (int i = 0; i < out_rank; ++i) out.push_back(mask[i] ? 1 : c.shape(0)[k++]);
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = copy_input0;
  return d;
}

}  // namespace

void register_reshape_ops(OpRegistry& r) {
  r.add_op(reshape_def(1, 4));
  r.add_op(reshape_def(5, 13));
  r.add_op(reshape_def(14, INT_MAX));
  r.add_op(flatten_def());
  r.add_op(squeeze_def(1, 12));
  r.add_op(squeeze_def(13, INT_MAX));
  r.add_op(unsqueeze_def(1, 12));
  r.add_op(unsqueeze_def(13, INT_MAX));
}

}  // namespace layerscope
