// Runtime: the reference workflow's state machine over a Session. Stages: empty -> loaded
// (load) -> ready (init_runtime); release() goes back to empty. Each call checks its stage
// first so a call out of order says which call must come before it.
#include "layerscope/runtime.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/guarded.h"
#include "api/image_input.h"
#include "api/session_impl.h"
#include "ir/error.h"
#include "layerscope/random_inputs.h"
#include "runtime/thread_pinning.h"
#include "util/atomic_write.h"

namespace layerscope {

struct Runtime::Impl {
  RuntimeConfig config;
  std::string model_path;
  std::unique_ptr<Session> session;  // set by load()
  SessionOptions session_options;    // what `session` was planned with
  bool ready = false;                // init_runtime() succeeded
  RuntimeInit init;
  std::vector<NamedTensor> last_inputs;  // as the model received them in the latest inference()
  // build(true)'s model (a serialized QDQ ModelProto); `session` runs it once init_runtime()
  // has planned it (`running_quantized`).
  std::string quantized_model;
  bool running_quantized = false;
  // Set while a call runs: a second thread's call fails clearly instead of racing it.
  std::atomic<bool> busy{false};

  // Runs one API call: prefixes an error with the call that failed ("load(): cannot open ..."),
  // and fails at once when another call on this Runtime is running on another thread.
  template <typename F>
  Status step(const char* call, F&& body) {
    bool idle = false;
    if (!busy.compare_exchange_strong(idle, true))
      return Status::error(std::string(call) +
                               ": another call on this Runtime is running on another thread; a Runtime serves one "
                               "thread at a time (use one Runtime per thread)",
                           StatusCode::kFailedPrecondition);
    Status st = guarded(std::forward<F>(body));
    busy.store(false);
    if (st) return st;
    const std::string& m = st.message();
    return m.rfind(call, 0) == 0 ? st : Status::error(std::string(call) + ": " + m, st.code());
  }

  // Throws unless load() (and, when `need_ready`, init_runtime()) came first.
  void require(const char* call, bool need_ready) const {
    if (!session) fail_with(StatusCode::kFailedPrecondition, call, ": no model loaded; call load() first");
    if (need_ready && !ready)
      fail_with(StatusCode::kFailedPrecondition, call, ": the runtime is not initialised; call init_runtime() first");
  }

  // inference()'s inputs as the model receives them: one per declared input (trailing defaults
  // may be left out), image inputs transposed and normalised by the config.
  std::vector<NamedTensor> model_inputs(const std::vector<Tensor>& inputs, DataFormat format) const {
    const std::vector<ValueDesc>& declared = session->inputs();
    size_t required = 0;
    for (const ValueDesc& d : declared) required += !d.has_default;
    if (inputs.size() < required || inputs.size() > declared.size()) {
      const std::string count = required == declared.size()
                                    ? std::to_string(required)
                                    : std::to_string(required) + " to " + std::to_string(declared.size());
      fail("the model has ", count, " input(s) (", describe_values(declared), "), got ", inputs.size(), " tensor(s)");
    }
    const DataFormat fmt = format == DataFormat::AsConfigured ? config.input_format : format;
    std::vector<NamedTensor> out;
    for (size_t i = 0; i < inputs.size(); ++i)
      out.push_back({declared[i].name, to_model_input(inputs[i], declared[i], static_cast<int>(i), config, fmt)});
    return out;
  }

  // accuracy_analysis(): `float_model` empty = the loaded model, against build()'s quantized one.
  void accuracy(const std::string& float_model, const std::vector<Tensor>& inputs, const std::string& out_dir,
                AccuracyReport* report, const AccuracyOptions& options, DataFormat format) {
    require("accuracy_analysis()", false);
    LS_CHECK(!out_dir.empty(), "out_dir must name a folder");
    const bool built = !quantized_model.empty();
    if (float_model.empty())
      LS_CHECK(built,
               "no quantized model: call build(true, dataset) first (or pass the float model when the loaded "
               "model is the quantized one)");
    else LS_CHECK(!built, "the loaded model was quantized by build(): call accuracy_analysis() without a float model");
    std::vector<NamedTensor> sample = model_inputs(inputs, format);
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) fail_with(StatusCode::kIoError, "cannot create '", out_dir, "': ", ec.message());
    AccuracyOptions opt = options;
    opt.tensors_dir = out_dir;
    AccuracyReport r;
    throw_if_error(
        built ? analyze_accuracy(model_path, model_path + " (quantized by build())", {sample}, opt, &r, quantized_model)
              : analyze_accuracy(float_model, model_path, {sample}, opt, &r));
    throw_if_error(write_accuracy_reports(r, out_dir));
    if (report) *report = std::move(r);
  }

  // eval_perf's inputs: the latest inference()'s, else fixed-seed random ones (as the CLI).
  std::vector<NamedTensor> profiling_inputs() const {
    if (!last_inputs.empty()) return last_inputs;
    std::vector<NamedTensor> made;
    Status st = random_inputs(session->inputs(), 0, &made);
    throw_if_error(st, "; call inference() with real inputs first");
    return made;
  }
};

namespace {

const std::vector<ValueDesc> kNoValues;

std::vector<int> mask_cores(const CoreMask& mask) {
  if (mask.is_auto()) return {};
  if (mask.is_all()) return allowed_cores();
  LS_CHECK(!mask.core_ids().empty(), "CoreMask::Of needs at least one core id (use CoreMask::Auto() for no pinning)");
  return mask.core_ids();
}

}  // namespace

Runtime::Runtime() : impl_(std::make_unique<Impl>()) {}
Runtime::~Runtime() = default;

Status Runtime::config(const RuntimeConfig& config) {
  return impl_->step("config()", [&] {
    LS_CHECK(!impl_->session,
             "config() must come before load() (as in the reference workflow); call release() "
             "to start over");
    check_runtime_config(config);
    impl_->config = config;
  });
}

Status Runtime::load(const std::string& onnx_path) {
  return impl_->step("load()", [&] {
    LS_CHECK(!impl_->session, "a model is already loaded ('", impl_->model_path, "'); call release() first");
    std::unique_ptr<Session> session;
    SessionOptions options;
    Status st = Session::load(onnx_path, options, &session);
    throw_if_error(st);
    impl_->session = std::move(session);
    impl_->session_options = options;
    impl_->model_path = onnx_path;
  });
}

const std::vector<ValueDesc>& Runtime::inputs() const { return impl_->session ? impl_->session->inputs() : kNoValues; }

const std::vector<ValueDesc>& Runtime::outputs() const {
  return impl_->session ? impl_->session->outputs() : kNoValues;
}

Status Runtime::init_runtime(const RuntimeInit& init) {
  return impl_->step("init_runtime()", [&] {
    Impl& m = *impl_;
    m.require("init_runtime()", false);
    LS_CHECK(init.threads >= 0, "threads must be >= 0 (0 = one per core), got ", init.threads);
    SessionOptions options;
    options.threads = init.threads;
    options.cores = mask_cores(init.core_mask);
    check_cores(options.cores);  // the session's own check, before the loaded model is given up
    const bool switch_to_quantized = !m.quantized_model.empty() && !m.running_quantized;
    if (switch_to_quantized || options.threads != m.session_options.threads ||
        options.cores != m.session_options.cores) {
      // The plan (kernels, weights packed for the thread count) is built at load: plan again.
      m.ready = false;
      m.session.reset();  // free the old plan first: never two copies of the weights at once
      std::unique_ptr<Session> session;
      Status st =
          m.quantized_model.empty()
              ? Session::load(m.model_path, options, &session)
              : load_session_from_bytes(m.quantized_model, m.model_path + " (quantized by build())", options, &session);
      throw_if_error(st, " (the model is no longer loaded; call load() again)");
      m.session = std::move(session);
      m.session_options = options;
      m.running_quantized = !m.quantized_model.empty();
      m.last_inputs.clear();
    }
    m.init = init;
    m.ready = true;
  });
}

Status Runtime::build(bool do_quantization, const std::string& dataset, const QuantizeOptions& options) {
  return impl_->step("build()", [&] {
    Impl& m = *impl_;
    m.require("build()", false);
    LS_CHECK(!m.running_quantized, "the quantized model is already running; call release() and load() to build again");
    if (!do_quantization) {
      m.quantized_model.clear();
      return;
    }
    LS_CHECK(!dataset.empty(), "do_quantization needs a calibration dataset (a list file or a folder of samples)");
    QuantizeOptions opt = options;
    if (!m.config.mean_values.empty()) opt.image.mean = m.config.mean_values;
    if (!m.config.std_values.empty()) opt.image.std = m.config.std_values;
    opt.image.rgb_to_bgr = m.config.rgb_to_bgr;
    std::string bytes;
    throw_if_error(quantize_model_bytes(m.model_path, dataset, opt, &bytes));
    m.quantized_model = std::move(bytes);
    m.ready = false;  // init_runtime() plans the quantized model
  });
}

Status Runtime::export_model(const std::string& onnx_path) {
  return impl_->step("export_model()", [&] {
    Impl& m = *impl_;
    m.require("export_model()", false);
    if (!m.quantized_model.empty()) {
      throw_if_error(write_file_atomically(onnx_path, {m.quantized_model}));
      return;
    }
    std::ifstream in(m.model_path, std::ios::binary);
    if (!in) fail_with(StatusCode::kIoError, "cannot read the loaded model '", m.model_path, "'");
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    throw_if_error(write_file_atomically(onnx_path, {data}));
  });
}

std::string Runtime::sdk_version() { return LAYERSCOPE_VERSION; }

Status Runtime::eval_perf(PerfReport* report, std::string* text, const ProfileOptions& options) {
  return impl_->step("eval_perf()", [&] {
    Impl& m = *impl_;
    m.require("eval_perf()", true);
    LS_CHECK(m.init.perf_debug, "profiling is off; call init_runtime() with perf_debug = true first");
    LS_CHECK(report, "report must not be null");
    // Derived columns (cycles, MacUsage, Bound) need the machine's roofs. A calibration that
    // could not be cached is still valid for this run, so a cache write error is not fatal.
    MachineInfo machine;
    (void)load_or_calibrate(&machine, false);
    PerfReport r;
    Status st = evaluate_performance(*m.session, m.profiling_inputs(), options, roofs_from_machine(machine), &r);
    throw_if_error(st);
    if (text) *text = format_perf_text(r);
    *report = std::move(r);
  });
}

Status Runtime::eval_memory(MemoryReport* report, std::string* text) {
  return impl_->step("eval_memory()", [&] {
    Impl& m = *impl_;
    m.require("eval_memory()", true);
    LS_CHECK(m.init.eval_mem, "memory evaluation is off; call init_runtime() with eval_mem = true first");
    LS_CHECK(report, "report must not be null");
    PlanSummary plan;
    if (!m.session->plan_summary(&plan)) {
      // Symbolic input dims: the plan exists once a run has bound them.
      std::vector<NamedTensor> outputs;
      Status st = m.session->run(m.profiling_inputs(), &outputs);
      throw_if_error(st);
    }
    MemoryReport r;
    Status st = evaluate_memory(*m.session, &r);
    throw_if_error(st);
    if (text) *text = format_memory_text(r);
    *report = r;
  });
}

Status Runtime::inference(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, DataFormat format) {
  return impl_->step("inference()", [&] {
    Impl& m = *impl_;
    m.require("inference()", true);
    LS_CHECK(outputs, "outputs must not be null");
    std::vector<NamedTensor> given = m.model_inputs(inputs, format);
    std::vector<NamedTensor> results;
    Status st = m.session->run(given, &results);
    throw_if_error(st);
    m.last_inputs = std::move(given);
    outputs->clear();
    for (NamedTensor& r : results) outputs->push_back(std::move(r.tensor));
  });
}

Status Runtime::accuracy_analysis(const std::vector<Tensor>& inputs, const std::string& out_dir, AccuracyReport* report,
                                  const AccuracyOptions& options, DataFormat format) {
  return impl_->step("accuracy_analysis()", [&] { impl_->accuracy("", inputs, out_dir, report, options, format); });
}

Status Runtime::accuracy_analysis(const std::string& float_model, const std::vector<Tensor>& inputs,
                                  const std::string& out_dir, AccuracyReport* report, const AccuracyOptions& options,
                                  DataFormat format) {
  return impl_->step("accuracy_analysis()",
                     [&] { impl_->accuracy(float_model, inputs, out_dir, report, options, format); });
}

void Runtime::release() {
  impl_->session.reset();  // the plan and weights first, then the rest of the state
  impl_ = std::make_unique<Impl>();
}

}  // namespace layerscope
