// ConcatFromSequence and SplitToSequence (opset 11): a sequence's tensors joined into one tensor,
// and one tensor cut into a sequence.
//   ConcatFromSequence(axis, new_axis = 0): Concat of the tensors along `axis` (in [-r, r-1]);
//     with new_axis = 1 they are stacked along a new axis `axis` (in [-r-1, r]) instead, so all
//     must have one shape. An empty sequence has nothing to join: an Error.
//   SplitToSequence(axis = 0, keepdims = 1; split optional): without `split`, slices of length 1
//     along `axis` (the axis dropped when keepdims = 0); a scalar `split` s gives pieces of s
//     (the last one shorter when s does not divide the axis); a 1-D `split` gives one piece per
//     entry, of that length, the entries summing to the axis's length.
#include <algorithm>
#include <cstring>

#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"

namespace layerscope::sequence {
namespace {

// Bytes of one slab past `axis` (the product of the later dims) and the product of the earlier ones.
struct AxisSplit {
  int64_t outer = 1, inner = 1;
};
AxisSplit around(const Shape& s, int axis) {
  AxisSplit a;
  for (int d = 0; d < axis; ++d) a.outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) a.inner *= s[d];
  return a;
}

void fail_at(const Node& n, const std::string& what) { fail(Graph::describe(n), ": ", what); }

Tensor concat_sequence(const Node& n, const std::vector<Tensor>& items) {
  if (items.empty()) fail_at(n, "the sequence is empty; ConcatFromSequence needs at least one tensor");
  const bool new_axis = n.attrs.get_int("new_axis", 0) != 0;
  const int rank = items[0].rank();
  const int out_rank = rank + (new_axis ? 1 : 0);
  LS_CHECK(n.attrs.has("axis"), Graph::describe(n), ": attribute 'axis' is required");
  const int64_t axis_attr = n.attrs.get_int("axis", 0);
  LS_CHECK(axis_attr >= -out_rank && axis_attr < out_rank && out_rank > 0, Graph::describe(n), ": axis ", axis_attr,
           " is out of range for ", new_axis ? "stacking tensors of rank " : "tensors of rank ", rank);
  const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + out_rank : axis_attr);
  Shape out_shape = items[0].shape();
  if (new_axis) out_shape.insert(out_shape.begin() + axis, 0);
  else out_shape[axis] = 0;
  for (size_t k = 0; k < items.size(); ++k) {
    const Tensor& t = items[k];
    Shape s = t.shape();
    if (new_axis && static_cast<int>(s.size()) == rank) s.insert(s.begin() + axis, 1);
    bool fits = t.dtype() == items[0].dtype() && static_cast<int>(s.size()) == out_rank;
    for (int d = 0; fits && d < out_rank; ++d) fits = d == axis || s[d] == out_shape[d];
    if (!fits || (new_axis && t.shape() != items[0].shape()))
      fail_at(n, "tensor " + std::to_string(k) + " is " + dtype_name(t.dtype()) + " " + shape_to_string(t.shape()) +
                     ", which does not " + (new_axis ? "stack" : "concatenate") + " with tensor 0, " +
                     dtype_name(items[0].dtype()) + " " + shape_to_string(items[0].shape()) + ", along axis " +
                     std::to_string(axis));
    out_shape[axis] += s[axis];
  }
  Tensor out(items[0].dtype(), out_shape);
  const size_t elem = dtype_size(out.dtype());
  const AxisSplit a = around(out_shape, axis);
  char* dst = static_cast<char*>(out.data());
  for (int64_t o = 0; o < a.outer; ++o)
    for (const Tensor& t : items) {
      const int64_t len = new_axis ? 1 : t.shape()[axis];
      const size_t bytes = static_cast<size_t>(len * a.inner) * elem;
      if (bytes) std::memcpy(dst, static_cast<const char*>(t.data()) + o * bytes, bytes);
      dst += bytes;
    }
  return out;
}

OpDef concat_def() {
  OpDef d = value_op("ConcatFromSequence", 11);
  d.attributes = {{"axis", AttrType::INT}, {"new_axis", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_sequence(c, 0);
    if (!c.attrs().has("axis")) c.error("attribute 'axis' is required");
    c.set_output(0, c.dtype(0), {});  // the shape follows from the tensors the sequence holds
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) { *out[0] = AnyValue(concat_sequence(n, sequence_input(n, in, 0))); };
  return d;
}

// The lengths of the pieces along an axis of length `len`.
std::vector<int64_t> piece_lengths(const Node& n, const Tensor* split, int64_t len) {
  if (!split) return std::vector<int64_t>(static_cast<size_t>(len), 1);
  LS_CHECK(split->dtype() == DType::I32 || split->dtype() == DType::I64, Graph::describe(n),
           ": split must be INT32 or INT64, got ", dtype_name(split->dtype()));
  LS_CHECK(split->rank() <= 1, Graph::describe(n), ": split must be a scalar or 1-D, got shape ",
           shape_to_string(split->shape()));
  std::vector<int64_t> v(static_cast<size_t>(split->numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = split->dtype() == DType::I64 ? split->data_as<int64_t>()[i] : split->data_as<int32_t>()[i];
  if (split->rank() == 0) {
    LS_CHECK(v[0] > 0, Graph::describe(n), ": a scalar split must be positive, got ", v[0]);
    std::vector<int64_t> pieces;
    for (int64_t start = 0; start < len; start += v[0]) pieces.push_back(std::min(v[0], len - start));
    return pieces;
  }
  int64_t sum = 0;
  for (int64_t s : v) {
    LS_CHECK(s >= 0, Graph::describe(n), ": split holds ", s, "; lengths must be >= 0");
    sum += s;
  }
  LS_CHECK(sum == len, Graph::describe(n), ": split sums to ", sum, " but the axis has length ", len);
  return v;
}

std::vector<Tensor> split_tensor(const Node& n, const Tensor& x, const Tensor* split) {
  const int rank = x.rank();
  const int64_t axis_attr = n.attrs.get_int("axis", 0);
  LS_CHECK(rank > 0 && axis_attr >= -rank && axis_attr < rank, Graph::describe(n), ": axis ", axis_attr,
           " is out of range for an input of rank ", rank);
  const int axis = static_cast<int>(axis_attr < 0 ? axis_attr + rank : axis_attr);
  const bool drop_axis = !split && n.attrs.get_int("keepdims", 1) == 0;
  const int64_t len = x.shape()[axis];
  const AxisSplit a = around(x.shape(), axis);
  const size_t elem = dtype_size(x.dtype());
  std::vector<Tensor> pieces;
  int64_t start = 0;
  for (int64_t piece : piece_lengths(n, split, len)) {
    Shape s = x.shape();
    s[axis] = piece;
    if (drop_axis) s.erase(s.begin() + axis);
    Tensor t(x.dtype(), s);
    const size_t bytes = static_cast<size_t>(piece * a.inner) * elem;
    for (int64_t o = 0; o < a.outer && bytes; ++o)
      std::memcpy(static_cast<char*>(t.data()) + o * bytes,
                  static_cast<const char*>(x.data()) + (o * len + start) * a.inner * elem, bytes);
    pieces.push_back(std::move(t));
    start += piece;
  }
  return pieces;
}

OpDef split_def() {
  OpDef d = value_op("SplitToSequence", 11);
  d.attributes = {{"axis", AttrType::INT}, {"keepdims", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 2);
    expect_tensor(c, 0);
    if (c.has_input(1)) {
      if (!c.type(1).is_tensor()) c.error("input 1 (split) must be a tensor");
      c.expect_dtype_in(1, {DType::I32, DType::I64});
      if (c.rank(1) > 1) c.error("input 1 (split) must be a scalar or 1-D, got shape ", shape_to_string(c.shape(1)));
    }
    c.set_output_type(0, ValueType::sequence(), c.dtype(0));
  };
  d.run_values = [](const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
                    const BodyRunner&) {
    const Tensor& x = tensor_input(n, in, 0);
    const Tensor* split = in.size() > 1 && in[1] ? &tensor_input(n, in, 1) : nullptr;
    *out[0] = AnyValue::of_sequence(x.dtype(), split_tensor(n, x, split));
  };
  return d;
}

}  // namespace

void register_concat_split(OpRegistry& r) {
  r.add_op(concat_def());
  r.add_op(split_def());
}

}  // namespace layerscope::sequence
