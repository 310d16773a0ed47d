#include "profile/worker_clocks.h"

#include <omp.h>
#include <pthread.h>

namespace layerscope {

void WorkerClocks::attach(int threads) {
  clocks_.assign(threads, CLOCK_THREAD_CPUTIME_ID);
  omp_set_num_threads(threads);
#pragma omp parallel num_threads(threads)
  {
    clockid_t id;
    if (pthread_getcpuclockid(pthread_self(), &id) == 0) clocks_[omp_get_thread_num()] = id;
  }
}

void WorkerClocks::read(long long* ns) const {
  for (size_t i = 0; i < clocks_.size(); ++i) {
    timespec ts{};
    clock_gettime(clocks_[i], &ts);
    ns[i] = static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  }
}

}  // namespace layerscope
