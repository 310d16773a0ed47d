// Session: load an ONNX model and run it on this machine's CPU.
//
//   std::unique_ptr<layerscope::Session> s;
//   layerscope::Status st = layerscope::Session::load("model.onnx", {}, &s);
//   if (!st) { std::cerr << st.message(); return 1; }
//   std::vector<layerscope::NamedTensor> outputs;
//   st = s->run({{"input", input_tensor}}, &outputs);
//
// Threads: different Sessions are independent and run concurrently on different threads (each
// run's OpenMP team belongs to the calling thread). One Session runs one inference at a time:
// run(), plan_summary() and the profiling calls (profile.h) on the same Session may be called
// from several threads, and wait for each other. The destructor must not overlap any call.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layerscope/status.h"
#include "layerscope/tensor.h"
#include "layerscope/value.h"

namespace layerscope {

// The most intra-op threads a session accepts (SessionOptions::threads): far above any CPU's
// core count, far below what makes OpenMP's thread creation fail.
inline constexpr int kMaxThreads = 1024;

struct SessionOptions {
  // Intra-op threads for every kernel, 0..kMaxThreads; 0 = one per listed core when `cores` is
  // given, else one per available core. Session::load fails on a value outside that range.
  int threads = 0;
  // CPU cores to run on (the reference tool's core mask). Empty = AUTO: no pinning, the OS
  // places the threads. Otherwise OpenMP worker i (the thread calling run() is worker 0) is
  // pinned to cores[i % cores.size()] for every run; when run() returns, the calling thread and
  // the workers have the caller's affinity from before the run back. Ids must be in the process's allowed CPU set
  // (sched_getaffinity) and listed once; load() fails naming the bad id and the allowed set otherwise.
  std::vector<int> cores;
  // Graph rewrites before planning (fusions such as ConvRelu or SDPAttention, activation
  // layouts, Reorders; docs/ARCHITECTURE.md "Passes"). false runs the model's nodes one by one
  // as exported (constant sub-graphs are still folded): slower, but a profile then has one
  // layer per original ONNX node, for A/B checks of what the rewrites buy.
  bool optimize = true;
  // Upper bound on the memory a plan may use (activations, scratch, weights); 0 = the
  // machine's available memory when load() starts (MemAvailable, or the cgroup's limit when
  // lower). Every tensor is checked while shapes are inferred and the whole plan once laid
  // out, before anything is allocated: a model declaring enormous tensors fails with a Status
  // naming the node and the sizes instead of exhausting the machine.
  uint64_t max_memory_bytes = 0;
};

// A graph input or output as the model declares it. Symbolic or unknown dims are -1 in
// `shape` and named (when the model names them) in `dim_names`.
struct ValueDesc {
  std::string name;
  DType dtype = DType::Undefined;
  std::vector<int64_t> shape;
  std::vector<std::string> dim_names;
  bool has_shape = false;
  // An input with a default value: an initializer the model also lists as a graph input (ONNX
  // IR >= 4). Giving it to run() overrides the default; leaving it out uses the default.
  bool has_default = false;
  // A sequence or optional (layerscope/value.h; `dtype` is then its tensors' element type and
  // there is no shape): such an input or output is given and read with run_values.
  ValueType type;
};

// "x FLOAT (1,3,224,224), mask BOOL (batch,?) [has a default]", or "none": the inputs a message
// about a wrong input name lists. Names are escaped for printing (control bytes as \xNN).
std::string describe_values(const std::vector<ValueDesc>& values);

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// One value computed during Session::run_observed: a graph input, or an output of a node.
// `tensor` is a view into the session's buffers, valid only during the callback (clone() it to
// keep it); plain row-major layout.
struct ObservedValue {
  const std::string& name;     // the value's name in the model
  const std::string& node;     // the ONNX node that computed it; empty for a graph input
  const std::string& op_type;  // that node's op type; empty for a graph input
  const Tensor& tensor;
};
using ValueObserver = std::function<void(const ObservedValue&)>;

// Facts about the current execution plan (after the first run for models with symbolic dims).
struct PlanSummary {
  int layers = 0;          // executed steps
  int folded_nodes = 0;    // nodes evaluated at load time (constant sub-graphs)
  size_t arena_bytes = 0;  // activations + scratch as planned
  size_t naive_activation_bytes = 0;
  size_t constant_bytes = 0;  // weights and folded constants as held
  size_t packed_weight_bytes = 0;
  int threads = 0;
};

class Session {
 public:
  // Loads and validates the model; when every input shape is static the execution plan
  // (shapes, kernels, prepacked weights, memory plan) is built here too.
  static Status load(const std::string& model_path, const SessionOptions& options, std::unique_ptr<Session>* session);
  ~Session();

  // The inputs: first those the caller must give, in the model's order, then those with a
  // default (ValueDesc::has_default), in the model's order.
  const std::vector<ValueDesc>& inputs() const;
  const std::vector<ValueDesc>& outputs() const;
  const std::string& model_path() const;

  // Runs the model. Inputs are matched by name, each at most once; all must be given except
  // those with a default. Symbolic dims are bound from the given shapes (a new binding, or
  // overriding a default or no longer overriding it, re-plans). Outputs come back in the
  // model's order.
  // A model with a sequence or optional input or output is refused here, naming it: see run_values.
  Status run(const std::vector<NamedTensor>& inputs, std::vector<NamedTensor>* outputs);
  // run() for inputs and outputs of any type ONNX models use: tensors, sequences of tensors and
  // optionals (AnyValue). Each given value must have the declared type and element type.
  Status run_values(const std::vector<NamedValue>& inputs, std::vector<NamedValue>* outputs);

  // run() that also hands every value it computes to `observer`, in execution order: first the
  // graph inputs, then each node's outputs right after the node ran (calibration statistics,
  // per-tensor accuracy comparison). Needs a Session loaded with SessionOptions::optimize =
  // false, where every node of the model runs as exported, so each value has its ONNX name and
  // a plain layout (the passes fuse nodes away and re-lay-out activations). Values folded at
  // load time (constant sub-graphs, weights) and nodes no output needs are not reported. An
  // exception thrown by `observer` ends the run and comes back as the Status. run() itself is
  // unchanged: with no observer the executor calls nothing.
  Status run_observed(const std::vector<NamedTensor>& inputs, std::vector<NamedTensor>* outputs,
                      const ValueObserver& observer);

  // Plan facts; fails before the first run of a model with symbolic input dims.
  Status plan_summary(PlanSummary* summary) const;

 private:
  struct Impl;
  friend struct SessionAccess;  // the library's internal access (src/api/session_access.h)
  Session();
  std::unique_ptr<Impl> impl_;
};

}  // namespace layerscope
