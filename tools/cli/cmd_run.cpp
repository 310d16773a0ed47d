// `layerscope run`: run a model once (plus optional timed repeats), save its outputs.
#include <chrono>
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "help.h"
#include "inputs.h"
#include "layerscope/npy.h"
#include "layerscope/printable.h"
#include "layerscope/stats.h"
#include "progress.h"
#include "session_options.h"

namespace layerscope::cli {

namespace {

const CommandSpec kRun = {
    "run",
    "MODEL.onnx [options]",
    "run a model, print its outputs' shapes and latency, save the outputs as .npy",
    "Loads MODEL.onnx, runs it (warm-up runs first, then timed runs) and prints each output's name, type "
    "and shape and a latency summary. With --out, each output is saved as DIR/<output name>.npy, readable with "
    "numpy.load: bytes other than letters, digits, '-', '_' and '.' become '_' (a leading '.' too, names are cut "
    "at 200 bytes), and when two outputs' names come out the same (a/b and a_b) each of them gets ~<its "
    "position among the outputs> (a_b~0.npy, a_b~1.npy). The files are written all or none: when one cannot "
    "be written, none is created or replaced, and a DIR created for them is removed again.",
    join_options(
        {input_options(),
         thread_options(),
         {
             {"out", "DIR", "Save every output as DIR/<name>.npy (the folder is created if missing; naming above)."},
             {"warmup", "N", "Un-timed runs before the timed ones. Default 1."},
             {"runs", "N", "Timed runs for the latency summary (at least 1). Default 5."},
         }}),
    {
        "layerscope run model.onnx",
        "layerscope run model.onnx --input images=batch.npy --out outputs/",
        "layerscope run depth.onnx --image front.jpg --mean 123.7,116.3,103.5 --std 58.4,57.1,57.4 --out out/",
        "layerscope run model.onnx --cores 1 --runs 20",
    },
};

// "output y  FLOAT  (1,3)"; a sequence also lists its tensors' shapes:
// "output s  seq(tensor(FLOAT)) of 2 tensors: (2,3) (1,3)".
void print_output(const NamedValue& o) {
  const AnyValue& v = o.value;
  if (v.is_tensor()) {
    std::printf("output %-24s %-8s %s\n", printable(o.name).c_str(), dtype_name(v.tensor.dtype()),
                shape_to_string(v.tensor.shape()).c_str());
    return;
  }
  std::string shapes;
  const bool holds_sequence =
      v.type.kind == ValueKind::Sequence || (v.has_element && v.type.held == ValueKind::Sequence);
  for (const Tensor& t : holds_sequence ? v.sequence : std::vector<Tensor>{})
    shapes += " " + shape_to_string(t.shape());
  std::printf("output %-24s %s%s\n", printable(o.name).c_str(), v.describe().c_str(),
              shapes.empty() ? "" : (":" + shapes).c_str());
}

// The tensors --out saves: each tensor output under its name; a sequence's tensors (or an
// optional's element) as <name>_0, <name>_1, ...; an empty optional saves nothing.
std::vector<NamedTensor> output_tensors(const std::vector<NamedValue>& outputs) {
  std::vector<NamedTensor> out;
  for (const NamedValue& o : outputs) {
    const AnyValue& v = o.value;
    if (v.is_tensor() || (v.has_element && v.type.held == ValueKind::Tensor)) out.push_back({o.name, v.tensor});
    for (size_t k = 0; k < v.sequence.size(); ++k) out.push_back({o.name + "_" + std::to_string(k), v.sequence[k]});
  }
  return out;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  Args args(argc, argv, kRun);
  if (args.help()) return print_help(kRun);
  if (args.positional().size() != 1) throw UsageError("run: expected exactly one MODEL argument");
  const std::string model = args.positional()[0];
  const SessionOptions opts = session_options(args);
  const int warmup = args.get_int("warmup", 1, 0);
  const int runs = args.get_int("runs", 5, 1);

  std::unique_ptr<Session> session;
  auto t0 = std::chrono::steady_clock::now();
  Status st = Session::load(model, opts, &session);
  if (!st) return report_error(st);
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::vector<NamedTensor> inputs = prepare_inputs(*session, args);

  // Outputs may be sequences or optionals (layerscope/value.h): run_values serves every model.
  std::vector<NamedValue> values_in;
  for (NamedTensor& t : inputs) values_in.push_back({t.name, AnyValue(t.tensor)});
  std::vector<NamedValue> outputs;
  std::vector<double> times;
  Progress progress("run");
  for (int i = 0; i < warmup + runs; ++i) {
    auto a = std::chrono::steady_clock::now();
    st = session->run_values(values_in, &outputs);
    if (!st) return report_error(st);
    if (i >= warmup)
      times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    if (i < warmup) progress.update("warm-up", i + 1, warmup);
    else progress.update("run", i + 1 - warmup, runs);
  }
  progress.clear();
  std::printf("model: %s\n", model.c_str());
  for (const NamedValue& o : outputs) print_output(o);
  Stats s = compute_stats(times);
  std::printf("load: %.1f ms; latency over %d runs (after %d warm-up): median %.3f ms, min %.3f, max %.3f, p90 %.3f\n",
              load_ms, runs, warmup, s.median, s.min, s.max, s.p90);

  if (args.has("out")) {
    const std::vector<NamedTensor> tensors = output_tensors(outputs);
    std::vector<std::string> names;
    for (const NamedTensor& o : tensors) names.push_back(o.name);
    const std::vector<std::string> files = output_file_names(names);
    std::vector<NamedTensor> saved;
    for (size_t i = 0; i < tensors.size(); ++i) saved.push_back({files[i], tensors[i].tensor});
    return write_out_dir(args.get("out"), files, [&](const std::string& dir) { return save_npy_files(dir, saved); });
  }
  return kExitOk;
}

}  // namespace layerscope::cli
