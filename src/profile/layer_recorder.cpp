#include "profile/layer_recorder.h"

namespace layerscope {

LayerRecorder::LayerRecorder(int steps, int runs, int threads)
    : steps_(steps), runs_(runs), threads_(threads), cpu_begin_(threads), cpu_end_(threads),
      wall_ns_(static_cast<size_t>(steps) * runs), cpu_ns_(static_cast<size_t>(steps) * runs * threads) {
  clocks_.attach(threads);
}

void LayerRecorder::on_step_begin(int) {
  if (run_ >= runs_) return;
  clocks_.read(cpu_begin_.data());
  begin_ = std::chrono::steady_clock::now();
}

void LayerRecorder::on_step_end(int step) {
  if (run_ >= runs_) return;
  auto end = std::chrono::steady_clock::now();
  size_t i = index(run_, step);
  wall_ns_[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(end - begin_).count();
  clocks_.read(cpu_end_.data());
  for (int t = 0; t < threads_; ++t) cpu_ns_[i * threads_ + t] = cpu_end_[t] - cpu_begin_[t];
}

}  // namespace layerscope
