// Which nodes can run on a non-Plain buffer layout without knowing it: position-wise ops
// (OpDef::position_wise: y[i] = f(x[i]), or f of several same-shape inputs, plus scalar
// parameters) compute the
// same flat index mapping in every layout, so any kernel of theirs is right on a layout whose
// buffer has exactly one slot per element (channels-last, or nChw16c over a multiple of 16
// channels; not zero-padded blocked buffers). The layout pass lets such nodes pass such a
// layout through (a Relu between two NHWC convolutions needs no Reorder), and the planner then
// hands their kernels a Plain view.
#pragma once
#include <vector>

#include "ops/op_def.h"

namespace layerscope {

// Node `n` of op `def` is position-wise for these input types/shapes: its op is, it has one
// output, and its inputs are either of input 0's shape or single values.
bool is_positionwise(const OpDef& def, const Node& n, const std::vector<TensorInfo>& inputs);

// A node whose chosen layouts its kernels may ignore: position-wise, every layout padding-free.
bool layout_transparent(const OpDef& def, const Node& n, const std::vector<TensorInfo>& inputs,
                        const std::vector<Layout>& in_layouts, const std::vector<Layout>& out_layouts);

}  // namespace layerscope
