// If (opsets 1-21): runs then_branch or else_branch, by the one BOOL element of `cond`, and
// returns that branch's outputs. The branches take no inputs of their own; what they read of
// the enclosing graphs arrives as the node's implicit inputs (ir/graph.h).
#include "ops/control/control_ops.h"

namespace layerscope::control {
namespace {

void infer_if(InferContext& ctx) {
  if (declared_inputs(ctx.node()) != 1) ctx.error("expected 1 input (cond), got ", declared_inputs(ctx.node()));
  const Graph& then_g = body(ctx, "then_branch");
  const Graph& else_g = body(ctx, "else_branch");
  check_body_arity(ctx, then_g, "then_branch", 0, ctx.num_outputs());
  check_body_arity(ctx, else_g, "else_branch", 0, ctx.num_outputs());
  if (ctx.dtype(0) != DType::Undefined) {
    if (ctx.dtype(0) != DType::Bool) ctx.error("cond must be BOOL, got ", dtype_name(ctx.dtype(0)));
    if (shape_numel(ctx.shape(0)) != 1)
      ctx.error("cond must hold one element, got shape ", shape_to_string(ctx.shape(0)));
  }
  // Types only: the shapes are the chosen branch's, known once it ran.
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    DType t = body_output_dtype(then_g, k);
    const DType e = body_output_dtype(else_g, k);
    if (t == DType::Undefined) t = e;
    if (e != DType::Undefined && e != t)
      ctx.error("output ", k, " is ", dtype_name(t), " in then_branch but ", dtype_name(e), " in else_branch");
    ctx.set_output(k, t, {});
  }
}

// The branches' outputs may be sequences or optionals (If-13, If-16): they pass through as they are.
void run_if(const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out, const BodyRunner& run) {
  const bool cond = scalar_bool(n, tensor_input(n, in, 0, "cond"), "cond");
  const Graph* branch = n.attrs.get_graph(cond ? "then_branch" : "else_branch");
  std::vector<AnyValue> captured;
  for (size_t i = declared_inputs(n); i < in.size(); ++i) captured.push_back(*in[i]);
  std::vector<AnyValue> results = run(*branch, captured);
  for (size_t k = 0; k < out.size(); ++k) *out[k] = std::move(results[k]);
}

}  // namespace

void register_if(OpRegistry& r) {
  OpDef d;
  d.op_type = "If";
  d.since = 1;
  d.infer = infer_if;
  d.reference = needs_executor;
  d.run_values = run_if;
  d.always_dynamic = true;
  d.attributes = {{"then_branch", AttrType::GRAPH}, {"else_branch", AttrType::GRAPH}};
  r.add_op(d);
}

}  // namespace layerscope::control
