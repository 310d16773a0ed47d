// GOMP_SPINCOUNT=1000 for the `layerscope` command unless the environment sets a wait policy
// (omp_wait_default.cpp says why and how).
#pragma once

namespace layerscope::cli {

// Call first thing in main(): may replace the process image (same argv) once.
void apply_omp_wait_default(char** argv);

}  // namespace layerscope::cli
