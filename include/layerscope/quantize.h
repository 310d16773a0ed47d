// Static int8 quantization from a calibration dataset (the reference's
// build(do_quantization=True, dataset=...)): the model runs on layerscope's own runtime over the
// dataset, every activation a quantized node reads gets a calibrated range, and the model is
// written as standard ONNX in the QDQ format (QuantizeLinear/DequantizeLinear pairs, int8
// weights, int32 biases; onnxruntime's S8S8 conventions), which onnxruntime runs too.
// docs/quantize.md: which nodes are quantized, the calibration methods, the names written.
//
//   layerscope::QuantizeOptions opt;
//   opt.method = layerscope::CalibrationMethod::Entropy;
//   layerscope::QuantizeSummary summary;
//   layerscope::Status st = layerscope::quantize_model("model.onnx", "dataset.txt",
//                                                      "model.int8.onnx", opt, &summary);
//
// Threads: quantize_model runs on the calling thread (and its OpenMP team); concurrent calls on
// different threads are independent.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "layerscope/image.h"
#include "layerscope/status.h"

namespace layerscope {

enum class CalibrationMethod {
  MinMax,      // the smallest and largest value over every sample
  Percentile,  // clip the (100 - percentile)% most extreme values at each end
  Entropy,     // the clipping threshold with the least KL divergence (TensorRT's method)
};

struct QuantizeOptions {
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.999;  // for Percentile; in (0, 100]
  bool per_channel = true;     // int8 weights per output channel; false: one scale per tensor
  // ONNX node names to leave in float: their inputs are read unquantized. Unknown names fail.
  std::vector<std::string> keep_float;
  int max_samples = 0;    // use at most this many dataset samples; 0 = all
  ImagePreprocess image;  // for image samples: mean, std, channel order (as `run --image`)
  int threads = 0;        // calibration runs' threads; 0 = one per core
};

struct QuantizeSummary {
  int samples = 0;                 // calibration samples run
  int quantized_nodes = 0;         // nodes reading dequantized inputs
  int kept_float = 0;              // nodes kept in float by QuantizeOptions::keep_float
  int activations = 0;             // activation tensors with a QuantizeLinear/DequantizeLinear pair
  int weights = 0;                 // int8 weight tensors
  int biases = 0;                  // int32 bias tensors
  int opset = 0;                   // ai.onnx opset of the written model
  std::vector<std::string> notes;  // anything changed or left out, for the user to read
};

// Called after each calibration sample: (samples done, samples in total).
using QuantizeProgress = std::function<void(int done, int total)>;

// Calibrates `model_path` on `dataset` (a list file, one sample per line with one file per model
// input, .npy or .jpg; or a folder of such files for a one-input model) and writes the QDQ model
// to `out_path` atomically (complete or not at all). Fails, naming the file, sample and input,
// on a missing or empty dataset, a sample that does not fit the model's input, a model already
// quantized or one whose opset cannot carry per-channel weights, or an unknown keep_float name.
Status quantize_model(const std::string& model_path, const std::string& dataset, const std::string& out_path,
                      const QuantizeOptions& options = {}, QuantizeSummary* summary = nullptr,
                      const QuantizeProgress& progress = {});

// The same, returning the quantized model's bytes (a serialized ONNX ModelProto) instead of
// writing a file.
Status quantize_model_bytes(const std::string& model_path, const std::string& dataset, const QuantizeOptions& options,
                            std::string* model_bytes, QuantizeSummary* summary = nullptr,
                            const QuantizeProgress& progress = {});

// "minmax", "percentile", "entropy".
const char* calibration_method_name(CalibrationMethod method);

}  // namespace layerscope
