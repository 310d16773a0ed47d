// `layerscope bench`: end-to-end latency statistics, load time and peak RSS (like
// onnxruntime_perf_test / trtexec). --json prints one JSON object for scripts.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/stats.h"
#include "progress.h"
#include "session_options.h"

namespace layerscope::cli {

namespace {

const CommandSpec kBench = {
    "bench",
    "MODEL.onnx [options]",
    "end-to-end latency statistics (median, min, max, p90), load time, peak RSS",
    "Loads MODEL.onnx, runs it once (which also plans models with symbolic input dims: counted in the load "
    "time), then --warmup un-timed runs and --runs timed ones, and prints the latency statistics over the "
    "timed runs (median, min, max, p90, mean, milliseconds), the load time and the process's peak resident "
    "memory. No per-layer profiler is attached: these are the runtime's plain latencies, comparable with "
    "onnxruntime_perf_test (bench/compare_ort.py does that comparison).",
    join_options({input_options(),
                  thread_options(),
                  {
                      {"warmup", "N", "Un-timed runs after the first one. Default 5."},
                      {"runs", "N", "Timed runs (at least 1). Default 30."},
                      {"json", nullptr,
                       "Print one JSON object instead of text: runtime, version, threads, cores, load_ms, "
                       "latency_ms {median, min, max, p90, mean}, runs, warmup, peak_rss_mb, rss_before_load_mb."},
                  }}),
    {
        "layerscope bench model.onnx",
        "layerscope bench model.onnx --threads 1 --runs 100 --json",
        "layerscope bench model.onnx --cores 0-1 --warmup 10",
    },
};

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}
double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  Args args(argc, argv, kBench);
  if (args.help()) return print_help(kBench);
  if (args.positional().size() != 1) throw UsageError("bench: expected exactly one MODEL argument");
  const SessionOptions opts = session_options(args);
  const int warmup = args.get_int("warmup", 5, 0);
  const int runs = args.get_int("runs", 30, 1);

  const double rss_before = peak_rss_mb();
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<Session> session;
  Status st = Session::load(args.positional()[0], opts, &session);
  if (!st) return report_error(st);
  std::vector<NamedTensor> inputs = prepare_inputs(*session, args);
  std::vector<NamedTensor> outputs;
  st = session->run(inputs, &outputs);  // first run: plans models with symbolic dims
  if (!st) return report_error(st);
  const double load_ms = ms_since(t0);

  Progress progress("bench");
  for (int i = 0; i < warmup; ++i) {
    st = session->run(inputs, &outputs);
    if (!st) return report_error(st);
    progress.update("warm-up", i + 1, warmup);
  }
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto a = std::chrono::steady_clock::now();
    st = session->run(inputs, &outputs);
    if (!st) return report_error(st);
    times.push_back(ms_since(a));
    progress.update("run", i + 1, runs);  // outside the timed interval
  }
  progress.clear();
  Stats s = compute_stats(times);
  PlanSummary plan;
  if (Status planned = session->plan_summary(&plan); !planned) return report_error(planned);
  std::string cores;
  for (int c : opts.cores) {
    if (!cores.empty()) cores += ',';
    cores += std::to_string(c);
  }
  if (args.has("json")) {
    std::printf(
        "{\"runtime\":\"layerscope\",\"version\":\"%s\",\"threads\":%d,\"cores\":[%s],\"load_ms\":%.3f,"
        "\"latency_ms\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,\"p90\":%.4f,\"mean\":%.4f},"
        "\"runs\":%d,\"warmup\":%d,\"peak_rss_mb\":%.1f,\"rss_before_load_mb\":%.1f}\n",
        LAYERSCOPE_VERSION, plan.threads, cores.c_str(), load_ms, s.median, s.min, s.max, s.p90, s.mean, runs, warmup,
        peak_rss_mb(), rss_before);
  } else {
    std::printf("model: %s\nthreads: %d%s\nload (incl. first run): %.1f ms\n", args.positional()[0].c_str(),
                plan.threads, cores.empty() ? "" : (" (pinned to cores " + cores + ")").c_str(), load_ms);
    std::printf("latency over %d runs (after %d warm-up): median %.3f ms, min %.3f, max %.3f, p90 %.3f, mean %.3f\n",
                runs, warmup, s.median, s.min, s.max, s.p90, s.mean);
    std::printf("peak RSS: %.1f MB\n", peak_rss_mb());
  }
  return kExitOk;
}

}  // namespace layerscope::cli
