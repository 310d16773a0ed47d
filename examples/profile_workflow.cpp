// The reference tool's performance-evaluation script (config, load, list_devices,
// init_runtime, eval_perf, eval_memory, inference, save, release) written with layerscope's
// C++ Runtime API, for a model with one image input (e.g. a Depth-Anything-like depth model).
//
//   profile_workflow MODEL.onnx IMAGE.jpg OUTDIR [--threads N] [--bgr]
//
// Writes OUTDIR/perf.txt (the layer table and op-type ranking, as eval_perf prints them),
// perf.json, layers.csv, trace.json and OUTDIR/out.npy (output 0 of the model on the image).
// Exit codes: 0 ok, 1 a step failed (the message names it), 2 usage error.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "layerscope/image.h"
#include "layerscope/npy.h"
#include "layerscope/report.h"
#include "layerscope/runtime.h"
#include "layerscope/workload.h"

namespace ls = layerscope;

namespace {

constexpr int kExitFailure = 1, kExitUsage = 2;

const char* kUsage =
    "usage: profile_workflow MODEL.onnx IMAGE.jpg OUTDIR [--threads N] [--bgr]\n"
    "  Profiles MODEL layer by layer (tables on stdout and in OUTDIR/perf.txt), evaluates its\n"
    "  memory, runs it on IMAGE (resized to the model's input, ImageNet mean/std) and saves\n"
    "  output 0 as OUTDIR/out.npy. --bgr feeds the channels as B,G,R (models trained on\n"
    "  OpenCV-decoded images). --threads N: intra-op threads (default: one per core).\n";

struct Args {
  std::string model, image, outdir;
  int threads = 0;
  bool bgr = false;
};

bool parse_args(int argc, char** argv, Args* a) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--bgr") {
      a->bgr = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      char* end = nullptr;
      const long n = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || n < 0 || n > 4096) return false;
      a->threads = static_cast<int>(n);
    } else if (arg.rfind("--", 0) == 0) {
      return false;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 3) return false;
  a->model = positional[0];
  a->image = positional[1];
  a->outdir = positional[2];
  return true;
}

// Every step: print what it does, stop with its message on failure (as the reference script).
bool check(const char* step, const ls::Status& st) {
  if (st) return true;
  std::fprintf(stderr, "error: %s failed: %s\n", step, st.message().c_str());
  return false;
}

// The reference feeds a uint8 NHWC batch of one image at the model's input size: decode the
// JPEG and resize it (bilinear) to that size, pixels unchanged (normalisation is the
// Runtime's job, from config()).
ls::Status load_image_nhwc(const std::string& path, const ls::ValueDesc& input, ls::Tensor* batch) {
  const ls::Shape& s = input.shape;
  if (s.size() != 4 || (s[1] != 3 && s[3] != 3))
    return ls::Status::error("the model's input '" + input.name + "' " + ls::shape_to_string(s) +
                             " is not a 3-channel image (N,3,H,W) or (N,H,W,3)");
  const bool nchw = s[1] == 3;
  ls::ValueDesc nhwc_u8 = input;
  nhwc_u8.dtype = ls::DType::U8;
  nhwc_u8.shape = {1, nchw ? s[2] : s[1], nchw ? s[3] : s[2], 3};
  ls::Tensor decoded;
  ls::Status st = ls::load_jpeg(path, &decoded);
  if (!st) return st;
  return ls::preprocess_image(decoded, nhwc_u8, {}, batch);
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, &args)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::error_code ec;
  std::filesystem::create_directories(args.outdir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create output folder '%s': %s\n", args.outdir.c_str(), ec.message().c_str());
    return kExitFailure;
  }

  // WorkLoad (the per-core split) is measured only when the program asks for it: it interposes
  // libgomp for the whole process (layerscope/workload.h, linked from layerscope::workload).
  if (!ls::enable_workload_measurement()) std::puts("note: WorkLoad cannot be measured in this process");

  ls::Runtime rt;
  std::puts("--> Config model");
  ls::RuntimeConfig config;
  config.mean_values = {0.485f * 255, 0.456f * 255, 0.406f * 255};
  config.std_values = {0.229f * 255, 0.224f * 255, 0.225f * 255};
  // The reference sets quant_img_RGB2BGR because OpenCV decodes to BGR; libjpeg gives RGB.
  config.rgb_to_bgr = args.bgr;
  config.input_format = ls::DataFormat::NHWC;
  if (!check("config", rt.config(config))) return kExitFailure;

  std::printf("--> Loading model %s\n", args.model.c_str());
  if (!check("load", rt.load(args.model))) return kExitFailure;
  if (rt.inputs().size() != 1) {
    std::fprintf(stderr, "error: this example feeds one image; '%s' has %zu inputs\n", args.model.c_str(),
                 rt.inputs().size());
    return kExitFailure;
  }
  ls::Tensor image;
  if (!check("reading the image", load_image_nhwc(args.image, rt.inputs()[0], &image))) return kExitFailure;

  std::puts("--> List devices");
  std::vector<ls::DeviceInfo> devices;
  if (!check("list_devices", ls::Runtime::list_devices(&devices))) return kExitFailure;
  for (const ls::DeviceInfo& d : devices)
    std::printf(
        "  %s: %s, %d cores (%d physical), %.2f GHz, fp32 peak %.1f GMAC/s (all cores), %.1f GB/s\n"
        "       ISA: %s\n",
        d.id.c_str(), d.model_name.c_str(), d.logical_cores, d.physical_cores, d.clock_ghz, d.peak_fp32_gmacs_all,
        d.bandwidth_gbs_all, d.isa.c_str());

  std::puts("--> Init runtime environment");
  ls::RuntimeInit init;
  init.perf_debug = true;
  init.eval_mem = true;
  init.threads = args.threads;
  init.core_mask = ls::CoreMask::Auto();
  if (!check("init_runtime", rt.init_runtime(init))) return kExitFailure;
  std::printf("layerscope SDK version: %s\n", ls::Runtime::sdk_version().c_str());

  // Before the first inference eval_perf profiles fixed-seed random inputs (the run time of
  // this kind of model does not depend on the pixel values).
  std::puts("--> Evaluating performance");
  ls::PerfReport perf;
  std::string perf_text;
  if (!check("eval_perf", rt.eval_perf(&perf, &perf_text))) return kExitFailure;
  std::fputs(perf_text.c_str(), stdout);
  if (!check("writing the reports", ls::write_perf_reports(perf, args.outdir, perf_text))) return kExitFailure;
  std::printf("wrote %s/perf.txt (and perf.json, layers.csv, trace.json)\n", args.outdir.c_str());

  std::puts("--> Evaluating memory");
  ls::MemoryReport memory;
  std::string memory_text;
  if (!check("eval_memory", rt.eval_memory(&memory, &memory_text))) return kExitFailure;
  std::fputs(memory_text.c_str(), stdout);

  std::puts("--> Running model");
  std::vector<ls::Tensor> outputs;
  if (!check("inference", rt.inference({image}, &outputs, ls::DataFormat::NHWC))) return kExitFailure;
  const std::string out_path = (std::filesystem::path(args.outdir) / "out.npy").string();
  if (!check("saving output 0", ls::save_npy(out_path, outputs.at(0)))) return kExitFailure;
  std::printf("wrote %s %s\n", out_path.c_str(), ls::shape_to_string(outputs[0].shape()).c_str());

  rt.release();
  return 0;
}
