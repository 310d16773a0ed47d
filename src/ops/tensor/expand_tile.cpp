// Repetition: Expand (numpy broadcast to a shape given as values) and Tile (out index i reads
// in index i mod in_dim on every axis).
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

OpDef expand_def() {
  OpDef d = op_def("Expand", 8);
  d.value_inputs = {1};  // the shape
  d.data_movement = true;
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::I64});
    if (c.rank(1) != 1) c.error("input 'shape' must be 1-D, got shape ", shape_to_string(c.shape(1)));
    Shape target = c.int_values(1);
    for (int64_t s : target)
      if (s < 0) c.error("shape ", shape_to_string(target), " has a negative dimension");
    c.set_output(0, c.dtype(0), broadcast_shapes(c, c.shape(0), target));
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    std::vector<int64_t> strides = broadcast_strides(x.shape(), y.shape());
    std::vector<int64_t> idx(y.rank());
    dispatch_by_size(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t k = 0; k < y.numel(); ++k) {
        unravel(k, y.shape(), idx.data());
        int64_t off = 0;
        for (int d = 0; d < y.rank(); ++d) off += idx[d] * strides[d];
        y.data_as<T>()[k] = x.data_as<T>()[off];
      }
    });
  };
  return d;
}

void tile_reference(const Tensor& x, Tensor& y) {
  std::vector<int64_t> strides = contiguous_strides(x.shape());
  std::vector<int64_t> idx(y.rank());
  dispatch_by_size(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (int64_t k = 0; k < y.numel(); ++k) {
      unravel(k, y.shape(), idx.data());
      int64_t off = 0;
      for (int d = 0; d < y.rank(); ++d) off += (idx[d] % x.dim(d)) * strides[d];
      y.data_as<T>()[k] = x.data_as<T>()[off];
    }
  });
}

// Tile-6+: repeats (int64, one per axis) as input 1.
OpDef tile_def() {
  OpDef d = op_def("Tile", 6);
  d.value_inputs = {1};  // repeats
  d.data_movement = true;
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::I64});
    std::vector<int64_t> reps = c.int_values(1);
    if (c.rank(1) != 1 || static_cast<int>(reps.size()) != c.rank(0))
      c.error("'repeats' must be 1-D with one value per input axis (", c.rank(0), "), got shape ",
              shape_to_string(c.shape(1)));
    Shape out = c.shape(0);
    for (size_t i = 0; i < out.size(); ++i) {
      if (reps[i] < 0) c.error("'repeats' has a negative value ", reps[i]);
      out[i] *= reps[i];
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    tile_reference(*in[0], *out[0]);
  };
  return d;
}

// Tile-1: scalar inputs 'tiles' and 'axis' repeat along one axis.
OpDef tile1_def() {
  OpDef d = op_def("Tile", 1, 5);
  d.value_inputs = {1, 2};  // tiles, axis
  d.data_movement = true;
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    expect_movable(c, 0);
    if (c.rank(0) == 0) c.error("cannot tile a scalar");
    if (shape_numel(c.shape(1)) != 1 || shape_numel(c.shape(2)) != 1) c.error("'tiles' and 'axis' must be scalars");
    int64_t tiles = element_as_int(c.value(1), 0);
    int axis = normalize_axis(c, element_as_int(c.value(2), 0), c.rank(0));
    if (tiles < 0) c.error("'tiles' is negative (", tiles, ")");
    Shape out = c.shape(0);
    out[axis] *= tiles;
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    tile_reference(*in[0], *out[0]);
  };
  return d;
}

}  // namespace

void register_expand_tile_ops(OpRegistry& r) {
  r.add_op(expand_def());
  r.add_op(tile1_def());
  r.add_op(tile_def());
}

}  // namespace layerscope
