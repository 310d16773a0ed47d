// The head-split copies around an attention pattern that fuse_attention folds into the fused
// SDPAttention node as strided views (ops/fused/attention_operands.h) instead of running them:
//   Q, K, V:  Transpose(x, perm)                          -> read x with <q|k|v>_perm
//             Gather(Transpose(x, perm), c, axis 0)       -> read x with _perm and _index = c
//                                                            (c a constant scalar; the Transpose
//                                                            must feed only Gathers absorbed
//                                                            into the same node)
//             and above either (or alone), x = [Reshape(]Slice(p)[)]: read p with _slice
//             [and _shape] when the Slice has constant starts/ends/axes/steps, step 1, on one
//             axis, the Reshape is a view of the slice, and each of them feeds only the next
//             absorbed node (torchvision's ViT slices Q, K, V out of one fused projection p)
//   output:   Transpose(result, perm) as its sole reader  -> write with out_perm
// Only views the native kernel reads at full speed are taken: each operand's innermost input
// dim stays one of its last two (a matrix with a unit stride, as oneDNN's matmul wants), and
// the output's Dv stays innermost (the kernel normalises output rows in place).
#pragma once
#include <optional>
#include <vector>

#include "ops/fused/attention_operands.h"
#include "passes/graph_index.h"
#include "passes/pass.h"

namespace layerscope::attention_views {

struct InputView {
  int value = -1;       // what the fused node reads instead
  OperandView view;     // how it reads it
  int slice = -1;       // the absorbed Slice, if any
  int reshape = -1;     // the absorbed Reshape, if any
  int transpose = -1;   // the absorbed Transpose, if any (for Gathers, shared by them)
  int transposed = -1;  // its output
  int gather = -1;      // the absorbed Gather, if any
};

struct OutputView {
  int value = -1;  // the Transpose's output: the fused node writes it
  std::vector<int64_t> perm;
  int transpose = -1;
};

// How to read operand value `v`, read only by node `user`, through a view; nullopt when `v`
// is not such a copy.
std::optional<InputView> input_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead, int v,
                                    int user);
// How to write the attention result `out` transposed, when a Transpose alone reads it.
std::optional<OutputView> output_view(const PassContext& ctx, const GraphIndex& idx, const std::vector<bool>& dead,
                                      int out);

// Drops the Gather views whose Transpose is read by anything but the Gathers of `views`
// (the copy would still run for that reader: nothing would be saved, and the Transpose must
// stay). Returns the nodes to absorb: the Slices, Reshapes, Transposes and Gathers of the views
// kept, each once.
std::vector<int> keep_absorbable(const GraphIndex& idx, std::vector<std::optional<InputView>>& views);

}  // namespace layerscope::attention_views
