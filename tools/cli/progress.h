// Progress on stderr for the long steps (warm-up and timed runs, machine calibration), redrawn
// in place with '\r' and erased when done so the results print on a clean line.
// Completely silent when stderr is not a terminal: logs, pipes and CI output stay clean.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace layerscope::cli {

// True when stderr is a terminal (isatty), i.e. when progress is shown.
bool progress_enabled();

// "perf: run 7/20". Redraws at most ten times a second (and always the last step), so a
// fast model's thousand runs cost a handful of writes, all between runs.
class Progress {
 public:
  explicit Progress(std::string label);  // label: "perf", "bench", ...
  ~Progress() { clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(const char* phase, int done, int total);
  // Erases the line (idempotent).
  void clear();
  // For ProfileOptions::progress: forwards to update(); empty when progress is disabled.
  std::function<void(const char*, int, int)> callback();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// For a step with no progress hooks (machine calibration): "calibrating ... 3 s", the seconds
// ticking from a helper thread that wakes twice a second (negligible next to what is measured).
class ElapsedTicker {
 public:
  explicit ElapsedTicker(std::string text);
  ~ElapsedTicker();
  ElapsedTicker(const ElapsedTicker&) = delete;
  ElapsedTicker& operator=(const ElapsedTicker&) = delete;

 private:
  std::string text_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace layerscope::cli
