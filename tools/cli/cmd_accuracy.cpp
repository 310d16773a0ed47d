// `layerscope accuracy`: per-layer accuracy analysis of a quantized model against its float
// original (the reference's accuracy_analysis): entire and single errors, ranked, with the
// layers' share of the time (--perf) and the keep-float advice (--sensitivity).
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/accuracy.h"
#include "progress.h"

namespace layerscope::cli {

namespace {

const CommandSpec kAccuracy = {
    "accuracy",
    "FLOAT.onnx QUANT.onnx [--input NAME=FILE.npy ...|--image FILE.jpg|--dataset FILE|DIR] [options]",
    "per-layer accuracy analysis of a quantized (QDQ) model against its float model",
    "Runs both models on the same inputs (unoptimized, so every tensor exists under its ONNX name), matches each "
    "tensor of the quantized model to the float model's by name (T_QuantizeLinear_Output and "
    "T_DequantizeLinear_Output stand for T; failing that, by the producing node's name) and reports, per quantized "
    "layer ([OpType] node): cosine similarity, relative L2 error ||q - f|| / ||f||, max abs error and SQNR "
    "10 log10(||f||^2 / ||q - f||^2), both 'entire' (the quantized model's tensor: errors accumulate) and "
    "'single' (the layer alone, fed the float model's tensors through its own QuantizeLinear/DequantizeLinear: "
    "the error it adds by itself). Layers are ranked by single SQNR. An undefined metric (an all-zero tensor, "
    "identical tensors) is printed n/a* or inf with its reason. With several samples (--dataset) the metrics are "
    "means over the samples, the worst sample kept in the JSON and CSV.\n\n"
    "--sensitivity keeps each quantized layer in float in turn (its input quantization removed, its float weights "
    "taken from FLOAT.onnx, as `layerscope quantize --keep-float` writes it) and measures the final outputs' "
    "cosine, then builds the keep-float list that reaches --target (greedy, most helpful first) and prints the "
    "`layerscope quantize` command that makes that model.",
    join_options({
        input_options(),
        {
            {"dataset", "FILE|DIR",
             "Samples to analyse on: a list file or a folder, as `layerscope quantize --dataset` (instead of "
             "--input / --image)."},
            {"max-samples", "N", "Use at most the first N dataset samples. Default: all."},
            {"out", "DIR", "Write accuracy.json, accuracy.csv and accuracy.html into DIR (created if needed)."},
            {"tensors", "DIR",
             "Dump the first sample's matched tensors as .npy: DIR/quant/X.npy is the quantized model's tensor X, "
             "DIR/float/X.npy the float tensor it is compared with."},
            {"perf", "FILE",
             "The quantized model's perf.json (or eval_perf text): each layer shows its share of the layer time."},
            {"sensitivity", nullptr, "Each layer kept in float in turn, and the keep-float list (above)."},
            {"target", "COSINE", "Output cosine the keep-float list must reach, in (0, 1]. Default 0.999."},
            {"no-single", nullptr, "Skip the single-layer errors (one small model per layer)."},
            {"threads", "N", "Threads of every run. Default: one per available core."},
        },
    }),
    {
        "layerscope accuracy model.onnx model.int8.onnx --image cat.jpg --mean 123.7,116.3,103.5 --std 58.4,57.1,57.4",
        "layerscope accuracy model.onnx model.int8.onnx --dataset dataset.txt --max-samples 8 --out accuracy/",
        "layerscope accuracy model.onnx model.int8.onnx --dataset calib/ --sensitivity --target 0.9995",
        "layerscope accuracy model.onnx model.int8.onnx --input x=x.npy --perf int8/perf.json --tensors dump/",
    },
};

double target_option(const Args& args) {
  if (!args.has("target")) return 0.999;
  const std::string text = args.get("target");
  double v = 0;
  size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !(v > 0 && v <= 1))
    throw UsageError("--target expects a cosine in (0, 1], got '" + text + "'");
  return v;
}

}  // namespace

int cmd_accuracy(int argc, char** argv) {
  Args args(argc, argv, kAccuracy);
  if (args.help()) return print_help(kAccuracy);
  if (args.positional().size() != 2) throw UsageError("accuracy: expected two arguments, FLOAT.onnx QUANT.onnx");
  const bool from_dataset = args.has("dataset");
  if (from_dataset && (args.has("input") || args.has("image")))
    throw UsageError("accuracy: give the samples either with --dataset or with --input / --image, not both");
  if (args.has("max-samples") && !from_dataset) throw UsageError("--max-samples applies to --dataset only");
  if (args.has("target") && !args.has("sensitivity")) throw UsageError("--target applies to --sensitivity only");
  const std::string float_model = args.positional()[0], quant_model = args.positional()[1];
  namespace fs = std::filesystem;
  for (const std::string& m : {float_model, quant_model}) {
    std::error_code ec;
    if (!fs::is_regular_file(m, ec)) return report_error(Status::error("cannot open model '" + m + "': no such file"));
  }
  AccuracyOptions opt;
  opt.sensitivity = args.has("sensitivity");
  opt.single = !args.has("no-single");
  opt.target_cosine = target_option(args);
  opt.max_samples = args.get_int("max-samples", 0, 1);
  opt.threads = args.get_int("threads", 0, 1, kMaxThreads);
  opt.image = image_preprocess(args);
  opt.perf_path = args.get("perf");
  opt.tensors_dir = args.get("tensors");
  if (!opt.tensors_dir.empty()) {
    std::error_code ec;
    fs::create_directories(opt.tensors_dir, ec);
    if (ec)
      return report_error(Status::error("cannot create tensor folder '" + opt.tensors_dir + "': " + ec.message()));
  }

  Progress progress("accuracy");
  opt.progress = [&](const char* phase, int done, int total) { progress.update(phase, done, total); };
  AccuracyReport report;
  Status st;
  if (from_dataset) {
    st = analyze_accuracy_dataset(float_model, quant_model, args.get("dataset"), opt, &report);
  } else {
    // --input / --image (or fixed-seed random values) for the float model's inputs; the
    // analysis checks that the quantized model takes the same ones.
    SessionOptions so;
    so.optimize = false;
    std::unique_ptr<Session> session;
    st = Session::load(float_model, so, &session);
    if (st) {
      std::vector<NamedTensor> inputs = prepare_inputs(*session, args);
      session.reset();
      st = analyze_accuracy(float_model, quant_model, {inputs}, opt, &report);
    }
  }
  progress.clear();
  if (!st) return report_error(st);
  std::fputs(accuracy_text(report).c_str(), stdout);
  if (!opt.tensors_dir.empty())
    std::fprintf(stderr, "wrote %s/float and %s/quant\n", opt.tensors_dir.c_str(), opt.tensors_dir.c_str());
  if (!args.has("out")) return kExitOk;
  return write_out_dir(args.get("out"), file_names(kAccuracyReportFiles),
                       [&](const std::string& dir) { return write_accuracy_reports(report, dir); });
}

}  // namespace layerscope::cli
