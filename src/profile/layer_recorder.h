// LayerRecorder: the profiling observer. Records, per run and per step, the wall time and how
// long each OpenMP worker thread worked on it (profile/work_meter.h: time inside parallel region
// bodies, not the CPU time libgomp's idle workers burn spinning), when a meter is installed. All storage is allocated
// before the first timed run, so recording is two clock reads per edge plus a few stores.
// The layers of the bodies control steps run (If, Loop, Scan) are recorded by a BodyRecorder per
// step and body (profile/body_recorder.h), made when the body first runs.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "profile/body_recorder.h"
#include "profile/work_meter.h"
#include "runtime/observer.h"

namespace layerscope {

class LayerRecorder final : public ExecutionObserver {
 public:
  // `measure_work`: ask for a WorkMeter (ProfileOptions::measure_workload).
  LayerRecorder(int steps, int runs, int threads, bool measure_work);

  void on_run_begin(const ExecutionPlan& plan) override { plan_ = &plan; }
  void on_step_begin(int step) override;
  void on_step_end(int step) override;
  void on_run_end() override { ++run_; }
  ExecutionObserver* body_observer(int step, const Graph& body) override;

  // Wall time of `step` in run `run`, microseconds.
  double wall_us(int run, int step) const { return wall_ns_[index(run, step)] * 1e-3; }
  // Time worker `t` worked on `step` in run `run`, nanoseconds (see work_known()).
  long long work_ns(int run, int step, int t) const { return work_ns_[index(run, step) * threads_ + t]; }
  // False when the per-thread work was not measured (not asked for, or no meter installed:
  // include/layerscope/workload.h): WorkLoad is then unknown, not guessed.
  bool work_known() const { return meter_ != nullptr; }
  int threads() const { return threads_; }
  // The bodies the steps ran (a step's layer number is its step number).
  const BodyRecorders& bodies() const { return bodies_; }

 private:
  size_t index(int run, int step) const { return static_cast<size_t>(run) * steps_ + step; }
  int steps_, runs_, threads_, run_ = 0;
  std::unique_ptr<WorkMeter> meter_;
  std::chrono::steady_clock::time_point begin_;
  std::vector<long long> wall_ns_;
  std::vector<long long> work_ns_;
  const ExecutionPlan* plan_ = nullptr;  // of the run under way
  BodyRecorders bodies_{run_, runs_};
};

}  // namespace layerscope
