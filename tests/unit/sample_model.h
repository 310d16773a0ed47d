// The bundled sample model (scripts/make_sample_model.py: a small Depth-Anything-like ViT +
// DPT head, input 1x3x224x308) for tests that need a real model. Generated once into
// <test binary folder>/models/sample.onnx with the project's Python (.venv, or
// $LAYERSCOPE_PYTHON), and again whenever a generator script is newer than the file.
#pragma once
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace layerscope::testing {

// Path of the sample model; "" with *error set when it cannot be generated.
inline std::string sample_model_path(std::string* error) {
  namespace fs = std::filesystem;
  static std::string cached;
  error->clear();
  if (!cached.empty()) return cached;
  const fs::path repo = fs::path(LAYERSCOPE_TEST_DIR).parent_path();
  const fs::path dir = fs::read_symlink("/proc/self/exe").parent_path() / "models";
  const fs::path model = dir / "sample.onnx";
  const fs::path script = repo / "scripts" / "make_sample_model.py";
  std::error_code ec;
  fs::create_directories(dir, ec);
  // ctest runs each test in its own process, several at once: one generates, the others wait.
  const int lock = ::open((dir / "sample.lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    *error = "cannot lock " + (dir / "sample.lock").string();
    if (lock >= 0) ::close(lock);
    return "";
  }
  bool stale = !fs::exists(model);
  if (!stale) {
    const auto built = fs::last_write_time(model);
    stale = fs::last_write_time(script) > built;
    for (const auto& e : fs::directory_iterator(repo / "scripts" / "models", ec))
      if (e.path().extension() == ".py" && e.last_write_time() > built) stale = true;
  }
  if (stale) {
    const char* env = std::getenv("LAYERSCOPE_PYTHON");
    const std::string python = env ? env : (repo / ".venv" / "bin" / "python").string();
    const fs::path tmp = dir / ("sample." + std::to_string(::getpid()) + ".onnx");
    const std::string cmd = "'" + python + "' '" + script.string() + "' --out '" + tmp.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0 || !fs::exists(tmp)) {
      *error = "generating the sample model failed: " + cmd;
    } else {
      fs::rename(tmp, model, ec);  // atomic: readers never see a half-written model
      if (ec) *error = "cannot rename " + tmp.string() + ": " + ec.message();
    }
  }
  ::flock(lock, LOCK_UN);
  ::close(lock);
  if (!error->empty()) return "";
  cached = model.string();
  return cached;
}

}  // namespace layerscope::testing
