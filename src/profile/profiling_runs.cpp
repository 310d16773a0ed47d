#include "profile/profiling_runs.h"

#include <chrono>
#include <cmath>

#include "ir/error.h"
#include "profile/layer_nesting.h"
#include "profile/layer_recorder.h"
#include "profile/roofline.h"
#include "profile/step_description.h"

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

// The rows of the layers of the bodies layer `layer` of a recorder ran (`bodies`), each right
// after its row, depth first: a body layer's bodies follow it. `parent`: the id of that
// layer's row.
void append_body_rows(const BodyRecorders& bodies, int layer, int parent, int runs, const Roofs& roofs, int threads,
                      std::vector<LayerProfile>* rows) {
  for (const BodyRecorder* body : bodies.of_layer(layer))
    for (size_t k = 0; k < body->layers().size(); ++k) {
      const BodyRecorder::Layer& b = body->layers()[k];
      LayerProfile l = b.names;
      describe_execution(b.latest, &l);
      std::vector<double> times, calls;
      for (int run = 0; run < runs; ++run) {
        times.push_back(static_cast<double>(b.wall_ns[run]) * 1e-3);
        calls.push_back(b.calls[run]);
      }
      l.time_us = compute_stats(times);
      l.calls = compute_stats(calls).median;
      // The work of one execution, times the executions: the work of a run, as time_us is.
      l.macs *= l.calls;
      l.other_ops *= l.calls;
      l.bytes_read = std::llround(static_cast<double>(l.bytes_read) * l.calls);
      l.bytes_written = std::llround(static_cast<double>(l.bytes_written) * l.calls);
      l.live_activation_bytes = b.live_activation_bytes;
      apply_roofline(roofs, threads, l);  // workload unknown: no MacUsage
      l.id = static_cast<int>(rows->size()) + 1;
      l.parent = parent;
      l.scope = body->scope();
      rows->push_back(std::move(l));
      append_body_rows(body->bodies(), static_cast<int>(k), rows->back().id, runs, roofs, threads, rows);
    }
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
    l.id = static_cast<int>(r->layers.size()) + 1;
    r->layers.push_back(std::move(l));
    append_body_rows(rec.bodies(), s, r->layers.back().id, o.runs, roofs, plan.threads, &r->layers);
  }
  r->layer_sum_us = top_level_sum_us(r->layers);
  r->ranking = rank_op_types(r->layers, r->layer_sum_us);
  const double plain_us = r->latency_ms.median * 1000.0;
  r->overhead_pct = r->latency_ms.median > 0 ? 100.0 * (r->profiled_latency_ms.median / r->latency_ms.median - 1) : 0;
  r->layer_sum_ratio_pct = plain_us > 0 ? 100.0 * r->layer_sum_us / plain_us : 0;
  r->memory = memory_of(plan);
}

}  // namespace layerscope
