#include "profile/work_meter.h"

#include <atomic>

namespace layerscope {

namespace {
std::atomic<WorkMeterFactory> g_factory{nullptr};
}  // namespace

void install_work_meter(WorkMeterFactory factory) { g_factory.store(factory); }

std::unique_ptr<WorkMeter> make_work_meter(int threads) {
  const WorkMeterFactory f = g_factory.load();
  return f ? f(threads) : nullptr;
}

}  // namespace layerscope
