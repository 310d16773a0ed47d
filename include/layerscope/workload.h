// WorkLoad measurement: each layer's work split across the OpenMP threads (the reference
// tool's per-core WorkLoad column).
//
// It works by interposing libgomp's parallel-region entry points for the whole process
// (docs/report-schema.md, "How WorkLoad is measured"), which a library should not do behind its
// host program's back. So it is a choice: link the separate library layerscope_workload
// (CMake: layerscope::workload; pkg-config: layerscope-workload) and call
// enable_workload_measurement() once before profiling. Without it every profile works the same
// but reports WorkLoad as unknown, and Session::run never goes through the interposers.
// The `layerscope` command enables it.
#pragma once

namespace layerscope {

// Returns true when the interposition is in effect for every parallel region in the process
// (libdnnl.so's included); false when it cannot be (e.g. this code loaded with
// dlopen(RTLD_LOCAL)): WorkLoad then stays unknown. Safe to call more than once.
bool enable_workload_measurement();

}  // namespace layerscope
