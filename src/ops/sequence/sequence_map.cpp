// SequenceMap (opset 17): runs `body` once per tensor of the input sequence,
//   for i in 0..len(input_sequence)-1: outputs_j[i] = body(input_sequence[i], a_1, ..., a_k)_j
// where an additional input a that is a sequence gives its i-th tensor (it must be as long as
// the input sequence) and a tensor is given whole every time. Each output is the sequence of
// the body's j-th outputs. The body runs through the executor's BodyRunner (planned per input
// shapes, like a Loop body); the values of enclosing graphs it reads arrive as the node's
// implicit inputs (ir/graph.h) and are passed on as they are.
#include "ops/control/control_common.h"
#include "ops/sequence/sequence_common.h"
#include "ops/sequence/sequence_ops.h"

namespace layerscope::sequence {
namespace {

void infer_map(InferContext& c) {
  const int declared = control::declared_inputs(c.node());
  if (declared < 1) c.error("expected at least 1 input (input_sequence), got ", declared);
  expect_sequence(c, 0);
  for (int i = 1; i < declared; ++i)
    if (!c.has_input(i) || c.type(i).kind == ValueKind::Optional)
      c.error("input ", i, " must be a tensor or a sequence of tensors");
  if (c.num_outputs() < 1) c.error("expected at least 1 output");
  const Graph& g = control::body(c, "body");
  control::check_body_arity(c, g, "body", declared, c.num_outputs());
  for (int k = 0; k < c.num_outputs(); ++k)
    c.set_output_type(k, ValueType::sequence(), control::body_output_dtype(g, k));
}

void run_map(const Node& n, std::span<const AnyValue* const> in, std::span<AnyValue* const> out,
             const BodyRunner& run) {
  const Graph& g = *n.attrs.get_graph("body");
  const int declared = control::declared_inputs(n);
  const std::vector<Tensor>& items = sequence_input(n, in, 0);
  for (int i = 1; i < declared; ++i)
    if (in[i]->type.kind == ValueKind::Sequence && in[i]->sequence.size() != items.size())
      fail(Graph::describe(n), ": input ", i, " is a sequence of ", in[i]->sequence.size(),
           " tensors but input_sequence holds ", items.size());
  std::vector<std::vector<Tensor>> results(out.size());
  std::vector<AnyValue> args(in.size());
  for (size_t i = declared; i < in.size(); ++i) args[i] = *in[i];  // captured values
  for (size_t t = 0; t < items.size(); ++t) {
    args[0] = AnyValue(items[t]);
    for (int i = 1; i < declared; ++i)
      args[i] = in[i]->type.kind == ValueKind::Sequence ? AnyValue(in[i]->sequence[t]) : *in[i];
    std::vector<AnyValue> r = run(g, args);
    for (size_t k = 0; k < out.size(); ++k) results[k].push_back(control::tensor_result(n, r[k], "a body output"));
  }
  for (size_t k = 0; k < out.size(); ++k) {
    DType elem = control::body_output_dtype(g, static_cast<int>(k));
    if (!results[k].empty()) elem = results[k][0].dtype();
    if (elem == DType::Undefined)
      fail(Graph::describe(n), ": body output ", k,
           " declares no element type, so the empty sequence it makes (input_sequence is empty) has none");
    *out[k] = AnyValue::of_sequence(elem, std::move(results[k]));
  }
}

}  // namespace

void register_sequence_map(OpRegistry& r) {
  OpDef d = value_op("SequenceMap", 17);
  d.attributes = {{"body", AttrType::GRAPH}};
  d.infer = infer_map;
  d.run_values = run_map;
  r.add_op(d);
}

}  // namespace layerscope::sequence
