// Runtime: the reference tool's Python workflow (config -> load -> init_runtime -> eval_perf /
// eval_memory / inference -> release) as one C++ object, for users who know that loop.
//
//   layerscope::Runtime rt;
//   layerscope::RuntimeConfig cfg;
//   cfg.mean_values = {0.485f * 255, 0.456f * 255, 0.406f * 255};
//   cfg.std_values = {0.229f * 255, 0.224f * 255, 0.225f * 255};
//   cfg.rgb_to_bgr = true;
//   if (auto st = rt.config(cfg); !st) return fail(st);
//   if (auto st = rt.load("depth.onnx"); !st) return fail(st);
//   layerscope::RuntimeInit init;
//   init.perf_debug = true;  init.eval_mem = true;  init.core_mask = layerscope::CoreMask::Auto();
//   if (auto st = rt.init_runtime(init); !st) return fail(st);
//   std::vector<layerscope::Tensor> outputs;
//   rt.inference({nhwc_uint8_image}, &outputs, layerscope::DataFormat::NHWC);
//   layerscope::PerfReport perf;  std::string text;
//   rt.eval_perf(&perf, &text);     // layer table + op-type ranking, as text and as data
//   rt.release();
//
// Every call returns a Status (no exception crosses this API); a call made out of order fails
// with a message naming the call that must come first.
//
// Threads: a Runtime serves one thread at a time, like the reference's RKNN object. A call made
// while another call on the same Runtime is running on another thread fails at once with a
// Status saying so (it never races it); release() and the destructor must not overlap another
// call. Different Runtimes are independent and may run on different threads at the same time.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "layerscope/accuracy.h"
#include "layerscope/machine.h"
#include "layerscope/profile.h"
#include "layerscope/quantize.h"
#include "layerscope/session.h"
#include "layerscope/status.h"
#include "layerscope/tensor.h"

namespace layerscope {

// Memory layout of 4-D image tensors handed to inference(): (N,C,H,W) or (N,H,W,C).
// AsConfigured = the layout set with RuntimeConfig::input_format.
enum class DataFormat { AsConfigured, NCHW, NHWC };

// Preprocessing applied by inference() to every image input: a model input that is 4-D,
// FLOAT or UINT8, with 3 channels at dim 1 (NCHW model) or, failing that, at dim 3 (NHWC
// model). Other inputs are passed to the model unchanged.
struct RuntimeConfig {
  // Per channel, in the order the model receives the channels (i.e. after rgb_to_bgr), on
  // 0..255 pixel values: model value = (pixel - mean) / std. Empty = 0 / 1 (no change).
  // Like the reference's mean_values / std_values (one set, used for every image input).
  std::vector<float> mean_values;
  std::vector<float> std_values;
  // The reference's quant_img_RGB2BGR: the model receives channels 2,1,0 of the given image.
  bool rgb_to_bgr = false;
  // Layout of the images given to inference() when it is called with DataFormat::AsConfigured.
  DataFormat input_format = DataFormat::NCHW;
};

// Which CPUs the runtime's threads run on (the reference's core_mask).
class CoreMask {
 public:
  // No pinning: the operating system places the threads (the reference's AUTO).
  static CoreMask Auto() { return CoreMask(Kind::Auto, {}); }
  // Every CPU this process may use, one pinned thread each (the reference's ALL).
  static CoreMask All() { return CoreMask(Kind::All, {}); }
  // These CPU ids (as in /proc/cpuinfo and DeviceInfo::core_ids), one pinned thread each.
  static CoreMask Of(std::vector<int> core_ids) { return CoreMask(Kind::Explicit, std::move(core_ids)); }

  bool is_auto() const { return kind_ == Kind::Auto; }
  bool is_all() const { return kind_ == Kind::All; }
  // The ids given to Of() (empty for Auto and All).
  const std::vector<int>& core_ids() const { return ids_; }

 private:
  enum class Kind { Auto, All, Explicit };
  CoreMask(Kind kind, std::vector<int> ids) : kind_(kind), ids_(std::move(ids)) {}
  Kind kind_;
  std::vector<int> ids_;
};

struct RuntimeInit {
  bool perf_debug = false;  // allow eval_perf() (per-layer profiling runs)
  bool eval_mem = false;    // allow eval_memory()
  int threads = 0;          // intra-op threads; 0 = one per core of the mask (Auto: per usable core)
  CoreMask core_mask = CoreMask::Auto();
};

// This machine's CPU as the runtime sees it (the reference's list_devices lists boards).
struct DeviceInfo {
  std::string id = "cpu";
  std::string model_name;  // CPUID brand string
  int logical_cores = 0;   // CPUs this process may run on
  int physical_cores = 0;
  std::vector<int> core_ids;                                     // their ids: the valid arguments of CoreMask::Of
  std::string isa;                                               // e.g. "avx2 fma avx512f avx512_vnni"
  double clock_ghz = 0;                                          // measured
  double peak_fp32_gmacs_one_core = 0, peak_fp32_gmacs_all = 0;  // measured
  double bandwidth_gbs_all = 0;                                  // measured roof (read/copy, all cores)
  MachineInfo machine;                                           // the whole calibration (include/layerscope/machine.h)
};

class Runtime {
 public:
  Runtime();
  ~Runtime();
  Runtime(const Runtime&) = delete;  // hold it by std::unique_ptr to pass it around
  Runtime& operator=(const Runtime&) = delete;

  // Preprocessing for inference(). Must come before load(), as in the reference workflow.
  Status config(const RuntimeConfig& config);

  // Reads, validates and plans the model (once per Runtime; release() to load another).
  Status load(const std::string& onnx_path);

  // The reference's build(). do_quantization = false: the float model runs as loaded (nothing
  // to do). true: quantizes the loaded model to int8 from the calibration `dataset`
  // (quantize_model in quantize.h: a list file or a folder of .npy / .jpg samples; images get
  // this Runtime's config: mean_values, std_values, rgb_to_bgr, which replace options.image).
  // The quantized ONNX (QDQ) model is kept for export_model(), and the next init_runtime()
  // plans it, so inference() and eval_perf() then run the quantized model. Needs load().
  Status build(bool do_quantization, const std::string& dataset, const QuantizeOptions& options = {});

  // The reference's export_rknn(): writes the built model as an ONNX file (the quantized model
  // after build(true), else the loaded float model), atomically. Needs load().
  Status export_model(const std::string& onnx_path);

  // The reference's accuracy_analysis(): the float model and its quantized copy run on `inputs`
  // (one sample, given as to inference(): image inputs get this Runtime's config) and every
  // quantized layer's entire and single errors are written to `out_dir` (created if needed):
  // accuracy.json, accuracy.csv, accuracy.html, and the matched tensors as .npy under
  // out_dir/float and out_dir/quant (the reference's snapshot folders). `report` (optional)
  // receives the data; `options` as analyze_accuracy (include/layerscope/accuracy.h; its
  // tensors_dir is replaced by out_dir). Needs build(true, ...): the loaded model is the float one,
  // build()'s the quantized one.
  Status accuracy_analysis(const std::vector<Tensor>& inputs, const std::string& out_dir,
                           AccuracyReport* report = nullptr, const AccuracyOptions& options = {},
                           DataFormat format = DataFormat::AsConfigured);
  // The same when load() loaded a quantized model (no build()): `float_model` is its float original.
  Status accuracy_analysis(const std::string& float_model, const std::vector<Tensor>& inputs,
                           const std::string& out_dir, AccuracyReport* report = nullptr,
                           const AccuracyOptions& options = {}, DataFormat format = DataFormat::AsConfigured);

  // The model's inputs and outputs as declared (empty before load()).
  const std::vector<ValueDesc>& inputs() const;
  const std::vector<ValueDesc>& outputs() const;

  // This machine's CPU, with its measured roofs (calibrated once per machine, then read from
  // the cache: see load_or_calibrate in machine.h). Always exactly one device.
  static Status list_devices(std::vector<DeviceInfo>* devices);

  // Prepares execution: profiling and memory evaluation switches, threads, core mask. Needs
  // load(). When threads or the core mask differ from the plan load() made (all cores, no
  // pinning), the model is planned again for them. May be called again to change them.
  Status init_runtime(const RuntimeInit& init);

  // LAYERSCOPE_VERSION of the library, e.g. "0.1.0".
  static std::string sdk_version();

  // Layer-by-layer performance evaluation (needs init_runtime with perf_debug). Runs on the
  // inputs of the latest inference(), or before any, on fixed-seed random inputs (seed 0, as
  // the CLI). `text` (optional) receives the reference's layer table and op-type ranking.
  // Derived columns use this machine's measured roofs.
  Status eval_perf(PerfReport* report, std::string* text = nullptr, const ProfileOptions& options = {});

  // Weight / internal tensor / other memory of the plan (needs init_runtime with eval_mem).
  // `text` (optional) receives the reference's "Memory Profile Info Dump".
  Status eval_memory(MemoryReport* report, std::string* text = nullptr);

  // Runs the model. `inputs` come one per model input, in the order of inputs(); the trailing
  // inputs that have a default (ValueDesc::has_default) may be left out. Image inputs
  // (see RuntimeConfig) take uint8 or float32 tensors in `format`, are transposed to the
  // model's layout and get rgb_to_bgr and (pixel - mean) / std; a UINT8 model input gets
  // the pixels as they are (and refuses a mean/std config it cannot apply). Outputs come
  // back in the model's order.
  Status inference(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
                   DataFormat format = DataFormat::AsConfigured);

  // Frees the model and every buffer; the Runtime is then as new (config included).
  void release();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace layerscope
