// Slice: out[i_0, ..., i_n] = in[start_0 + i_0 * step_0, ...] (see compute_slice for the
// clamping rules). Opset 1-9 take starts/ends/axes as attributes; 10+ as inputs, plus steps.
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

OpDef slice_def(int since, int until) {
  OpDef d = op_def("Slice", since, until);
  if (since >= 10) d.value_inputs = {1, 2, 3, 4};  // starts, ends, axes, steps
  d.data_movement = true;
  if (since < 10) d.attributes = {{"starts", AttrType::INTS}, {"ends", AttrType::INTS}, {"axes", AttrType::INTS}};
  d.infer = [since](InferContext& c) {
    c.expect_inputs(since >= 10 ? 3 : 1, since >= 10 ? 5 : 1);
    expect_movable(c, 0);
    std::vector<const Tensor*> values(c.num_inputs(), nullptr);
    for (int i = 1; i < c.num_inputs(); ++i) {
      if (!c.has_input(i)) continue;
      expect_index_dtype(c, i);
      if (c.rank(i) != 1) c.error("input ", i, " must be 1-D, got shape ", shape_to_string(c.shape(i)));
      values[i] = &c.value(i);
    }
    c.set_output(0, c.dtype(0), slice_spec_from_inputs(c.node(), c.shape(0), values).out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    SliceSpec s = slice_spec_from_inputs(n, x.shape(), std::vector<const Tensor*>(in.begin(), in.end()));
    std::vector<int64_t> strides = contiguous_strides(x.shape());
    std::vector<int64_t> idx(x.rank());
    dispatch_by_size(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t k = 0; k < y.numel(); ++k) {
        unravel(k, y.shape(), idx.data());
        int64_t off = 0;
        for (int d = 0; d < x.rank(); ++d) off += (s.start[d] + idx[d] * s.step[d]) * strides[d];
        y.data_as<T>()[k] = x.data_as<T>()[off];
      }
    });
  };
  d.cost = gather_like_cost;
  return d;
}

}  // namespace

void register_slice_ops(OpRegistry& r) {
  r.add_op(slice_def(1, 9));
  r.add_op(slice_def(10, INT_MAX));
}

}  // namespace layerscope
