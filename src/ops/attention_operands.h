// How SDPAttention (fused_transformer.h) reads its Q, K, V inputs and writes its output when
// fuse_attention absorbed the exporters' head-split Transposes (and Gathers) around it. Each of
// Q, K, V is a strided view of its input, never a copy:
//   operand = Transpose(input, <x>_perm)                      <x>_perm absent: the identity
//   operand = Gather(Transpose(input, <x>_perm), <x>_index, axis 0)   when <x>_index is set
// and the output is Transpose(result, out_perm) of the [batch..., Lq, Dv] result.
// The op's inference, cost and reference (ops/fused_attention.cpp) and the native kernel
// (kernels/native/attention.cpp) all go through these functions, so they agree on the views.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

// Attribute names per input slot (kAttnQ, kAttnK, kAttnV).
inline constexpr const char* kAttnPermAttrs[3] = {"q_perm", "k_perm", "v_perm"};
inline constexpr const char* kAttnIndexAttrs[3] = {"q_index", "k_index", "v_index"};
inline constexpr const char* kAttnOutPermAttr = "out_perm";

// A logical tensor laid over another one's row-major buffer.
struct StridedView {
  Shape shape;
  std::vector<int64_t> strides;  // elements, per dim of `shape`
  int64_t offset = 0;            // elements from the buffer's start
};

// Why the attributes of input `slot` (input shape `input`) do not describe a view, or empty.
std::string attention_operand_problem(const Node& n, int slot, const Shape& input);
// Why out_perm is not a permutation of `rank` dims, or empty.
std::string attention_output_problem(const Node& n, int rank);

// The logical operand of input `slot` over its input's buffer. Requires no problem above.
StridedView attention_operand(const Node& n, int slot, const Shape& input);
// out_perm, or nullopt when the node writes its result as it is.
std::optional<std::vector<int64_t>> attention_out_perm(const Node& n);
// The stored output's shape for a result of shape `result`.
Shape attention_output_shape(const Node& n, const Shape& result);
// The result [batch..., Lq, Dv] laid over the stored output's buffer.
StridedView attention_result_view(const Node& n, const Shape& result);

}  // namespace layerscope
