// The Sequence and Optional ops (ops/sequence/), registered per file by register_sequence_ops.
#pragma once
#include "ops/op_registry.h"

namespace layerscope::sequence {

void register_sequence_basics(OpRegistry& r);  // sequence_ops.cpp: Construct, Empty, At, Insert, Erase, Length
void register_concat_split(OpRegistry& r);     // concat_split.cpp: ConcatFromSequence, SplitToSequence
void register_sequence_map(OpRegistry& r);     // sequence_map.cpp: SequenceMap
void register_optional_ops(OpRegistry& r);     // optional_ops.cpp: Optional, OptionalHasElement, OptionalGetElement

}  // namespace layerscope::sequence
