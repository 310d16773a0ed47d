// Reorder (the fused domain, kFusedDomain): copies a tensor from one buffer layout to another (ir/layout.h),
// e.g. NCHW -> nChw16c before a run of blocked convolutions and back after it. Inserted only by
// the layout pass (passes/assign_layouts.cpp), so that every change of layout is a layer of its
// own in the profile. Attributes: from, to (layout names: nchw, nhwc, nChw8c, nChw16c).
// The value is unchanged: the output has the input's type and logical shape.
#include <cstring>

#include "ops/op_registry.h"

namespace layerscope {
namespace {

Layout layout_attr(const Node& n, const char* name) {
  const std::string s = n.attrs.get_string(name, "");
  std::optional<Layout> l = layout_from_name(s);
  if (!l)
    fail(Graph::describe(n), ": attribute '", name, "' = '", s,
         "' is not a layout; expected one of nchw, nhwc, nChw8c, nChw16c");
  return *l;
}

// Moves every logical element (n, c, s) from its place in `from` to its place in `to`, and
// zero-fills the channel padding of a blocked destination (oneDNN reads padded channels, which
// must be zeros, and the arena buffer may hold anything).
template <size_t Bytes>
void relayout(const char* src, Layout from, char* dst, Layout to, const Shape& shape) {
  const int64_t N = shape[0], C = shape[1], S = shape_numel(shape) / std::max<int64_t>(N * C, 1);
  if (N * C == 0) return;
  std::memset(dst, 0, static_cast<size_t>(layout_numel(shape, to)) * Bytes);
#pragma omp parallel for collapse(2)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t s = 0; s < S; ++s)
        std::memcpy(dst + layout_offset(to, C, S, n, c, s) * Bytes, src + layout_offset(from, C, S, n, c, s) * Bytes,
                    Bytes);
}

void reorder_reference(const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  const Layout from = layout_attr(n, "from"), to = layout_attr(n, "to");
  const char* src = static_cast<const char*>(in[0]->data());
  char* dst = static_cast<char*>(out[0]->data());
  const Shape& shape = in[0]->shape();
  switch (dtype_size(in[0]->dtype())) {
    case 1: relayout<1>(src, from, dst, to, shape); break;
    case 2: relayout<2>(src, from, dst, to, shape); break;
    case 4: relayout<4>(src, from, dst, to, shape); break;
    case 8: relayout<8>(src, from, dst, to, shape); break;
    default: fail(Graph::describe(n), ": element type ", dtype_name(in[0]->dtype()), " cannot be reordered");
  }
}

}  // namespace

void register_reorder_op(OpRegistry& r) {
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = "Reorder";
  d.since = 1;
  d.data_movement = true;
  d.attributes = {{"from", AttrType::STRING}, {"to", AttrType::STRING}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    const Layout from = layout_attr(c.node(), "from"), to = layout_attr(c.node(), "to");
    if ((from != Layout::Plain || to != Layout::Plain) && c.rank(0) < 3)
      c.error("a ", layout_name(from), " -> ", layout_name(to), " reorder needs a tensor of rank 3 or more, got ",
              shape_to_string(c.shape(0)));
    if (dtype_size(c.dtype(0)) == 0) c.error("element type ", dtype_name(c.dtype(0)), " cannot be reordered");
    // A folded (constant) result is held in a tensor of its logical size: no room for padding.
    if (c.value_if_known(0) && layout_numel(c.shape(0), to) != shape_numel(c.shape(0)))
      c.error("a constant cannot be reordered to the padded layout ", layout_name(to));
    c.set_output(0, c.dtype(0), c.shape(0));
  };
  d.reference = reorder_reference;
  r.add_op(std::move(d));
}

}  // namespace layerscope
