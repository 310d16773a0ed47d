// Scan (opsets 8-21): N state variables and M scan inputs (num_scan_inputs) in, then the
// implicit ones; the body takes (state..., one slice of each scan input) and returns (state...,
// K scan output elements). The outputs are the final states and each scan output's elements
// stacked along its axis.
//   Opset 9+: scan inputs are sliced along scan_input_axes (default 0), read backwards where
//   scan_input_directions says 1; scan outputs are stacked along scan_output_axes (default 0),
//   in reverse iteration order where scan_output_directions says 1.
//   Opset 8: a leading optional input sequence_lens; every state and scan input has a batch
//   axis 0 and scans along axis 1 (`directions` per scan input); each batch entry runs its own
//   scan of sequence_lens[b] steps, and its scan outputs are zero-padded to the longest.
#include <algorithm>
#include <cstring>

#include "ops/control/control_ops.h"

namespace layerscope::control {
namespace {

// Scan's states and scan inputs and outputs are tensors (its spec allows no other type): its
// body runs through this adapter of the executor's BodyRunner, with the outer-scope values it
// reads (of any kind) appended.
using TensorRunner = std::function<std::vector<Tensor>(const Graph&, const std::vector<Tensor>&)>;

struct ScanLayout {
  int first = 0;  // index of the first state input (1 at opset 8: after sequence_lens)
  int states = 0, scan_inputs = 0, scan_outputs = 0;
  std::vector<int64_t> in_dirs, out_dirs, in_axes, out_axes;
};

// The attribute `name` (one int per item), `count` long; default all `dflt`.
std::vector<int64_t> per_item(const Node& n, const char* name, int count, int64_t dflt) {
  std::vector<int64_t> v = n.attrs.get_ints(name, std::vector<int64_t>(count, dflt));
  LS_CHECK(static_cast<int>(v.size()) == count, Graph::describe(n), ": attribute '", name, "' has ", v.size(),
           " values, expected ", count);
  return v;
}

ScanLayout layout_of(const Node& n, int num_outputs) {
  ScanLayout s;
  s.first = n.opset < 9 ? 1 : 0;
  s.scan_inputs = static_cast<int>(n.attrs.get_int("num_scan_inputs", 0));
  const int declared = declared_inputs(n) - s.first;
  LS_CHECK(s.scan_inputs >= 1 && s.scan_inputs <= declared, Graph::describe(n), ": attribute 'num_scan_inputs' is ",
           s.scan_inputs, "; expected 1 to the ", declared, " state and scan inputs");
  s.states = declared - s.scan_inputs;
  LS_CHECK(num_outputs >= s.states, Graph::describe(n), ": has ", s.states, " state inputs but only ", num_outputs,
           " outputs");
  s.scan_outputs = num_outputs - s.states;
  for (const char* dir : {"directions", "scan_input_directions", "scan_output_directions"})
    for (int64_t d : n.attrs.get_ints(dir))
      LS_CHECK(d == 0 || d == 1, Graph::describe(n), ": attribute '", dir, "' holds ", d, "; expected 0 or 1");
  if (n.opset < 9) {
    s.in_dirs = per_item(n, "directions", s.scan_inputs, 0);
    s.in_axes.assign(s.scan_inputs, 0);  // axis 1 of the input is axis 0 of one batch entry
    s.out_dirs.assign(s.scan_outputs, 0);
    s.out_axes.assign(s.scan_outputs, 0);
  } else {
    s.in_dirs = per_item(n, "scan_input_directions", s.scan_inputs, 0);
    s.out_dirs = per_item(n, "scan_output_directions", s.scan_outputs, 0);
    s.in_axes = per_item(n, "scan_input_axes", s.scan_inputs, 0);
    s.out_axes = per_item(n, "scan_output_axes", s.scan_outputs, 0);
  }
  return s;
}

int normalized(const Node& n, int64_t axis, int rank, const char* what) {
  LS_CHECK(axis >= -rank && axis < rank, Graph::describe(n), ": ", what, " ", axis, " is out of range for rank ", rank);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

void infer_scan(InferContext& ctx) {
  const Node& n = ctx.node();
  const ScanLayout s = layout_of(n, ctx.num_outputs());
  const Graph& g = body(ctx, "body");
  check_body_arity(ctx, g, "body", s.states + s.scan_inputs, s.states + s.scan_outputs);
  const int batch_axes = s.first;  // opset 8: every input has a batch axis first
  if (s.first == 1 && ctx.has_input(0) && ctx.dtype(0) != DType::Undefined && ctx.dtype(0) != DType::I64)
    ctx.error("sequence_lens must be INT64, got ", dtype_name(ctx.dtype(0)));
  int64_t length = -1;
  for (int j = 0; j < s.scan_inputs; ++j) {
    const int i = s.first + s.states + j;
    if (!ctx.has_input(i)) ctx.error("scan input ", i, " is omitted");
    if (ctx.dtype(i) == DType::Undefined) continue;  // known at run time
    const int rank = ctx.rank(i) - batch_axes;
    if (rank < 1) ctx.error("scan input ", i, " has rank ", ctx.rank(i), "; it needs a scan axis");
    const int axis = normalized(n, s.in_axes[j], rank, "scan_input_axes value") + batch_axes;
    if (length >= 0 && ctx.shape(i)[axis] != length)
      ctx.error("scan inputs have different lengths along their scan axes (", length, " and ", ctx.shape(i)[axis], ")");
    length = ctx.shape(i)[axis];
  }
  for (int k = 0; k < s.states; ++k) {
    if (!ctx.has_input(s.first + k)) ctx.error("state input ", s.first + k, " is omitted");
    ctx.set_output(k, ctx.dtype(s.first + k), {});
  }
  for (int k = 0; k < s.scan_outputs; ++k) ctx.set_output(s.states + k, body_output_dtype(g, s.states + k), {});
}

// One scan (one batch entry at opset 8) of `steps` iterations over scan inputs of `length`
// along their axes: the final states, then per scan output its elements in iteration order.
struct ScanResult {
  std::vector<Tensor> states;
  std::vector<std::vector<Tensor>> elements;
};
ScanResult scan_once(const Node& n, const ScanLayout& s, const Graph& g, std::vector<Tensor> states,
                     const std::vector<Tensor>& scan_in, const std::vector<int>& axes, int64_t steps, int64_t length,
                     const std::vector<Tensor>& captured, const TensorRunner& run) {
  ScanResult r;
  r.elements.resize(s.scan_outputs);
  std::vector<Tensor> args(states.size() + scan_in.size());
  for (size_t k = 0; k < states.size(); ++k) args[k] = std::move(states[k]);
  args.insert(args.end(), captured.begin(), captured.end());
  for (int64_t t = 0; t < steps; ++t) {
    for (int j = 0; j < s.scan_inputs; ++j)
      args[s.states + j] = slice_along(scan_in[j], axes[j], s.in_dirs[j] ? length - 1 - t : t);
    std::vector<Tensor> results = run(g, args);
    for (int k = 0; k < s.states; ++k) args[k] = std::move(results[k]);
    for (int k = 0; k < s.scan_outputs; ++k) r.elements[k].push_back(std::move(results[s.states + k]));
  }
  for (int k = 0; k < s.states; ++k) r.states.push_back(std::move(args[k]));
  return r;
}

// Scan output k of one scan: its elements stacked (reversed if its direction says so).
Tensor scan_output(const Node& n, const ScanLayout& s, const Graph& g, std::vector<Tensor> parts, int k) {
  if (s.out_dirs[k]) std::reverse(parts.begin(), parts.end());
  if (parts.empty()) return empty_stack(n, g, s.states + k, 0);
  const int axis = normalized(n, s.out_axes[k], parts[0].rank() + 1, "scan_output_axes value");
  return stack_along(n, parts, axis, "scan output " + std::to_string(k));
}

void run_scan9(const Node& n, const ScanLayout& s, const Graph& g, std::span<const Tensor* const> in,
               std::span<Tensor* const> out, const std::vector<Tensor>& captured, const TensorRunner& run) {
  std::vector<Tensor> states, scan_in;
  std::vector<int> axes;
  for (int k = 0; k < s.states; ++k) states.push_back(in[k]->clone());
  int64_t length = 0;
  for (int j = 0; j < s.scan_inputs; ++j) {
    scan_in.push_back(*in[s.states + j]);
    axes.push_back(normalized(n, s.in_axes[j], scan_in[j].rank(), "scan_input_axes value"));
    length = scan_in[j].shape()[axes[j]];
  }
  ScanResult r = scan_once(n, s, g, std::move(states), scan_in, axes, length, length, captured, run);
  for (int k = 0; k < s.states; ++k) *out[k] = std::move(r.states[k]);
  for (int k = 0; k < s.scan_outputs; ++k) *out[s.states + k] = scan_output(n, s, g, std::move(r.elements[k]), k);
}

// Opset 8: one scan per batch entry b (axis 0 of every input), of sequence_lens[b] steps.
void run_scan8(const Node& n, const ScanLayout& s, const Graph& g, std::span<const Tensor* const> in,
               std::span<Tensor* const> out, const std::vector<Tensor>& captured, const TensorRunner& run) {
  const Tensor& first_scan = *in[1 + s.states];
  LS_CHECK(first_scan.rank() >= 2, Graph::describe(n), ": scan inputs need a batch and a sequence axis");
  const int64_t batch = first_scan.shape()[0], length = first_scan.shape()[1];
  for (int i = 1; i < 1 + s.states + s.scan_inputs; ++i)
    LS_CHECK(in[i]->rank() >= 1 && in[i]->shape()[0] == batch, Graph::describe(n), ": input ", i,
             " does not have the batch size ", batch, " on axis 0");
  std::vector<int64_t> lens(batch, length);
  if (in[0]) {
    LS_CHECK(in[0]->dtype() == DType::I64 && in[0]->numel() == batch, Graph::describe(n),
             ": sequence_lens must be INT64 with one value per batch entry (", batch, ")");
    std::copy(in[0]->data_as<int64_t>(), in[0]->data_as<int64_t>() + batch, lens.begin());
  }
  std::vector<std::vector<Tensor>> states(s.states), scans(s.scan_outputs);
  for (int64_t b = 0; b < batch; ++b) {
    LS_CHECK(lens[b] >= 0 && lens[b] <= length, Graph::describe(n), ": sequence_lens[", b, "] is ", lens[b],
             "; expected 0 to ", length);
    std::vector<Tensor> st, scan_in;
    for (int k = 0; k < s.states; ++k) st.push_back(slice_along(*in[1 + k], 0, b));
    for (int j = 0; j < s.scan_inputs; ++j) {
      scan_in.push_back(slice_along(*in[1 + s.states + j], 0, b));
      LS_CHECK(scan_in[j].rank() >= 1 && scan_in[j].shape()[0] == length, Graph::describe(n),
               ": scan inputs have different sequence lengths (axis 1)");
    }
    std::vector<int> axes(s.scan_inputs, 0);
    // A reverse scan of a shorter sequence starts at its own last element.
    ScanResult r = scan_once(n, s, g, std::move(st), scan_in, axes, lens[b], lens[b], captured, run);
    for (int k = 0; k < s.states; ++k) states[k].push_back(std::move(r.states[k]));
    for (int k = 0; k < s.scan_outputs; ++k) {
      std::vector<Tensor>& parts = r.elements[k];
      if (parts.empty()) {
        scans[k].push_back(empty_stack(n, g, s.states + k, 0));  // padded below when others ran
        continue;
      }
      for (int64_t t = lens[b]; t < length; ++t) {
        Tensor pad(parts[0].dtype(), parts[0].shape());
        std::memset(pad.data(), 0, pad.nbytes());
        parts.push_back(std::move(pad));
      }
      scans[k].push_back(stack_along(n, parts, 0, "scan output " + std::to_string(k)));
    }
  }
  for (int k = 0; k < s.states; ++k) *out[k] = stack_along(n, states[k], 0, "state " + std::to_string(k));
  for (int k = 0; k < s.scan_outputs; ++k) {
    // Entries that ran no step know no element shape: zeros shaped like the others'.
    const auto ran = std::find_if(scans[k].begin(), scans[k].end(), [](const Tensor& t) { return t.numel() > 0; });
    if (ran != scans[k].end())
      for (Tensor& t : scans[k])
        if (t.numel() == 0 && t.shape() != ran->shape()) {
          t = Tensor(ran->dtype(), ran->shape());
          std::memset(t.data(), 0, t.nbytes());
        }
    *out[s.states + k] = stack_along(n, scans[k], 0, "scan output " + std::to_string(k));
  }
}

void run_scan(const Node& n, std::span<const AnyValue* const> in_values, std::span<AnyValue* const> out_values,
              const BodyRunner& run) {
  const ScanLayout s = layout_of(n, static_cast<int>(out_values.size()));
  const Graph& g = *n.attrs.get_graph("body");
  const size_t declared = static_cast<size_t>(declared_inputs(n));
  std::vector<const Tensor*> in(declared, nullptr);
  for (size_t i = 0; i < declared; ++i)
    if (in_values[i]) in[i] = &tensor_input(n, in_values, i, "input " + std::to_string(i));
  std::vector<AnyValue> captured(in_values.size() - declared);
  for (size_t i = declared; i < in_values.size(); ++i) captured[i - declared] = *in_values[i];
  const TensorRunner tensors = [&](const Graph& body, const std::vector<Tensor>& args) {
    std::vector<AnyValue> all(args.begin(), args.end());
    all.insert(all.end(), captured.begin(), captured.end());
    std::vector<Tensor> results;
    for (AnyValue& r : run(body, all)) results.push_back(tensor_result(n, r, "a body output"));
    return results;
  };
  std::vector<Tensor> outs(out_values.size());
  std::vector<Tensor*> out;
  for (Tensor& t : outs) out.push_back(&t);
  if (n.opset < 9) run_scan8(n, s, g, in, out, {}, tensors);
  else run_scan9(n, s, g, in, out, {}, tensors);
  for (size_t k = 0; k < outs.size(); ++k) *out_values[k] = AnyValue(std::move(outs[k]));
}

OpDef scan_def(int since, int until) {
  OpDef d;
  d.op_type = "Scan";
  d.since = since;
  d.until = until;
  d.infer = infer_scan;
  d.reference = needs_executor;
  d.run_values = run_scan;
  d.always_dynamic = true;
  return d;
}

}  // namespace

void register_scan(OpRegistry& r) {
  OpDef v8 = scan_def(8, 8);
  v8.attributes = {{"body", AttrType::GRAPH}, {"directions", AttrType::INTS}, {"num_scan_inputs", AttrType::INT}};
  r.add_op(v8);
  OpDef v9 = scan_def(9, INT_MAX);
  v9.attributes = {{"body", AttrType::GRAPH},
                   {"num_scan_inputs", AttrType::INT},
                   {"scan_input_axes", AttrType::INTS},
                   {"scan_input_directions", AttrType::INTS},
                   {"scan_output_axes", AttrType::INTS},
                   {"scan_output_directions", AttrType::INTS}};
  r.add_op(v9);
}

}  // namespace layerscope::control
