// Float16 models run in float32: before shape inference the planner rewrites a graph that
// holds float16 anywhere so that everything between its inputs and outputs computes in
// float32, and so every float32 kernel serves it (no kernel takes float16 arithmetic):
//   - float16 weights and constants are converted to float32 once, at plan time;
//   - a float16 graph input (or overridable initializer) gets a Cast to float32 after it, and
//     a float16 graph output a Cast back to float16 before it: callers see the model's types;
//   - a type that attributes name (Cast's 'to', 'dtype', 'output_datatype', tensor-valued
//     attributes such as ConstantOfShape's value) changes from float16 to float32;
//   - control-flow bodies (If, Loop, Scan) become float32 copies throughout, their inputs and
//     outputs included, since the enclosing graph now hands them float32 values.
// Results therefore differ from a true float16 execution by float16's rounding of each
// intermediate (they are at least as accurate); each layer's DataType in reports is FLOAT,
// the type it computed in, and the added Casts are layers of their own.
#pragma once
#include "ir/graph.h"

namespace layerscope {

// Rewrites `g` as above; returns the number of changes (0: the graph holds no float16).
int compute_float16_in_float32(Graph& g);

}  // namespace layerscope
