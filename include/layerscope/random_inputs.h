// Fixed-seed random model inputs: what the CLI and Runtime::eval_perf feed a model when the
// user gives no data, so that repeated runs (and the CLI and the API) see the same values.
#pragma once
#include <cstdint>
#include <vector>

#include "layerscope/session.h"
#include "layerscope/status.h"

namespace layerscope {

// One tensor per description, in order, except descriptions with a default value
// (ValueDesc::has_default: the model's own default serves better than noise), all drawn from one std::mt19937 seeded
// with `seed`: float types N(0,1), integer types uniform in 0..9 (small enough to be valid indices and shapes for most
// index inputs), bool 0/1, float8 N(0,1) rounded to the type (saturating), INT4/UINT4 uniform in 0..7. Symbolic or
// unknown dims become 1. Fails (naming the input) for a type with no random generator (strings, float16, ...).
Status random_inputs(const std::vector<ValueDesc>& descs, uint32_t seed, std::vector<NamedTensor>* out);

}  // namespace layerscope
