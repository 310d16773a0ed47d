// SessionOptions::cores: the OpenMP workers really run on the requested cores during a run (seen
// from inside the run by an observer), every worker and the caller get their affinity back when
// the run ends (the host program's own OpenMP regions never inherit the pins), and bad ids are
// refused with a clear message.
#include "runtime/thread_pinning.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <sched.h>

#include <algorithm>

#include "api/session_access.h"
#include "layerscope/profile.h"
#include "onnx_builder.h"

namespace layerscope {
namespace {

using testing::TempDir;

std::vector<int> own_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  std::vector<int> cores;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cores.push_back(c);
  return cores;
}

// Affinity of OpenMP worker `t` of the calling thread's pool (`threads` in the team).
std::vector<int> worker_affinity(int threads, int t) {
  std::vector<int> seen;
  omp_set_num_threads(threads);
#pragma omp parallel num_threads(threads)
  if (omp_get_thread_num() == t) seen = own_affinity();
  return seen;
}

// Records, inside the run, the affinity and the CPU of the thread running the steps (worker 0)
// and the affinity of worker 1 of its pool.
class AffinityProbe final : public ExecutionObserver {
 public:
  void on_step_begin(int) override {
    affinity = own_affinity();
    cpu = sched_getcpu();
    worker1 = worker_affinity(2, 1);
  }
  std::vector<int> affinity, worker1;
  int cpu = -1;
};

class ThreadPinning : public ::testing::Test {
 protected:
  void SetUp() override { model_ = dir_.write_model("relu.onnx", testing::single_node_model("Relu", {1, 8, 16, 16})); }

  // Loads the model with `cores`/`threads`, runs it once with the probe attached.
  Status run_pinned(std::vector<int> cores, int threads, AffinityProbe* probe, std::unique_ptr<Session>* out) {
    SessionOptions o;
    o.cores = std::move(cores);
    o.threads = threads;
    Status st = Session::load(model_, o, out);
    if (!st) return st;
    SessionAccess::Impl& m = SessionAccess::impl(**out);
    std::vector<Tensor> ordered = m.bind({{"x", Tensor(DType::F32, {1, 8, 16, 16})}});
    m.executor->run(ordered, probe);
    return Status::ok();
  }

  TempDir dir_;
  std::string model_;
};

TEST_F(ThreadPinning, WorkersRunOnTheRequestedCore) {
  const std::vector<int> allowed = allowed_cores();
  const std::vector<int> caller_before = own_affinity();
  for (int core : {0, 1}) {
    if (!std::binary_search(allowed.begin(), allowed.end(), core)) {
      GTEST_SKIP() << "core " << core << " is not available to this process";
    }
    SCOPED_TRACE("core " + std::to_string(core));
    AffinityProbe probe;
    std::unique_ptr<Session> s;
    ASSERT_TRUE(run_pinned({core}, 2, &probe, &s));
    EXPECT_EQ(probe.affinity, std::vector<int>{core});  // worker 0 = the caller, during the run
    EXPECT_EQ(probe.cpu, core);
    EXPECT_EQ(probe.worker1, std::vector<int>{core});  // worker 1 bound to cores[1 % 1] during the run
    EXPECT_EQ(own_affinity(), caller_before);          // the caller got its affinity back
    EXPECT_EQ(worker_affinity(2, 1), caller_before);   // and so did the worker
  }
}

TEST_F(ThreadPinning, OneThreadPerListedCoreAndThePinsEndWithTheRun) {
  const std::vector<int> allowed = allowed_cores();
  if (allowed.size() < 2) GTEST_SKIP() << "needs two usable cores";
  const std::vector<int> two = {allowed[1], allowed[0]};  // order matters: worker i -> two[i]
  AffinityProbe probe;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(run_pinned(two, 0, &probe, &s));
  PlanSummary plan;
  ASSERT_TRUE(s->plan_summary(&plan));
  EXPECT_EQ(plan.threads, 2);  // no thread count: one per listed core
  EXPECT_EQ(probe.affinity, std::vector<int>{two[0]});
  EXPECT_EQ(probe.worker1, std::vector<int>{two[1]});
  EXPECT_EQ(worker_affinity(2, 1), own_affinity());

  // An AUTO session on the same calling thread runs unpinned.
  std::unique_ptr<Session> autos;
  ASSERT_TRUE(run_pinned({}, 2, &probe, &autos));
  EXPECT_EQ(probe.affinity, own_affinity());
  EXPECT_EQ(probe.worker1, own_affinity());
  EXPECT_EQ(worker_affinity(2, 1), own_affinity());
}

TEST_F(ThreadPinning, TheReportRecordsTheCores) {
  const std::vector<int> allowed = allowed_cores();
  SessionOptions o;
  o.cores = {allowed.back()};
  o.threads = 2;
  std::unique_ptr<Session> s;
  ASSERT_TRUE(Session::load(model_, o, &s));
  ProfileOptions po;
  po.warmup = 0;
  po.runs = 2;
  PerfReport r;
  ASSERT_TRUE(evaluate_performance(*s, {{"x", Tensor(DType::F32, {1, 8, 16, 16})}}, po, Roofs{}, &r));
  EXPECT_EQ(r.cores, (std::vector<int>{allowed.back(), allowed.back()}));
  const std::string pinned = "Pinned: worker 0 -> core " + std::to_string(allowed.back()) + ", worker 1 -> core " +
                             std::to_string(allowed.back()) + "\n";
  EXPECT_NE(format_perf_text(r).find(pinned), std::string::npos) << format_perf_text(r);
}

TEST_F(ThreadPinning, UnavailableOrRepeatedCoresAreRefused) {
  const std::vector<int> allowed = allowed_cores();
  const int missing = allowed.back() + 1;
  SessionOptions o;
  o.cores = {allowed[0], missing};
  std::unique_ptr<Session> s;
  Status st = Session::load(model_, o, &s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("core " + std::to_string(missing) + " is not available to this process"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("allowed cores: " + core_list_text(allowed)), std::string::npos) << st.message();
  o.cores = {-1};
  EXPECT_FALSE(Session::load(model_, o, &s));
  o.cores = {allowed[0], allowed[0]};
  st = Session::load(model_, o, &s);
  ASSERT_FALSE(st);
  EXPECT_NE(st.message().find("listed twice"), std::string::npos) << st.message();
}

TEST(CoreListText, CompressesRuns) {
  EXPECT_EQ(core_list_text({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(core_list_text({0, 2, 3, 7}), "0,2-3,7");
  EXPECT_EQ(core_list_text({5}), "5");
  EXPECT_EQ(core_list_text({}), "");
}

}  // namespace
}  // namespace layerscope
