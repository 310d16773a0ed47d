// CPU-time clocks of the OpenMP worker threads (the threads oneDNN and our native kernels
// run on), so the profiler can split each layer's work across cores (the WorkLoad column).
// Note: libgomp workers spin for a while before sleeping; spinning counts as CPU time, so a
// layer that leaves a thread idle for less than the spin period still shows it as busy.
#pragma once
#include <ctime>
#include <vector>

namespace layerscope {

class WorkerClocks {
 public:
  // Collects the clocks of the `threads` threads of the OpenMP pool (thread 0 = caller).
  void attach(int threads);
  int size() const { return static_cast<int>(clocks_.size()); }
  // Writes each worker's consumed CPU time in nanoseconds.
  void read(long long* ns) const;

 private:
  std::vector<clockid_t> clocks_;
};

}  // namespace layerscope
