// The `layerscope` command's default for how long idle OpenMP threads spin: GOMP_SPINCOUNT=1000
// unless the user's environment already says (GOMP_SPINCOUNT or OMP_WAIT_POLICY).
//
// Why: libgomp's default lets a thread that waits for the next parallel region (or at a barrier)
// spin up to 300,000 pause iterations - milliseconds - before it sleeps. On a quiet machine that
// is harmless; on a busy one (a build next to the profiler, another process on the cores) the
// spinning thread keeps its core while its team mate waits to be scheduled, and every parallel
// region of every layer pays for it. Measured on a 2-core Zen 5 next to two compiler loops
// (`layerscope bench`, medians of 5 rounds of 10 runs, 2 threads): LR-ASPP 85 ms by default,
// 51 ms with 1000 (1 thread 51, onnxruntime 57); ResNet-50 302 -> 80 ms (onnxruntime 128).
// Quiet, 1000 measured within noise of the default (issue 12's notes); OMP_WAIT_POLICY=passive
// is better still under load but 2-6x slower on small models when quiet, so it stays the
// user's choice.
//
// How: libgomp reads its environment once, in its constructor, before main(); and glibc's own
// initialisation resets the environment to the one the process started with, so not even a
// .preinit_array function can set it in time. So the command sets the variable and executes
// itself again (once: the second image finds it set), before anything else is loaded or
// printed. If that exec fails, it carries on with libgomp's defaults. The library and the Python
// module cannot do this for their host process (libgomp may already be loaded there): README and
// docs/python.md tell their users to export GOMP_SPINCOUNT=1000 themselves.
#include "omp_wait_default.h"

#include <limits.h>
#include <unistd.h>

#include <cstdlib>

namespace layerscope::cli {

void apply_omp_wait_default(char** argv) {
  if (std::getenv("GOMP_SPINCOUNT") != nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  // The file's own path, not /proc/self/exe: the process is named after what was executed, and
  // `ps` should keep showing "layerscope".
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0 || n >= static_cast<ssize_t>(sizeof path - 1)) return;
  path[n] = '\0';
  if (setenv("GOMP_SPINCOUNT", "1000", 1) != 0) return;
  execv(path, argv);
  unsetenv("GOMP_SPINCOUNT");  // exec failed: libgomp runs with the defaults it already read
}

}  // namespace layerscope::cli
