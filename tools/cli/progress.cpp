#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace layerscope::cli {

namespace {

// "\r" + text + erase-to-end-of-line: the previous, possibly longer, text disappears.
void draw(const std::string& text) {
  std::fprintf(stderr, "\r%s\033[K", text.c_str());
  std::fflush(stderr);
}

void erase() {
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

}  // namespace

bool progress_enabled() { return isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label) : label_(std::move(label)), enabled_(progress_enabled()) {}

void Progress::update(const char* phase, int done, int total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  draw(label_ + ": " + phase + " " + std::to_string(done) + "/" + std::to_string(total));
}

void Progress::clear() {
  if (!drawn_) return;
  erase();
  drawn_ = false;
}

std::function<void(const char*, int, int)> Progress::callback() {
  if (!enabled_) return {};
  return [this](const char* phase, int done, int total) { update(phase, done, total); };
}

ElapsedTicker::ElapsedTicker(std::string text) : text_(std::move(text)) {
  if (!progress_enabled()) return;
  thread_ = std::thread([this] {
    const auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    do {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
      draw(text_ + " " + std::to_string(seconds.count()) + " s");
    } while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; }));
    erase();
  });
}

ElapsedTicker::~ElapsedTicker() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  stop_cv_.notify_one();
  thread_.join();
}

}  // namespace layerscope::cli
