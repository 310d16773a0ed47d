// Per-layer accuracy analysis of a quantized model against its float original (the reference's
// accuracy_analysis, with relative measures, stated reasons, a ranking and a keep-float advice).
// docs/quantize.md, "Accuracy analysis", has the definitions.
//
//   layerscope::AccuracyOptions opt;
//   opt.sensitivity = true;
//   layerscope::AccuracyReport r;
//   layerscope::Status st = layerscope::analyze_accuracy_dataset("model.onnx", "model.int8.onnx",
//                                                                "dataset.txt", opt, &r);
//   std::cout << layerscope::accuracy_text(r);
//   st = layerscope::write_accuracy_reports(r, "accuracy/");
//
// Both models run unoptimized (SessionOptions::optimize = false, Session::run_observed) on the
// same samples, so every tensor exists under its ONNX name. Each quantized layer (a node of the
// quantized model that reads a DequantizeLinear output or whose output is quantized) is reported
// twice: "entire" (its tensor in the quantized model against the float model's: the errors of
// every layer before it accumulate) and "single" (the layer alone: a model of just that node,
// its input QuantizeLinear/DequantizeLinear and output pair, fed the float model's tensors).
//
// Threads: the calls run on the calling thread (and its OpenMP team); concurrent calls on
// different threads are independent.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "layerscope/image.h"
#include "layerscope/profile.h"
#include "layerscope/session.h"
#include "layerscope/status.h"

namespace layerscope {

struct AccuracyOptions {
  bool single = true;            // the single-layer errors (one small model per layer)
  bool sensitivity = false;      // each layer kept in float in turn, then the greedy keep-float list
  double target_cosine = 0.999;  // for the keep-float list: lowest output cosine to reach, in (0, 1]
  int max_samples = 0;           // dataset samples used; 0 = all
  int threads = 0;               // threads of every run; 0 = one per core
  ImagePreprocess image;         // for image samples (as `run --image`)
  // Where to dump the matched tensors of the first sample as .npy (float/ and quant/ below it);
  // empty = no dump. The folder must exist.
  std::string tensors_dir;
  // The quantized model's performance report (perf.json or eval_perf text): each layer then
  // carries its share of the time. Empty = none.
  std::string perf_path;
  // The calibration dataset named in the suggested `layerscope quantize` command ("" = a
  // placeholder); analyze_accuracy_dataset fills it in.
  std::string dataset_for_command;
  // Called as the analysis goes: ("sample", done, total), then with --sensitivity
  // ("sensitivity", done, total) per layer kept in float. Empty = silent.
  std::function<void(const char* phase, int done, int total)> progress;
};

// One metric over the samples. `value` is the mean over the samples where it is defined,
// `worst` the worst of them (lowest cosine and SQNR, highest errors). When it is undefined in
// some or all samples, `note` says why ("the float tensor is all zero: ..."); a metric defined
// nowhere has defined = false and value/worst NaN. An SQNR of identical tensors is +infinity
// (defined, with a note).
struct Metric {
  bool defined = false;
  double value = 0, worst = 0;
  int samples = 0;  // samples where it is defined
  std::string note;
};

// Errors of a quantized tensor q against the float tensor f (n elements):
//   cosine   = sum(q f) / (||q|| ||f||)
//   rel_l2   = ||q - f|| / ||f||
//   max_abs  = max |q - f|
//   sqnr_db  = 10 log10(||f||^2 / ||q - f||^2)
struct TensorError {
  Metric cosine, rel_l2, max_abs, sqnr_db;
};

struct LayerAccuracy {
  std::string node;  // the quantized model's node name
  std::string op_type;
  std::string float_tensor;  // the float model's tensor compared
  std::string quant_tensor;  // the quantized model's tensor compared (T_DequantizeLinear_Output when quantized)
  std::string matched_by;    // "name" (T, or its Q/DQ name resolved) or "node" (the producing node's name)
  TensorError entire;
  bool has_single = false;
  TensorError single;
  std::string single_note;     // why there is no single error, when has_single is false
  int rank = 0;                // 1 = loses the most (lowest single SQNR; entire when no single)
  double time_share_pct = -1;  // of the perf report's layer time; -1 = no perf report or not found
  double time_us = -1;         // median time per run of those perf layer(s); -1 as above
  std::string perf_layers;     // the perf layer(s) that time comes from
};

struct OutputAccuracy {
  std::string name;
  TensorError error;  // quantized model's output against the float model's
};

struct SensitivityEntry {
  std::string node, op_type;
  double output_cosine = 0;  // with this layer alone kept in float (mean over samples, lowest output)
  double gain = 0;           // output_cosine - baseline
};

struct AccuracyReport {
  std::string float_model, quant_model;
  std::string source;  // the accuracy.json it was read from (read_accuracy_report); "" = analysed here
  int samples = 0;
  std::vector<LayerAccuracy> layers;  // in the quantized model's node order
  std::vector<OutputAccuracy> outputs;
  int matched_tensors = 0;             // quantized-model tensors with a float counterpart
  std::vector<std::string> unmatched;  // "name (node N, Op): reason"
  std::vector<std::string> notes;
  bool has_perf = false;
  std::string perf_path;
  // --sensitivity
  bool has_sensitivity = false;
  double baseline_output_cosine = 0;          // the quantized model as given (same measure)
  std::vector<SensitivityEntry> sensitivity;  // most helpful first
  std::vector<std::string> keep_float;        // the greedy list (most sensitive first)
  double keep_float_output_cosine = 0;
  double target_cosine = 0;
  bool target_reached = false;
  std::string quantize_command;  // ready to paste
};

// Runs the analysis over `samples` (each one set of the model's inputs). The quantized model is a
// file (`quant_model`) or, when `quant_bytes` is not empty, a serialized ModelProto named
// `quant_model` in messages. Fails naming the file on a missing or unreadable model, models
// whose inputs differ (names, types), or a sample that does not fit.
Status analyze_accuracy(const std::string& float_model, const std::string& quant_model,
                        const std::vector<std::vector<NamedTensor>>& samples, const AccuracyOptions& options,
                        AccuracyReport* report, const std::string& quant_bytes = {});

// The same over a dataset (a list file or a folder, as `layerscope quantize --dataset`).
Status analyze_accuracy_dataset(const std::string& float_model, const std::string& quant_model,
                                const std::string& dataset, const AccuracyOptions& options, AccuracyReport* report);

// The report as a text table (ranking, outputs, notes), JSON (schema "layerscope.accuracy"), CSV
// (one row per layer) and a self-contained HTML page.
std::string accuracy_text(const AccuracyReport& report);
std::string accuracy_json(const AccuracyReport& report);
std::string accuracy_csv(const AccuracyReport& report);
std::string accuracy_html(const AccuracyReport& report);

// Reads the accuracy.json `layerscope accuracy --out` (write_accuracy_reports) wrote: `path` is the
// file or the folder holding it. Fails naming the file when it is missing, not JSON, of another
// schema or a newer version, or a field has the wrong type. report->source is set to the file.
Status read_accuracy_report(const std::string& path, AccuracyReport* report);

// Joins the analysis of a quantized model with a profile of that model: each analysed layer gets
// the time of the profile rows whose original node names (LayerProfile::source_names) contain its
// node, as `accuracy --perf` does, and perf->accuracy holds the result, so report.html gains its
// Accuracy section, perf.json its "accuracy" member and find_findings its accuracy finding. Fails,
// naming the accuracy file (accuracy.source) and the profiled model, when none of the analysed
// layers is in the profile: an analysis of another model.
Status attach_accuracy(const AccuracyReport& accuracy, PerfReport* perf);

// Names of the files write_accuracy_reports writes.
inline constexpr const char* kAccuracyReportFiles[] = {"accuracy.json", "accuracy.csv", "accuracy.html"};

// Writes accuracy.json, accuracy.csv and accuracy.html into the existing folder `dir`, all or none.
Status write_accuracy_reports(const AccuracyReport& report, const std::string& dir);

}  // namespace layerscope
