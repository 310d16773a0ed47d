#include "ops/attention_operands.h"

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

// The permutation of input `slot` (the identity when absent).
std::vector<int64_t> operand_perm(const Node& n, int slot, size_t rank) {
  if (n.attrs.has(kAttnPermAttrs[slot])) return n.attrs.get_ints(kAttnPermAttrs[slot]);
  std::vector<int64_t> p(rank);
  for (size_t i = 0; i < rank; ++i) p[i] = static_cast<int64_t>(i);
  return p;
}

bool has_index(const Node& n, int slot) { return n.attrs.has(kAttnIndexAttrs[slot]); }

}  // namespace

std::string attention_operand_problem(const Node& n, int slot, const Shape& input) {
  if (std::string p = not_a_permutation(kAttnPermAttrs[slot], operand_perm(n, slot, input.size()), input.size());
      !p.empty())
    return p;
  if (!has_index(n, slot)) return {};
  const int64_t index = n.attrs.get_int(kAttnIndexAttrs[slot], 0);
  const int64_t extent = input.empty() ? 0 : input[operand_perm(n, slot, input.size())[0]];
  if (index < 0 || index >= extent) {
    std::ostringstream os;
    os << "attribute " << kAttnIndexAttrs[slot] << " = " << index << " is outside the " << extent
       << " entries of the selected axis";
    return os.str();
  }
  return {};
}

std::string attention_output_problem(const Node& n, int rank) {
  std::optional<std::vector<int64_t>> p = attention_out_perm(n);
  return p ? not_a_permutation(kAttnOutPermAttr, *p, static_cast<size_t>(rank)) : std::string();
}

StridedView attention_operand(const Node& n, int slot, const Shape& input) {
  const std::vector<int64_t> perm = operand_perm(n, slot, input.size());
  const std::vector<int64_t> in_strides = contiguous_strides(input);
  StridedView v;
  for (int64_t p : perm) {
    v.shape.push_back(input[p]);
    v.strides.push_back(in_strides[p]);
  }
  if (has_index(n, slot)) {  // element `index` of the first (permuted) axis
    v.offset = n.attrs.get_int(kAttnIndexAttrs[slot], 0) * v.strides[0];
    v.shape.erase(v.shape.begin());
    v.strides.erase(v.strides.begin());
  }
  return v;
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
