#include "profile/layer_recorder.h"

#include <algorithm>

namespace layerscope {

LayerRecorder::LayerRecorder(int steps, int runs, int threads, bool measure_work)
    : steps_(steps),
      runs_(runs),
      threads_(threads),
      meter_(measure_work ? make_work_meter(threads) : nullptr),
      wall_ns_(static_cast<size_t>(steps) * runs),
      work_ns_(meter_ ? static_cast<size_t>(steps) * runs * threads : 0) {}

void LayerRecorder::on_step_begin(int) {
  if (run_ >= runs_) return;
  if (meter_) meter_->start();
  begin_ = std::chrono::steady_clock::now();
}

void LayerRecorder::on_step_end(int step) {
  if (run_ >= runs_) return;
  auto end = std::chrono::steady_clock::now();
  size_t i = index(run_, step);
  const long long wall = std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin_).count();
  wall_ns_[i] = wall;
  if (!meter_) return;
  meter_->stop();
  // The calling thread is worker 0: it also worked whenever no parallel region was open.
  const long long serial = std::max(0LL, wall - meter_->region_ns());
  for (int t = 0; t < threads_; ++t)
    work_ns_[i * threads_ + t] = std::max(0LL, meter_->worked_ns(t)) + (t == 0 ? serial : 0);
}

ExecutionObserver* LayerRecorder::body_observer(int step, const Graph& body) {
  if (run_ >= runs_ || plan_ == nullptr) return nullptr;
  return bodies_.of(step, *plan_, step, body, "");
}

}  // namespace layerscope
