// evaluate_performance / evaluate_memory: the public profiling calls on a Session. They bind the
// inputs and lock the session like Session::run does, then hand its executor to profile/.
#include <mutex>

#include "api/guarded.h"
#include "api/session_access.h"
#include "layerscope/profile.h"
#include "profile/profiling_runs.h"

namespace layerscope {

Status evaluate_performance(Session& session, const std::vector<NamedTensor>& inputs, const ProfileOptions& options,
                            const Roofs& roofs, PerfReport* report) {
  return guarded_for_model(session.model_path(), [&] {
    SessionAccess::Impl& m = SessionAccess::impl(session);
    std::lock_guard<std::mutex> lock(m.run_mutex);
    std::vector<Tensor> ordered = m.bind(inputs);
    profile_runs(*m.executor, ordered, options, roofs, m.options.cores, m.options.optimize, report);
  });
}

Status evaluate_memory(Session& session, MemoryReport* report) {
  return guarded_for_model(session.model_path(), [&] {
    SessionAccess::Impl& m = SessionAccess::impl(session);
    std::lock_guard<std::mutex> lock(m.run_mutex);
    LS_CHECK(m.executor != nullptr, "no execution plan yet: the model has symbolic input dims; run it once first");
    *report = memory_of(m.executor->plan());
  });
}

}  // namespace layerscope
