#include "profile/step_description.h"

#include <variant>

#include "ir/float8.h"
#include "ir/int4.h"
#include "layerscope/printable.h"

namespace layerscope {

namespace {

// The types quantization uses (ONNX QuantizeLinear's outputs up to opset 21): the 4-, 8- and
// 16-bit integers, narrower than the 32-bit accumulators and indices that are plain integers, and
// the float8 types.
bool is_quantized_type(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16 || is_int4(t) || is_float8(t);
}

// The DataType a layer reports (LayerProfile::data_type): the precision its arithmetic runs in.
// A layer reading a quantized integer tensor as its first (data) input computes on it (QLinearConv
// and QLinearMatMul in int8 with int32 accumulators, whatever they write; an int8 MaxPool;
// DequantizeLinear, the int8 side of the conversion; a Cast from FLOAT8E4M3FN); one writing it
// converts to it (QuantizeLinear); every other layer reports its first output's type. A Conv left in float
// between DequantizeLinear and QuantizeLinear reads and writes FLOAT and says so.
DType layer_data_type(const StepExecution& e) {
  const DType in = e.inputs.empty() ? DType::Undefined : e.inputs[0].dtype;
  const DType out = e.outputs.empty() ? DType::Undefined : e.outputs[0].dtype;
  if (is_quantized_type(in)) return in;
  return out;
}

bool has_bodies(const Node& n) {
  for (const auto& [name, value] : n.attrs.all())
    if (std::holds_alternative<GraphAttr>(value)) return true;
  return false;
}

}  // namespace

void record_execution(const ExecutionPlan& p, int i, StepExecution* out) {
  const Step& step = p.steps[i];
  out->inputs = step.inputs;
  out->outputs = step.outputs;
  out->cost = step.cost;
  // A dynamic step names the kernel its latest run chose for that run's shapes, marked as such;
  // a control node (If, Loop, Scan, SequenceMap) ran its bodies' plans, whose layers have
  // kernels of their own ("bodies"), not a reference loop.
  if (step.kernel) {
    out->kernel = step.kernel->name();
  } else if (step.dynamic_kernel) {
    out->kernel = step.dynamic_kernel->name();
    out->kernel += "(dynamic)";
  } else {
    out->kernel = has_bodies(p.graph.nodes[step.node]) ? "bodies(dynamic)" : "ref(dynamic)";
  }
}

LayerProfile describe_names(const ExecutionPlan& p, int i) {
  const Node& n = p.graph.nodes[p.steps[i].node];
  LayerProfile l;
  // Names come from the model file: escaped (ir/printable.h) so no report format carries a
  // corrupt name's control bytes to a terminal or breaks a row with them.
  l.op_type = printable(n.op_type);
  for (const std::string& name : n.source_names) l.source_names.push_back(printable(name));
  for (int v : n.inputs) l.input_names.push_back(v >= 0 ? printable(p.graph.values[v].name) : std::string());
  for (int v : n.outputs) l.output_names.push_back(v >= 0 ? printable(p.graph.values[v].name) : std::string());
  return l;
}

void describe_execution(const StepExecution& e, LayerProfile* l) {
  l->kernel = e.kernel;
  l->data_type = dtype_name(layer_data_type(e));
  l->input_shapes.clear();
  l->output_shapes.clear();
  for (const TensorInfo& t : e.inputs)
    if (t.dtype != DType::Undefined) l->input_shapes.push_back(t.shape);
  for (const TensorInfo& t : e.outputs) l->output_shapes.push_back(t.shape);
  l->macs = e.cost.macs;
  l->other_ops = e.cost.other_ops;
  l->bytes_read = e.cost.bytes_read;
  l->bytes_written = e.cost.bytes_written;
}

int64_t live_activation_bytes(const ExecutionPlan& p, int i) {
  int64_t live = 0;
  // Values sharing one buffer (views, in-place outputs: Slot::buffer) count once.
  std::vector<bool> counted(p.slots.size(), false);
  for (size_t v = 0; v < p.slots.size(); ++v) {
    const Slot& s = p.slots[v];
    const size_t buffer = s.buffer >= 0 ? static_cast<size_t>(s.buffer) : v;
    if (s.kind != SlotKind::Arena || s.first_step > i || i > s.last_step || counted[buffer]) continue;
    counted[buffer] = true;
    live += s.info.bytes();
  }
  return live;
}

LayerProfile describe_step(const ExecutionPlan& p, int i) {
  LayerProfile l = describe_names(p, i);
  StepExecution e;
  record_execution(p, i, &e);
  describe_execution(e, &l);
  l.live_activation_bytes = live_activation_bytes(p, i);
  return l;
}

std::string body_owner_name(const ExecutionPlan& p, int i) {
  const Node& n = p.graph.nodes[p.steps[i].node];
  for (const std::string& name : n.source_names)
    if (!name.empty()) return printable(name);
  for (int v : n.outputs)
    if (v >= 0 && !p.graph.values[v].name.empty()) return printable(p.graph.values[v].name);
  return printable(n.op_type);
}

std::string body_attribute(const ExecutionPlan& p, int i, const Graph& body) {
  for (const auto& [name, value] : p.graph.nodes[p.steps[i].node].attrs.all())
    if (const GraphAttr* a = std::get_if<GraphAttr>(&value); a && a->graph.get() == &body) return printable(name);
  return "";
}

}  // namespace layerscope
