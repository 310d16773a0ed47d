// What the Sequence and Optional ops (ops/sequence/) share: an OpDef skeleton for ops over
// sequences and optionals (always dynamic steps, run through OpDef::run_values), the checks of
// their inputs' kinds with uniform messages, and reading a position input.
#pragma once
#include <span>
#include <string>

#include "ops/op_def.h"

namespace layerscope::sequence {

// An OpDef whose node always runs as a value step (OpDef::always_dynamic, run_values); its
// `reference` only says so.
OpDef value_op(const char* op_type, int since, int until = INT_MAX);

// Plan-time and run-time checks in infer(): input i is a sequence / a tensor (Error naming the
// node, the input and what it is otherwise). A tensor's element type must be one a sequence
// can hold (not STRING).
void expect_sequence(const InferContext& c, int i);
void expect_tensor(const InferContext& c, int i);
// Input i, when present, is one integer (INT32 or INT64) tensor of one element: a position.
void expect_position(const InferContext& c, int i);

// In a value kernel: the sequence input i, and the integer position in input i (nullptr
// allowed: omitted); both checked again at run time, where the values arrive.
const std::vector<Tensor>& sequence_input(const Node& n, std::span<const AnyValue* const> in, int i);
const Tensor& tensor_input(const Node& n, std::span<const AnyValue* const> in, int i);
int64_t position_value(const Node& n, const Tensor& t);
// Position p of a sequence of `length` tensors, negative ones counting from the back, as an
// index 0..length-1 (0..length when `may_be_end`: SequenceInsert appends at `length`); an
// Error naming the node, the position and the accepted range otherwise.
size_t resolve_position(const Node& n, int64_t p, size_t length, bool may_be_end);

}  // namespace layerscope::sequence
