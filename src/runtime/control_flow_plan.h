// Planner steps for control flow (If, Loop, Scan), run after constant folding:
//   - an If whose condition is known at plan time (a constant, often a folded shape check of an
//     export) is replaced by the nodes of the branch it takes, so their shapes are inferred,
//     folded and planned like any other node's, instead of the If running as a dynamic step
//     (whose outputs would make every later node dynamic too);
//   - a body's captured outer value that is a constant (a weight the body reads) becomes a
//     constant of the node's own copy of the body, so the body's plans fold it and their
//     kernels pack it, as they would a weight of the body itself.
#pragma once
#include "ir/graph.h"

namespace layerscope {

// Inlines every If of `g` whose cond is a constant: the branch's nodes join `g` (values of the
// branch get fresh names where `g` already uses theirs), the branch's captured inputs become
// the If's implicit inputs, and an Identity per output writes the If's output values. Returns
// how many Ifs it inlined (an inlined branch may hold Ifs that folding makes constant next).
int inline_constant_ifs(Graph& g);

// Moves every constant implicit input of g's control nodes into their bodies (a copy per
// node: bodies are shared, never changed). Returns how many it moved.
int bind_constant_captures(Graph& g);

}  // namespace layerscope
