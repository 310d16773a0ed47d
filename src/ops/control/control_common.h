// What If, Loop and Scan (ops/control/) share: reading a node's bodies and checking their
// arity, the tensors a kernel makes (scalars, slices, stacks), and the kernel that stands in for
// `reference` (these ops run only through the executor's body runner, OpDef::run_values).
#pragma once
#include <span>
#include <string>
#include <vector>

#include "ops/op_def.h"

namespace layerscope::control {

// The node's inputs as the file declares them (without the implicit, outer-scope ones).
inline int declared_inputs(const Node& n) { return static_cast<int>(n.inputs.size()) - n.implicit_inputs; }

// The graph of attribute `attr`; an Error naming the node when it is missing.
const Graph& body(const InferContext& ctx, const char* attr);
// Checks that `g` (attribute `attr`) declares `inputs` inputs (besides the node's implicit ones
// it was given by the loader) and `outputs` outputs.
void check_body_arity(const InferContext& ctx, const Graph& g, const char* attr, int inputs, int outputs);
// The declared element type of the body's output k (Undefined when the file leaves it out).
DType body_output_dtype(const Graph& g, int k);

// The single element of a bool or integer tensor holding one element, as bool / int64;
// `what` names it in the Error ("'Loop' node 'l' (opset 11): cond must ...").
bool scalar_bool(const Node& n, const Tensor& t, const char* what);
int64_t scalar_int(const Node& n, const Tensor& t, const char* what);
Tensor make_scalar_bool(bool v);
Tensor make_scalar_i64(int64_t v);

// t's slice `index` along `axis`, that axis removed (a copy).
Tensor slice_along(const Tensor& t, int axis, int64_t index);
// The equally shaped `parts` stacked along a new axis `axis` (0..rank); all must share dtype
// and shape (an Error naming node `n` and `what` otherwise).
Tensor stack_along(const Node& n, const std::vector<Tensor>& parts, int axis, const std::string& what);
// An empty stack: the body output's declared shape (every dim known) with 0 inserted at
// `axis`, else (0): what a scan output is after zero iterations.
Tensor empty_stack(const Node& n, const Graph& g, int output, int axis);

// Input i of a value kernel, which must be a tensor (an Error naming `what` otherwise).
const Tensor& tensor_input(const Node& n, std::span<const AnyValue* const> in, size_t i, const std::string& what);
// A body's result that must be a tensor (a scan output, the loop's cond).
const Tensor& tensor_result(const Node& n, const AnyValue& v, const std::string& what);

// OpDef::reference of the control ops: they need the executor (their bodies are planned).
void needs_executor(const Node& n, std::span<const Tensor* const>, std::span<Tensor* const>);

}  // namespace layerscope::control
