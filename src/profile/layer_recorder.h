// LayerRecorder: the profiling observer. Records, per run and per step, the wall time and
// each worker thread's CPU time. All storage is allocated before the first timed run, so
// recording is two clock reads per edge plus a store.
#pragma once
#include <chrono>
#include <vector>

#include "profile/worker_clocks.h"
#include "runtime/observer.h"

namespace layerscope {

class LayerRecorder final : public ExecutionObserver {
 public:
  LayerRecorder(int steps, int runs, int threads);

  void on_run_begin(const ExecutionPlan&) override {}
  void on_step_begin(int step) override;
  void on_step_end(int step) override;
  void on_run_end() override { ++run_; }

  int runs_recorded() const { return run_; }
  // Wall time of `step` in run `run`, microseconds.
  double wall_us(int run, int step) const { return wall_ns_[index(run, step)] * 1e-3; }
  // CPU time of worker `t` during `step` in run `run`, nanoseconds.
  long long cpu_ns(int run, int step, int t) const { return cpu_ns_[index(run, step) * threads_ + t]; }
  int threads() const { return threads_; }

 private:
  size_t index(int run, int step) const { return static_cast<size_t>(run) * steps_ + step; }
  int steps_, runs_, threads_, run_ = 0;
  WorkerClocks clocks_;
  std::chrono::steady_clock::time_point begin_;
  std::vector<long long> cpu_begin_, cpu_end_;
  std::vector<long long> wall_ns_;
  std::vector<long long> cpu_ns_;
};

}  // namespace layerscope
