// WorkMeter: how long each OpenMP thread worked during one step (the WorkLoad column).
//
// Measuring it means interposing libgomp's parallel-region entry points for the whole process
// (profile/omp_work.h says why and how). A library must not do that behind its host program's
// back, so the one implementation lives in its own static library, layerscope_workload, which a
// program links and switches on with enable_workload_measurement() (include/layerscope/
// workload.h): the CLI does; a program that only runs models never has libgomp interposed.
// This interface is all the profiler (LayerRecorder) sees.
#pragma once
#include <memory>

namespace layerscope {

class WorkMeter {
 public:
  virtual ~WorkMeter() = default;
  // Zeroes the counters and starts accounting the parallel regions the calling thread opens.
  virtual void start() = 0;
  // Stops accounting (on the thread that called start()).
  virtual void stop() = 0;
  // Since start(): nanoseconds team thread `t` spent in region bodies, less barrier waits.
  virtual long long worked_ns(int t) const = 0;
  // Since start(): wall nanoseconds the calling thread spent inside parallel regions.
  virtual long long region_ns() const = 0;
};

using WorkMeterFactory = std::unique_ptr<WorkMeter> (*)(int threads);

// Installed by layerscope_workload's enable_workload_measurement(); nothing else installs one.
void install_work_meter(WorkMeterFactory factory);
// A meter for `threads` team threads, or nullptr when no meter is installed (WorkLoad unknown).
std::unique_ptr<WorkMeter> make_work_meter(int threads);

}  // namespace layerscope
