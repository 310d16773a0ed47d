#include "kernels/native/elementwise_broadcast.h"

#include "ir/error.h"

namespace layerscope::native {

BroadcastPlan make_broadcast_plan(const Shape& out, const std::vector<Shape>& inputs) {
  LS_CHECK(inputs.size() <= kMaxBroadcastInputs, "broadcast plan: too many inputs");
  BroadcastPlan p;
  p.inputs = static_cast<int>(inputs.size());
  const size_t rank = out.size();
  // Merged dims: size and a bit per input that repeats (broadcasts) along it.
  struct Dim {
    int64_t size;
    unsigned repeats;
  };
  std::vector<Dim> dims;
  for (size_t d = 0; d < rank; ++d) {
    if (out[d] == 1) continue;
    unsigned repeats = 0;
    for (int k = 0; k < p.inputs; ++k) {
      const Shape& s = inputs[k];
      LS_CHECK(s.size() <= rank, "broadcast plan: input rank exceeds output rank");
      const size_t pad = rank - s.size();
      if (d < pad || s[d - pad] == 1) repeats |= 1u << k;
      else LS_CHECK(s[d - pad] == out[d], "broadcast plan: shape mismatch");
    }
    if (!dims.empty() && dims.back().repeats == repeats) dims.back().size *= out[d];
    else dims.push_back({out[d], repeats});
  }
  if (dims.empty()) {  // a single element
    p.inner = 1;
    p.inner_stride.fill(1);
    return p;
  }
  p.inner = dims.back().size;
  for (int k = 0; k < p.inputs; ++k) {
    const bool rep = dims.back().repeats & (1u << k);
    p.inner_stride[k] = rep ? 0 : 1;
    int64_t acc = rep ? 1 : p.inner;  // elements of input k spanned by one row
    p.outer_stride[k].assign(dims.size() - 1, 0);
    for (size_t i = dims.size() - 1; i-- > 0;) {
      if (dims[i].repeats & (1u << k)) continue;
      p.outer_stride[k][i] = acc;
      acc *= dims[i].size;
    }
  }
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    p.outer.push_back(dims[i].size);
    p.rows *= dims[i].size;
  }
  return p;
}

}  // namespace layerscope::native
