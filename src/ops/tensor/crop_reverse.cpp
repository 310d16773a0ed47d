// Centred cropping/padding and per-sequence reversal: CenterCropPad (18), ReverseSequence (10).
#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// ---- CenterCropPad ----------------------------------------------------------------------------
// Each axis in `axes` (default: all) becomes shape[i] long: cropped around the centre (the extra
// element, for an odd difference, comes off the end) or zero-padded around it (the extra zero
// goes at the end). Output position p of an axis reads input position p + offset.

std::vector<int> crop_axes(const InferContext& c, size_t count) {
  const int r = c.rank(0);
  std::vector<int> axes;
  if (!c.attrs().has("axes")) {
    for (int a = 0; a < r; ++a) axes.push_back(a);
  } else {
    for (int64_t a : c.attrs().get_ints("axes")) {
      const int n = normalize_axis(c, a, r);
      if (std::find(axes.begin(), axes.end(), n) != axes.end()) c.error("axis ", a, " appears twice in 'axes'");
      axes.push_back(n);
    }
  }
  if (axes.size() != count) c.error("'shape' has ", count, " values but ", axes.size(), " axes are cropped or padded");
  return axes;
}

OpDef center_crop_pad_def() {
  OpDef d = op_def("CenterCropPad", 18);
  d.value_inputs = {1};  // shape
  d.data_movement = true;
  d.attributes = {{"axes", AttrType::INTS}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    expect_index_dtype(c, 1);
    if (c.rank(1) != 1) c.error("'shape' must be 1-D, got shape ", shape_to_string(c.shape(1)));
    const std::vector<int64_t> target = c.int_values(1);
    const std::vector<int> axes = crop_axes(c, target.size());
    Shape out = c.shape(0);
    for (size_t i = 0; i < axes.size(); ++i) {
      if (target[i] < 0) c.error("'shape' values must be >= 0, got ", target[i]);
      out[axes[i]] = target[i];
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    Tensor& y = *out[0];
    const int r = x.rank();
    std::vector<int64_t> offset(r);  // input position = output position + offset
    for (int a = 0; a < r; ++a) {
      const int64_t diff = x.dim(a) - y.dim(a);
      offset[a] = diff >= 0 ? diff / 2 : -((-diff) / 2);
    }
    const size_t es = dtype_size(x.dtype());
    const auto xs = contiguous_strides(x.shape());
    std::vector<int64_t> idx(r);
    const char* src = static_cast<const char*>(x.data());
    char* dst = static_cast<char*>(y.data());
    for (int64_t e = 0; e < y.numel(); ++e) {
      unravel(e, y.shape(), idx.data());
      int64_t off = 0;
      bool inside = true;
      for (int a = 0; a < r; ++a) {
        const int64_t p = idx[a] + offset[a];
        inside = inside && p >= 0 && p < x.dim(a);
        off += p * xs[a];
      }
      if (inside) std::memcpy(dst + e * es, src + off * es, es);
      else std::memset(dst + e * es, 0, es);  // zero is all-zero bytes in every supported type
    }
  };
  d.cost = gather_like_cost;
  return d;
}

// ---- ReverseSequence --------------------------------------------------------------------------
// For each batch entry b, the first sequence_lens[b] steps along time_axis are reversed; the
// rest are copied.

OpDef reverse_sequence_def() {
  OpDef d = op_def("ReverseSequence", 10);
  d.data_movement = true;
  d.attributes = {{"batch_axis", AttrType::INT}, {"time_axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 2);
    expect_movable(c, 0);
    c.expect_dtype_in(1, {DType::I64});
    if (c.rank(0) < 2) c.error("input must have rank >= 2, got ", shape_to_string(c.shape(0)));
    const int64_t batch = c.attrs().get_int("batch_axis", 1), time = c.attrs().get_int("time_axis", 0);
    if ((batch != 0 && batch != 1) || (time != 0 && time != 1) || batch == time)
      c.error("'batch_axis' and 'time_axis' must be 0 and 1 in some order, got ", batch, " and ", time);
    if (c.rank(1) != 1 || c.shape(1)[0] != c.shape(0)[batch])
      c.error("'sequence_lens' must be [", c.shape(0)[batch], "] (the batch size), got ", shape_to_string(c.shape(1)));
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const int64_t* lens = in[1]->data_as<int64_t>();
    const int batch_axis = static_cast<int>(n.attrs.get_int("batch_axis", 1));
    const int time_axis = 1 - batch_axis;
    const int64_t steps = x.dim(time_axis), batches = x.dim(batch_axis);
    int64_t inner = 1;
    for (int a = 2; a < x.rank(); ++a) inner *= x.dim(a);
    const size_t row = static_cast<size_t>(inner) * dtype_size(x.dtype());
    for (int64_t b = 0; b < batches; ++b)
      if (lens[b] < 0 || lens[b] > steps)
        fail(Graph::describe(n), ": sequence_lens[", b, "] = ", lens[b], " is outside [0, ", steps, "]");
    const char* src = static_cast<const char*>(x.data());
    char* dst = static_cast<char*>(out[0]->data());
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t b = 0; b < batches; ++b) {
        const int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
        auto at = [&](int64_t step) { return time_axis == 0 ? step * batches + b : b * steps + step; };
        std::memcpy(dst + at(t) * row, src + at(from) * row, row);
      }
  };
  return d;
}

}  // namespace

void register_crop_reverse_ops(OpRegistry& r) {
  r.add_op(center_crop_pad_def());
  r.add_op(reverse_sequence_def());
}

}  // namespace layerscope
