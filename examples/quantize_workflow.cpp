// The reference tool's quantization workflow with layerscope's C++ Runtime API: profile the float
// model, quantize it to int8 from a calibration dataset (build(do_quantization=True, dataset)),
// profile the int8 model, and compare the two layer by layer: "after quantizing, which layer got
// slow?" answered in one table.
//
//   quantize_workflow MODEL.onnx DATASET OUTDIR [--threads N] [--max-samples N] [--runs N]
//
// DATASET: a list file (one sample per line: the model inputs' .npy or .jpg files) or a folder of
// samples (docs/quantize.md). Writes OUTDIR/model.int8.onnx (the quantized model, ONNX QDQ),
// OUTDIR/fp32/ and OUTDIR/int8/ (perf.txt, perf.json, layers.csv, trace.json, report.html),
// OUTDIR/compare/ (compare.txt, compare.json, compare.html), and prints the memory of both
// models and the comparison. Exit codes: 0 ok, 1 a step failed (the message names it), 2 usage.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "layerscope/compare.h"
#include "layerscope/report.h"
#include "layerscope/runtime.h"
#include "layerscope/workload.h"

namespace ls = layerscope;
namespace fs = std::filesystem;

namespace {

constexpr int kExitFailure = 1, kExitUsage = 2;

const char* kUsage =
    "usage: quantize_workflow MODEL.onnx DATASET OUTDIR [--threads N] [--max-samples N] [--runs N]\n"
    "  Profiles MODEL, quantizes it to int8 on DATASET (a list file or a folder of .npy/.jpg\n"
    "  samples), profiles the int8 model and compares the two layer by layer. Writes\n"
    "  OUTDIR/model.int8.onnx, OUTDIR/fp32/, OUTDIR/int8/ (reports) and OUTDIR/compare/.\n"
    "  --threads N: intra-op threads (default: one per core); --max-samples N: calibration\n"
    "  samples to use (default: all); --runs N: timed runs per profile (default 20).\n";

struct Args {
  std::string model, dataset, outdir;
  int threads = 0, max_samples = 0, runs = 20;
};

bool parse_int(const char* text, int lo, int hi, int* out) {
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || n < lo || n > hi) return false;
  *out = static_cast<int>(n);
  return true;
}

bool parse_args(int argc, char** argv, Args* a) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      if (!parse_int(argv[++i], 0, 4096, &a->threads)) return false;
    } else if (arg == "--max-samples" && has_value) {
      if (!parse_int(argv[++i], 0, 1 << 30, &a->max_samples)) return false;
    } else if (arg == "--runs" && has_value) {
      if (!parse_int(argv[++i], 1, 100000, &a->runs)) return false;
    } else if (arg.rfind("--", 0) == 0) {
      return false;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 3) return false;
  a->model = positional[0];
  a->dataset = positional[1];
  a->outdir = positional[2];
  return true;
}

bool check(const char* step, const ls::Status& st) {
  if (st) return true;
  std::fprintf(stderr, "error: %s failed: %s\n", step, st.message().c_str());
  return false;
}

// eval_perf + eval_memory of what the Runtime runs now, the reports written to `dir`.
bool profile(ls::Runtime& rt, const Args& args, const std::string& dir, ls::PerfReport* perf,
             ls::MemoryReport* memory) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create '%s': %s\n", dir.c_str(), ec.message().c_str());
    return false;
  }
  ls::ProfileOptions options;
  options.runs = args.runs;
  std::string text, memory_text;
  if (!check("eval_perf", rt.eval_perf(perf, &text, options))) return false;
  if (!check("eval_memory", rt.eval_memory(memory, &memory_text))) return false;
  if (!check("writing the reports", ls::write_perf_reports(*perf, dir, text + memory_text))) return false;
  std::printf("wrote %s/perf.txt (and perf.json, layers.csv, trace.json, report.html)\n", dir.c_str());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, &args)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(args.outdir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create output folder '%s': %s\n", args.outdir.c_str(), ec.message().c_str());
    return kExitFailure;
  }
  if (!ls::enable_workload_measurement()) std::puts("note: WorkLoad cannot be measured in this process");

  ls::Runtime rt;
  ls::RuntimeInit init;
  init.perf_debug = true;
  init.eval_mem = true;
  init.threads = args.threads;

  std::printf("--> Loading model %s\n", args.model.c_str());
  if (!check("load", rt.load(args.model))) return kExitFailure;
  if (!check("init_runtime", rt.init_runtime(init))) return kExitFailure;
  std::puts("--> Profiling the float model");
  ls::PerfReport fp32, int8;
  ls::MemoryReport fp32_memory, int8_memory;
  if (!profile(rt, args, (fs::path(args.outdir) / "fp32").string(), &fp32, &fp32_memory)) return kExitFailure;

  std::printf("--> Quantizing on %s\n", args.dataset.c_str());
  ls::QuantizeOptions quantize;
  quantize.max_samples = args.max_samples;
  if (!check("build", rt.build(/*do_quantization=*/true, args.dataset, quantize))) return kExitFailure;
  const std::string int8_model = (fs::path(args.outdir) / "model.int8.onnx").string();
  if (!check("export_model", rt.export_model(int8_model))) return kExitFailure;
  std::printf("wrote %s\n", int8_model.c_str());

  // init_runtime() plans the quantized model build() made.
  if (!check("init_runtime", rt.init_runtime(init))) return kExitFailure;
  std::puts("--> Profiling the int8 model");
  if (!profile(rt, args, (fs::path(args.outdir) / "int8").string(), &int8, &int8_memory)) return kExitFailure;

  std::printf("--> Memory: weights %.2f MiB (float) -> %.2f MiB (int8), total %.2f MiB -> %.2f MiB\n",
              fp32_memory.weight_bytes / 1048576.0, int8_memory.weight_bytes / 1048576.0,
              fp32_memory.total_bytes / 1048576.0, int8_memory.total_bytes / 1048576.0);

  std::puts("--> Comparing float (A) and int8 (B) layer by layer");
  const ls::Comparison c = ls::compare_reports(fp32, int8, "fp32", "int8");
  const std::string text = ls::format_comparison_text(c);
  std::fputs(text.c_str(), stdout);
  const std::string compare_dir = (fs::path(args.outdir) / "compare").string();
  fs::create_directories(compare_dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot create '%s': %s\n", compare_dir.c_str(), ec.message().c_str());
    return kExitFailure;
  }
  if (!check("writing the comparison", ls::write_comparison_files(c, compare_dir, text))) return kExitFailure;
  std::printf("wrote %s/compare.txt (and compare.json, compare.html)\n", compare_dir.c_str());

  // The question the comparison answers: the layers that got slower after quantizing.
  int slower = 0;
  for (const ls::LayerChange& l : c.layers)
    if (l.id_a && l.id_b && l.time.speedup > 0 && l.time.speedup < 1.0) ++slower;
  std::printf("--> %d matched layer(s) are slower in int8 than in float\n", slower);
  rt.release();
  return 0;
}
