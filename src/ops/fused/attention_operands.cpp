#include "ops/fused/attention_operands.h"

#include <sstream>

#include "ops/op_utils.h"

namespace layerscope {
namespace {

std::string not_a_permutation(const char* attr, const std::vector<int64_t>& perm, size_t rank) {
  std::vector<bool> seen(rank, false);
  bool ok = perm.size() == rank;
  for (int64_t p : perm) {
    if (!ok) break;
    ok = p >= 0 && p < static_cast<int64_t>(rank) && !seen[p];
    if (ok) seen[p] = true;
  }
  if (ok) return {};
  std::ostringstream os;
  os << "attribute " << attr << " " << shape_to_string(perm) << " is not a permutation of the " << rank
     << " dims of its tensor";
  return os.str();
}

// The shape after the slice and the reshape (what the Transpose, if any, permutes).
Shape unpermuted_shape(const OperandView& v, const Shape& input) {
  if (!v.shape.empty()) return v.shape;
  Shape s = input;
  if (v.slice) s[v.slice->axis] = v.slice->end - v.slice->start;
  return s;
}

std::string slice_problem(const OperandView& v, int slot, const Shape& input) {
  if (!v.slice) return {};
  const AxisSlice& s = *v.slice;
  const int64_t rank = static_cast<int64_t>(input.size());
  std::ostringstream os;
  os << "attribute " << kAttnSliceAttrs[slot] << " (" << s.axis << "," << s.start << "," << s.end << ") ";
  if (s.axis < 0 || s.axis >= rank) os << "names axis " << s.axis << " of a rank-" << rank << " input";
  else if (s.start < 0 || s.start > s.end || s.end > input[s.axis])
    os << "is not a range [start, end) within the " << input[s.axis] << " entries of axis " << s.axis;
  else return {};
  return os.str();
}

std::string reshape_problem(const OperandView& v, int slot, const Shape& input) {
  if (v.shape.empty()) return {};
  OperandView sliced;  // the slice alone
  sliced.slice = v.slice;
  const Shape from = unpermuted_shape(sliced, input);
  std::ostringstream os;
  os << "attribute " << kAttnShapeAttrs[slot] << " " << shape_to_string(v.shape) << " ";
  for (int64_t d : v.shape)
    if (d < 0) {
      os << "has a negative dim";
      return os.str();
    }
  if (shape_numel(v.shape) != shape_numel(from)) {
    os << "does not hold the " << shape_numel(from) << " elements of " << shape_to_string(from);
  } else if (!reshaped_view(operand_strided_view(sliced, input), v.shape)) {
    os << "merges dims of " << shape_to_string(from) << " that are not contiguous in the input "
       << shape_to_string(input) << ": it is not a view";
  } else {
    return {};
  }
  return os.str();
}

}  // namespace

OperandView attention_operand_view(const Node& n, int slot) {
  OperandView v;
  if (n.attrs.has(kAttnSliceAttrs[slot])) {
    const std::vector<int64_t> s = n.attrs.get_ints(kAttnSliceAttrs[slot]);
    // A malformed list reads as an impossible axis, which operand_view_problem reports.
    v.slice = s.size() == 3 ? AxisSlice{s[0], s[1], s[2]} : AxisSlice{-1, 0, 0};
  }
  v.shape = n.attrs.get_ints(kAttnShapeAttrs[slot]);
  v.perm = n.attrs.get_ints(kAttnPermAttrs[slot]);
  if (n.attrs.has(kAttnIndexAttrs[slot])) v.index = n.attrs.get_int(kAttnIndexAttrs[slot], 0);
  return v;
}

void set_attention_operand_view(Attributes& attrs, int slot, const OperandView& v) {
  if (v.slice) attrs.set(kAttnSliceAttrs[slot], std::vector<int64_t>{v.slice->axis, v.slice->start, v.slice->end});
  if (!v.shape.empty()) attrs.set(kAttnShapeAttrs[slot], v.shape);
  if (!v.perm.empty()) attrs.set(kAttnPermAttrs[slot], v.perm);
  if (v.index) attrs.set(kAttnIndexAttrs[slot], *v.index);
}

std::string operand_view_problem(const OperandView& v, int slot, const Shape& input) {
  if (std::string p = slice_problem(v, slot, input); !p.empty()) return p;
  if (std::string p = reshape_problem(v, slot, input); !p.empty()) return p;
  const Shape s = unpermuted_shape(v, input);
  if (!v.perm.empty())
    if (std::string p = not_a_permutation(kAttnPermAttrs[slot], v.perm, s.size()); !p.empty()) return p;
  if (!v.index) return {};
  const int64_t extent = s.empty() ? 0 : s[v.perm.empty() ? 0 : v.perm[0]];
  if (*v.index < 0 || *v.index >= extent) {
    std::ostringstream os;
    os << "attribute " << kAttnIndexAttrs[slot] << " = " << *v.index << " is outside the " << extent
       << " entries of the selected axis";
    return os.str();
  }
  return {};
}

StridedView operand_strided_view(const OperandView& v, const Shape& input) {
  StridedView view{input, contiguous_strides(input), 0};
  if (v.slice) {
    view.offset += v.slice->start * view.strides[v.slice->axis];
    view.shape[v.slice->axis] = v.slice->end - v.slice->start;
  }
  if (!v.shape.empty()) view = *reshaped_view(view, v.shape);
  if (!v.perm.empty()) {
    StridedView permuted{{}, {}, view.offset};
    for (int64_t p : v.perm) {
      permuted.shape.push_back(view.shape[p]);
      permuted.strides.push_back(view.strides[p]);
    }
    view = std::move(permuted);
  }
  if (v.index) {  // element `index` of the first axis
    view.offset += *v.index * view.strides[0];
    view.shape.erase(view.shape.begin());
    view.strides.erase(view.strides.begin());
  }
  return view;
}

std::string attention_operand_problem(const Node& n, int slot, const Shape& input) {
  return operand_view_problem(attention_operand_view(n, slot), slot, input);
}

StridedView attention_operand(const Node& n, int slot, const Shape& input) {
  return operand_strided_view(attention_operand_view(n, slot), input);
}

std::optional<StridedView> reshaped_view(const StridedView& view, const Shape& shape) {
  StridedView out{shape, std::vector<int64_t>(shape.size(), 1), view.offset};
  if (shape_numel(shape) != shape_numel(view.shape)) return std::nullopt;
  if (shape_numel(shape) == 0) {  // nothing is addressed: any strides do
    out.strides = contiguous_strides(shape);
    return out;
  }
  // Dims of extent 1 address nothing; match the others in groups of equal element counts.
  std::vector<size_t> old;
  for (size_t i = 0; i < view.shape.size(); ++i)
    if (view.shape[i] != 1) old.push_back(i);
  size_t i = 0, j = 0;
  while (i < old.size()) {
    const size_t i0 = i, j0 = j;
    int64_t have = view.shape[old[i]], want = 1;
    for (; j < shape.size() && want * shape[j] <= have; ++j) want *= shape[j];
    while (want != have) {  // merge more old dims, then take more new ones
      if (++i == old.size()) return std::nullopt;
      have *= view.shape[old[i]];
      for (; j < shape.size() && want * shape[j] <= have; ++j) want *= shape[j];
    }
    // The group's old dims must be one contiguous run of the buffer to be merged or split.
    for (size_t k = i0; k < i; ++k)
      if (view.strides[old[k]] != view.strides[old[k + 1]] * view.shape[old[k + 1]]) return std::nullopt;
    int64_t stride = view.strides[old[i]];
    for (size_t k = j; k-- > j0;) {
      out.strides[k] = stride;
      stride *= shape[k];
    }
    ++i;
  }
  return out;
}

std::string attention_output_problem(const Node& n, int rank) {
  std::optional<std::vector<int64_t>> p = attention_out_perm(n);
  return p ? not_a_permutation(kAttnOutPermAttr, *p, static_cast<size_t>(rank)) : std::string();
}

std::optional<std::vector<int64_t>> attention_out_perm(const Node& n) {
  if (!n.attrs.has(kAttnOutPermAttr)) return std::nullopt;
  return n.attrs.get_ints(kAttnOutPermAttr);
}

Shape attention_output_shape(const Node& n, const Shape& result) {
  std::optional<std::vector<int64_t>> perm = attention_out_perm(n);
  if (!perm) return result;
  Shape out;
  for (int64_t p : *perm) out.push_back(result[p]);
  return out;
}

StridedView attention_result_view(const Node& n, const Shape& result) {
  std::optional<std::vector<int64_t>> perm = attention_out_perm(n);
  StridedView v{result, contiguous_strides(result), 0};
  if (!perm) return v;
  // Stored dim j holds result dim perm[j]: that result dim steps by the stored dim's stride.
  const std::vector<int64_t> stored = contiguous_strides(attention_output_shape(n, result));
  for (size_t j = 0; j < perm->size(); ++j) v.strides[(*perm)[j]] = stored[j];
  return v;
}

}  // namespace layerscope
