// Loop (opsets 1-21): inputs M (trip count, optional), cond (optional), N loop-carried values
// v_initial, then the implicit ones; the body takes (iteration_num, cond, v...) and returns
// (cond, v..., K scan output elements). Runs
//   i = 0; c = cond or true; while (M omitted or i < M) and c: (c, v, s) = body(i, c, v); i++
// and outputs the final v, then each scan output's elements of every iteration stacked along a
// new axis 0. With neither M nor cond given the loop runs until the body's cond says stop, as
// the spec says (forever if it never does).
#include <limits>

#include "ops/control/control_ops.h"

namespace layerscope::control {
namespace {

void infer_loop(InferContext& ctx) {
  const int declared = declared_inputs(ctx.node());
  if (declared < 2) ctx.error("expected at least 2 inputs (M, cond), got ", declared);
  const int carried = declared - 2;
  if (ctx.num_outputs() < carried)
    ctx.error("has ", carried, " loop-carried inputs but only ", ctx.num_outputs(), " outputs");
  const Graph& g = body(ctx, "body");
  check_body_arity(ctx, g, "body", 2 + carried, 1 + ctx.num_outputs());
  if (ctx.has_input(0) && ctx.dtype(0) != DType::Undefined &&
      (ctx.dtype(0) != DType::I64 || shape_numel(ctx.shape(0)) != 1))
    ctx.error("M must be one INT64 element, got ", dtype_name(ctx.dtype(0)), " ", shape_to_string(ctx.shape(0)));
  if (ctx.has_input(1) && ctx.dtype(1) != DType::Undefined &&
      (ctx.dtype(1) != DType::Bool || shape_numel(ctx.shape(1)) != 1))
    ctx.error("cond must be one BOOL element, got ", dtype_name(ctx.dtype(1)), " ", shape_to_string(ctx.shape(1)));
  // Types only: shapes follow from running the body (a carried value may change shape).
  for (int k = 0; k < carried; ++k) {
    if (!ctx.has_input(2 + k)) ctx.error("loop-carried input ", 2 + k, " is omitted");
    ctx.set_output(k, ctx.dtype(2 + k), {});
  }
  for (int k = carried; k < ctx.num_outputs(); ++k) ctx.set_output(k, body_output_dtype(g, 1 + k), {});
}

// Loop-carried values may be sequences or optionals (Loop-13, Loop-16); scan outputs are tensors.
void run_loop(const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
              const BodyRunner& run) {
  const Graph& g = *n.attrs.get_graph("body");
  const int declared = declared_inputs(n);
  const int carried = declared - 2;
  const int scans = static_cast<int>(out.size()) - carried;
  const int64_t trips = in[0] ? scalar_int(n, tensor_input(n, in, 0, "M"), "M") : std::numeric_limits<int64_t>::max();
  bool cond = in[1] ? scalar_bool(n, tensor_input(n, in, 1, "cond"), "cond") : true;

  // Body inputs: iteration_num, cond, carried values, captured values.
  std::vector<AnyValue> args(2);
  for (int k = 0; k < carried; ++k) args.push_back(in[2 + k]->clone());  // not the caller's buffer
  for (size_t i = declared; i < in.size(); ++i) args.push_back(*in[i]);
  std::vector<std::vector<Tensor>> elements(scans);
  for (int64_t i = 0; i < trips && cond; ++i) {
    args[0] = make_scalar_i64(i);
    args[1] = make_scalar_bool(cond);
    std::vector<AnyValue> results = run(g, args);
    cond = scalar_bool(n, tensor_result(n, results[0], "the body's cond output"), "the body's cond output");
    for (int k = 0; k < carried; ++k) args[2 + k] = std::move(results[1 + k]);
    for (int k = 0; k < scans; ++k)
      elements[k].push_back(tensor_result(n, results[1 + carried + k], "scan output " + std::to_string(k)));
  }
  for (int k = 0; k < carried; ++k) *out[k] = std::move(args[2 + k]);
  for (int k = 0; k < scans; ++k)
    *out[carried + k] = elements[k].empty() ? empty_stack(n, g, 1 + carried + k, 0)
                                            : stack_along(n, elements[k], 0, "scan output " + std::to_string(k));
}

}  // namespace

void register_loop(OpRegistry& r) {
  OpDef d;
  d.op_type = "Loop";
  d.since = 1;
  d.infer = infer_loop;
  d.reference = needs_executor;
  d.run_values = run_loop;
  d.always_dynamic = true;
  d.attributes = {{"body", AttrType::GRAPH}};
  r.add_op(d);
}

}  // namespace layerscope::control
