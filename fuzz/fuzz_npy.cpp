// libFuzzer target: bytes -> load_npy, the reader behind the CLI's --input NAME=FILE.npy
// (tools/cli/inputs.cpp). load_npy reads a path, so the bytes go into an in-memory file
// (memfd) opened through /proc/self/fd: the same file-reading code runs, without disk I/O.
// A failed Status is the expected answer to bad input; a crash or sanitizer report is a bug.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "layerscope/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const int fd = memfd_create("fuzz.npy", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  layerscope::Tensor t;
  layerscope::Status st = layerscope::load_npy(path, &t);
  // Refusals must name the file (a bare "stoll" from a stray std::exception does not).
  if (!st && st.message().find(path) == std::string::npos) {
    std::fprintf(stderr, "unclear error for bad input: %s\n", st.message().c_str());
    std::abort();
  }
  // A loaded tensor must hold its whole payload: touch the last byte (ASan checks the bound).
  if (st && t.nbytes() > 0) {
    volatile uint8_t last = static_cast<const uint8_t*>(t.data())[t.nbytes() - 1];
    (void)last;
  }
  return 0;
}
