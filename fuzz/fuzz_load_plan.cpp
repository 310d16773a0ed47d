// libFuzzer target: bytes -> parse_onnx_model -> build_plan, as Session::load does for a model
// (src/api/session.cpp), but without creating the Executor: planning is the target, and a
// hostile model may plan a huge arena that would only be allocated when it runs.
//
// Every graph input is bound to its declared shape, a symbolic or unknown dim to 1 and an input
// without a declared shape to (1). The memory budget is 2 GiB, as `--max-memory 2G` sets it
// (the fuzzer's own limits are -rss_limit_mb=2048 -malloc_limit_mb=2048): a plan needing more
// must be refused before anything is allocated. A layerscope::Error is the expected answer to bad input;
// anything else escaping (another exception, a sanitizer report, a crash, a hang) is a bug.
#include <omp.h>

#include <cstdint>
#include <string>

#include "ir/error.h"
#include "onnx/model_loader.h"
#include "runtime/plan.h"

namespace {

layerscope::InputBinding bind_declared_or_small(const layerscope::Graph& g) {
  layerscope::InputBinding b;
  for (int id : g.inputs) {
    const layerscope::Value& v = g.values[id];
    layerscope::TensorInfo t{v.dtype, {1}};
    if (v.declared_shape) {
      t.shape.clear();
      for (const layerscope::DeclaredDim& d : *v.declared_shape) t.shape.push_back(d.size >= 0 ? d.size : 1);
    }
    b[v.name] = t;
  }
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace layerscope;
  static const int threads = omp_get_num_procs();  // Session's default thread count
  static const MemoryBudget budget = memory_budget(uint64_t{2} << 30);
  try {
    Graph g = parse_onnx_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx");
    check_ops_supported(g, Registry::builtin());
    InputBinding b = bind_declared_or_small(g);
    ExecutionPlan plan = build_plan(std::move(g), b, Registry::builtin(), PlanOptions{threads, true, budget});
  } catch (const Error&) {
    // A clear refusal: what bad input must get.
  }
  return 0;
}
