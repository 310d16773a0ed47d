// Which nodes can run on a non-Plain buffer layout without knowing it: position-wise ops
// (y[i] = f(x[i]), or f of several same-shape inputs, plus scalar parameters) compute the
// same flat index mapping in every layout, so any kernel of theirs is right on a layout whose
// buffer has exactly one slot per element (channels-last, or nChw16c over a multiple of 16
// channels; not zero-padded blocked buffers). The layout pass lets such nodes pass such a
// layout through (a Relu between two NHWC convolutions needs no Reorder), and the planner then
// hands their kernels a Plain view.
#pragma once
#include <vector>

#include "ops/op_def.h"

namespace layerscope {

// `n` is position-wise for these input types/shapes: a known elementwise op whose inputs are
// either of the output's shape or single values.
bool is_positionwise(const Node& n, const std::vector<TensorInfo>& inputs);

// A node whose chosen layouts its kernels may ignore: position-wise, every layout padding-free.
bool layout_transparent(const Node& n, const std::vector<TensorInfo>& inputs, const std::vector<Layout>& in_layouts,
                        const std::vector<Layout>& out_layouts);

}  // namespace layerscope
