// The Sequence and Optional ops: values that are sequences of tensors or optionals (empty, or
// holding a tensor or sequence). They live beside the executor's tensors, not in the arena
// (runtime/value_steps.cpp), so every node of these ops is a dynamic step run by its
// OpDef::run_values; the tensors they read and make are ordinary tensors.
#include "ops/sequence/sequence_ops.h"

namespace layerscope {

void register_sequence_ops(OpRegistry& r) {
  sequence::register_sequence_basics(r);
  sequence::register_concat_split(r);
  sequence::register_sequence_map(r);
  sequence::register_optional_ops(r);
}

}  // namespace layerscope
