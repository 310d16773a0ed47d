#include "profile/profiling_runs.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "ir/error.h"
#include "layerscope/printable.h"
#include "profile/layer_recorder.h"
#include "profile/roofline.h"

namespace layerscope {

namespace {

// run_values: outputs of any kind (a sequence output is fine here; it is not read).
double run_ms(Executor& ex, const std::vector<AnyValue>& inputs, ExecutionObserver* obs) {
  auto a = std::chrono::steady_clock::now();
  ex.run_values(inputs, obs);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
}

}  // namespace

MemoryReport memory_of(const ExecutionPlan& p) {
  MemoryReport m;
  m.weight_bytes = static_cast<int64_t>(p.constant_bytes + p.packed_weight_bytes);
  m.internal_bytes = static_cast<int64_t>(p.arena_bytes);
  for (int id : p.graph.inputs) m.other_bytes += p.slots[id].info.bytes();
  for (int id : p.graph.outputs) m.other_bytes += p.slots[id].info.bytes();
  m.total_bytes = m.weight_bytes + m.internal_bytes + m.other_bytes;
  m.model_file_bytes = p.graph.model_file_bytes;
  m.naive_activation_bytes = static_cast<int64_t>(p.naive_activation_bytes);
  return m;
}

namespace {

// The integer types quantization uses (ONNX QuantizeLinear's outputs up to opset 21, 4-bit
// ones aside): narrower than the 32-bit accumulators and indices that are plain integers.
bool is_quantized_type(DType t) { return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::U16; }

// The DataType a layer reports (LayerProfile::data_type): the precision its arithmetic runs in.
// A layer reading a quantized integer tensor as its first (data) input computes on it (QLinearConv
// and QLinearMatMul in int8 with int32 accumulators, whatever they write; an int8 MaxPool;
// DequantizeLinear, the int8 side of the conversion); one writing it converts to it
// (QuantizeLinear); every other layer reports its first output's type. A Conv left in float
// between DequantizeLinear and QuantizeLinear reads and writes FLOAT and says so.
DType layer_data_type(const Step& step) {
  const DType in = step.inputs.empty() ? DType::Undefined : step.inputs[0].dtype;
  const DType out = step.outputs.empty() ? DType::Undefined : step.outputs[0].dtype;
  if (is_quantized_type(in)) return in;
  return out;
}

bool has_bodies(const Node& n) {
  for (const auto& [name, value] : n.attrs.all())
    if (std::holds_alternative<GraphAttr>(value)) return true;
  return false;
}

LayerProfile describe_step(const ExecutionPlan& p, int i) {
  const Step& step = p.steps[i];
  const Node& n = p.graph.nodes[step.node];
  LayerProfile l;
  l.id = i + 1;
  // Names come from the model file: escaped (ir/printable.h) so no report format carries a
  // corrupt name's control bytes to a terminal or breaks a row with them.
  l.op_type = printable(n.op_type);
  for (const std::string& name : n.source_names) l.source_names.push_back(printable(name));
  for (int v : n.inputs) l.input_names.push_back(v >= 0 ? printable(p.graph.values[v].name) : std::string());
  for (int v : n.outputs) l.output_names.push_back(v >= 0 ? printable(p.graph.values[v].name) : std::string());
  // A dynamic step names the kernel its latest run chose for that run's shapes, marked as such;
  // a control node (If, Loop, Scan, SequenceMap) ran its bodies' plans, whose layers have
  // kernels of their own ("bodies"), not a reference loop.
  if (step.kernel) l.kernel = step.kernel->name();
  else if (step.dynamic_kernel) l.kernel = step.dynamic_kernel->name() + "(dynamic)";
  else l.kernel = has_bodies(n) ? "bodies(dynamic)" : "ref(dynamic)";
  l.data_type = dtype_name(layer_data_type(step));
  for (const TensorInfo& t : step.inputs)
    if (t.dtype != DType::Undefined) l.input_shapes.push_back(t.shape);
  for (const TensorInfo& t : step.outputs) l.output_shapes.push_back(t.shape);
  l.macs = step.cost.macs;
  l.other_ops = step.cost.other_ops;
  l.bytes_read = step.cost.bytes_read;
  l.bytes_written = step.cost.bytes_written;
  // Values sharing one buffer (views, in-place outputs: Slot::buffer) count once.
  std::vector<bool> counted(p.slots.size(), false);
  for (size_t v = 0; v < p.slots.size(); ++v) {
    const Slot& s = p.slots[v];
    const size_t buffer = s.buffer >= 0 ? static_cast<size_t>(s.buffer) : v;
    if (s.kind != SlotKind::Arena || s.first_step > i || i > s.last_step || counted[buffer]) continue;
    counted[buffer] = true;
    l.live_activation_bytes += s.info.bytes();
  }
  return l;
}

}  // namespace

void profile_runs(Executor& ex, const std::vector<Tensor>& ordered, const ProfileOptions& o, const Roofs& roofs,
                  const std::vector<int>& cores, bool optimized, PerfReport* r) {
  LS_CHECK(o.runs >= 1 && o.warmup >= 0, "runs must be >= 1 and warmup >= 0");
  const ExecutionPlan& plan = ex.plan();
  const int steps = static_cast<int>(plan.steps.size());
  const std::vector<AnyValue> inputs(ordered.begin(), ordered.end());

  for (int i = 0; i < o.warmup; ++i) {
    ex.run_values(inputs);
    if (o.progress) o.progress("warm-up", i + 1, o.warmup);
  }
  LayerRecorder rec(steps, o.runs, plan.threads, o.measure_workload);
  std::vector<double> plain, profiled;
  for (int i = 0; i < o.runs; ++i) {
    plain.push_back(run_ms(ex, inputs, nullptr));
    profiled.push_back(run_ms(ex, inputs, &rec));
    if (o.progress) o.progress("run", i + 1, o.runs);
  }

  *r = PerfReport{};
  r->model_path = plan.graph.model_path;
  r->threads = plan.threads;
  // The core each worker was pinned to (empty = not pinned), as runtime/thread_pinning.h does it.
  for (int t = 0; t < plan.threads && !cores.empty(); ++t) r->cores.push_back(cores[t % cores.size()]);
  r->optimized = optimized;
  r->warmup = o.warmup;
  r->runs = o.runs;
  r->roofs = roofs;
  r->latency_ms = compute_stats(plain);
  r->profiled_latency_ms = compute_stats(profiled);
  std::map<std::string, OpTypeRank> by_type;
  for (int s = 0; s < steps; ++s) {
    LayerProfile l = describe_step(plan, s);
    std::vector<double> times;
    std::vector<double> work(rec.threads(), 0.0);
    for (int run = 0; run < o.runs; ++run) {
      times.push_back(rec.wall_us(run, s));
      if (rec.work_known())
        for (int t = 0; t < rec.threads(); ++t) work[t] += static_cast<double>(rec.work_ns(run, s, t));
    }
    l.time_us = compute_stats(times);
    double total_work = 0;
    for (double w : work) total_work += w;
    // Unknown (empty) rather than a guess when the per-thread work cannot be measured.
    if (rec.work_known())
      for (double w : work) l.workload.push_back(total_work > 0 ? w / total_work : 0.0);
    apply_roofline(roofs, plan.threads, l);
    r->layer_sum_us += l.time_us.median;
    OpTypeRank& rank = by_type[l.op_type];
    rank.op_type = l.op_type;
    rank.calls++;
    rank.total_us += l.time_us.median;
    r->layers.push_back(std::move(l));
  }
  for (auto& [name, rank] : by_type) {
    rank.ratio_pct = r->layer_sum_us > 0 ? 100.0 * rank.total_us / r->layer_sum_us : 0;
    r->ranking.push_back(rank);
  }
  std::stable_sort(r->ranking.begin(), r->ranking.end(),
                   [](const OpTypeRank& a, const OpTypeRank& b) { return a.total_us > b.total_us; });
  const double plain_us = r->latency_ms.median * 1000.0;
  r->overhead_pct = r->latency_ms.median > 0 ? 100.0 * (r->profiled_latency_ms.median / r->latency_ms.median - 1) : 0;
  r->layer_sum_ratio_pct = plain_us > 0 ? 100.0 * r->layer_sum_us / plain_us : 0;
  r->memory = memory_of(plan);
}

}  // namespace layerscope
