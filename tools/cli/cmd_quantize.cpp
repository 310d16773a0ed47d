// `layerscope quantize`: static int8 quantization from a calibration dataset (the reference's
// build(do_quantization=True, dataset=...)), written as an ONNX QDQ model.
#include <cstdio>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/quantize.h"
#include "progress.h"

namespace layerscope::cli {

namespace {

const CommandSpec kQuantize = {
    "quantize",
    "MODEL.onnx --dataset FILE|DIR --out MODEL.int8.onnx [options]",
    "quantize a model to int8 (ONNX QDQ) from a calibration dataset",
    "Runs MODEL.onnx on layerscope's runtime over every calibration sample, collects the range of each "
    "activation that a quantized node reads, and writes the model in the ONNX QDQ format: QuantizeLinear / "
    "DequantizeLinear pairs on those activations (int8, asymmetric), int8 weights (symmetric, per output channel "
    "unless --per-tensor) and int32 biases, as onnxruntime's quantize_static writes them with QInt8 activations "
    "and weights (S8S8), so onnxruntime runs the file too. Quantized: Conv, ConvTranspose, MatMul, Gemm, Add, "
    "Mul, Concat, Relu, Clip, LeakyRelu, Sigmoid, Softmax, MaxPool, AveragePool, GlobalAveragePool; a Relu or "
    "Clip that alone follows a Conv, MatMul, Gemm or Add is applied before the quantization (no pair between "
    "them); graph outputs stay float. docs/quantize.md has the details.\n\n"
    "The dataset is a list file, one sample per line with one file per model input in the model's input order "
    "separated by spaces (.npy arrays matching the input's type and shape, or images (.jpg, .png, .bmp, "
    ".ppm/.pgm/.pbm/.pnm) decoded and "
    "preprocessed with --mean, --std and --bgr as `run --image` does; relative paths are relative to the "
    "list file; blank lines and lines starting with # are skipped), or a folder whose .npy and image files are "
    "one sample each (one-input models). The output is written complete or not at all.",
    join_options({
        {
            {"dataset", "FILE|DIR", "Calibration samples: a list file or a folder (above). Required."},
            {"out", "FILE", "Where to write the quantized model. Required; its folder must exist."},
            {"method", "NAME",
             "Calibration: minmax (the extremes over every sample; default), percentile (clip the (100 - P)% most "
             "extreme values at each end) or entropy (the threshold with the least KL divergence between the "
             "histogram and its int8 copy, as TensorRT calibrates)."},
            {"percentile", "P", "For --method percentile: P in (0, 100]. Default 99.999."},
            {"per-tensor", nullptr, "One scale per weight tensor instead of one per output channel."},
            {"keep-float", "NODE,...",
             "Leave these ONNX nodes in float (the reference's hybrid quantization): they read their inputs "
             "unquantized. Unknown names are an error. Repeatable.",
             true},
            {"max-samples", "N", "Calibrate on at most the first N samples. Default: all."},
            {"threads", "N", "Threads of the calibration runs. Default: one per available core."},
        },
        {input_options()[2], input_options()[3], input_options()[4]},  // --mean, --std, --bgr
    }),
    {
        "layerscope quantize model.onnx --dataset dataset.txt --out model.int8.onnx",
        "layerscope quantize resnet50.onnx --dataset calib/ --out resnet50.int8.onnx --method entropy",
        "layerscope quantize model.onnx --dataset images/ --mean 123.7,116.3,103.5 --std 58.4,57.1,57.4 --out q.onnx",
        "layerscope quantize model.onnx --dataset dataset.txt --out q.onnx --keep-float /head/Conv,/head/Add",
    },
};

CalibrationMethod method_named(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  if (name == "entropy") return CalibrationMethod::Entropy;
  throw UsageError("--method must be minmax, percentile or entropy, got '" + name + "'");
}

double percentile_option(const Args& args) {
  if (!args.has("percentile")) return 99.999;
  const std::string text = args.get("percentile");
  double p = 0;
  size_t used = 0;
  try {
    p = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !(p > 0 && p <= 100))
    throw UsageError("--percentile expects a number in (0, 100], got '" + text + "'");
  return p;
}

std::vector<std::string> node_list(const Args& args) {
  std::vector<std::string> names;
  for (const std::string& spec : args.all("keep-float")) {
    std::stringstream items(spec);
    for (std::string name; std::getline(items, name, ',');) {
      if (name.empty()) throw UsageError("--keep-float expects comma-separated node names, got '" + spec + "'");
      names.push_back(name);
    }
  }
  return names;
}

}  // namespace

int cmd_quantize(int argc, char** argv) {
  Args args(argc, argv, kQuantize);
  if (args.help()) return print_help(kQuantize);
  if (args.positional().size() != 1) throw UsageError("quantize: expected exactly one MODEL argument");
  if (!args.has("dataset")) throw UsageError("quantize: --dataset FILE|DIR is required");
  if (!args.has("out")) throw UsageError("quantize: --out FILE is required");
  if (args.has("percentile") && args.get("method", "minmax") != "percentile")
    throw UsageError("--percentile applies to --method percentile only");
  QuantizeOptions opt;
  opt.method = method_named(args.get("method", "minmax"));
  opt.percentile = percentile_option(args);
  opt.per_channel = !args.has("per-tensor");
  opt.keep_float = node_list(args);
  opt.max_samples = args.get_int("max-samples", 0, 1);
  opt.threads = args.get_int("threads", 0, 1, kMaxThreads);
  opt.image = image_preprocess(args);
  const std::string model = args.positional()[0], out = args.get("out");

  Progress progress("quantize");
  QuantizeSummary s;
  Status st = quantize_model(model, args.get("dataset"), out, opt, &s,
                             [&](int done, int total) { progress.update("calibration sample", done, total); });
  progress.clear();
  if (!st) return report_error(st);
  std::fprintf(stderr, "calibrated on %d sample(s) (%s)\n", s.samples, calibration_method_name(opt.method));
  for (const std::string& note : s.notes) std::fprintf(stderr, "note: %s\n", note.c_str());
  std::printf(
      "quantized %d node(s) (%d kept in float): %d activation(s), %d int8 weight(s) (%s), %d int32 bias(es); "
      "opset %d\n",
      s.quantized_nodes, s.kept_float, s.activations, s.weights, opt.per_channel ? "per channel" : "per tensor",
      s.biases, s.opset);
  std::fprintf(stderr, "wrote %s\n", out.c_str());
  return kExitOk;
}

}  // namespace layerscope::cli
