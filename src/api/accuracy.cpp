// The public accuracy calls (include/layerscope/accuracy.h) over src/accuracy/.
#include "layerscope/accuracy.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "accuracy/analysis.h"
#include "accuracy/perf_join.h"
#include "accuracy/report_json.h"
#include "api/guarded.h"
#include "ir/error.h"
#include "quant/dataset.h"
#include "report/json_object.h"
#include "util/atomic_write.h"
#include "util/json.h"

namespace layerscope {

Status analyze_accuracy(const std::string& float_model, const std::string& quant_model,
                        const std::vector<std::vector<NamedTensor>>& samples, const AccuracyOptions& options,
                        AccuracyReport* report, const std::string& quant_bytes) {
  return guarded([&] {
    LS_CHECK(report, "report must not be null");
    LS_CHECK(!samples.empty(), "no input samples given");
    accuracy::SampleSource source{static_cast<int>(samples.size()), [&](int i) { return samples[i]; }};
    *report = accuracy::analyze(float_model, quant_model, quant_bytes, source, options);
  });
}

Status analyze_accuracy_dataset(const std::string& float_model, const std::string& quant_model,
                                const std::string& dataset, const AccuracyOptions& options, AccuracyReport* report) {
  return guarded([&] {
    LS_CHECK(report, "report must not be null");
    LS_CHECK(options.max_samples >= 0, "max_samples must be >= 0 (0 = all), got ", options.max_samples);
    // The sample list is checked against the float model's inputs (those without a default).
    std::unique_ptr<Session> probe;
    SessionOptions so;
    so.optimize = false;
    throw_if_error(Session::load(float_model, so, &probe));
    std::vector<ValueDesc> inputs = probe->inputs();
    probe.reset();
    std::vector<quant::Sample> list = quant::list_samples(dataset, inputs);
    if (options.max_samples > 0 && static_cast<int>(list.size()) > options.max_samples)
      list.resize(options.max_samples);
    accuracy::SampleSource source{static_cast<int>(list.size()),
                                  [&](int i) { return quant::load_sample(list[i], inputs, options.image); }};
    AccuracyOptions opt = options;
    if (opt.dataset_for_command.empty()) opt.dataset_for_command = dataset;
    *report = accuracy::analyze(float_model, quant_model, {}, source, opt);
  });
}

Status write_accuracy_reports(const AccuracyReport& report, const std::string& dir) {
  std::string json, csv, html;
  Status st = guarded([&] {
    json = accuracy_json(report);
    csv = accuracy_csv(report);
    html = accuracy_html(report);
  });
  if (!st) return st;
  return write_files_atomically(
      dir, {{kAccuracyReportFiles[0], {json}}, {kAccuracyReportFiles[1], {csv}}, {kAccuracyReportFiles[2], {html}}});
}

Status read_accuracy_report(const std::string& given, AccuracyReport* report) {
  return guarded([&] {
    LS_CHECK(report, "report must not be null");
    namespace fs = std::filesystem;
    std::error_code ec;
    // `layerscope accuracy --out DIR` names a folder: accept it as well as the file in it.
    const std::string path = fs::is_directory(given, ec) ? (fs::path(given) / kAccuracyReportFiles[0]).string() : given;
    std::ifstream in(path, std::ios::binary);
    if (!in)
      fail_with(StatusCode::kIoError, "cannot read accuracy report '", path, "': the file ",
                fs::exists(path, ec) ? "cannot be opened" : "does not exist");
    std::ostringstream text;
    text << in.rdbuf();
    JsonValue doc;
    std::string err;
    if (!parse_json(text.str(), &doc, &err))
      fail(path, ": not valid JSON (", err, "); expected the accuracy.json `layerscope accuracy --out` writes");
    *report = accuracy::read_report_json(JsonObjectReader(doc, "", path));
    report->source = path;
  });
}

Status attach_accuracy(const AccuracyReport& accuracy_in, PerfReport* perf) {
  return guarded([&] {
    LS_CHECK(perf, "perf report must not be null");
    const std::string profiled = perf->model_path.empty() ? perf->imported_from : perf->model_path;
    const std::string from = accuracy_in.source.empty() ? "the accuracy analysis of '" + accuracy_in.quant_model + "'"
                                                        : "accuracy report '" + accuracy_in.source + "'";
    auto joined = std::make_shared<AccuracyReport>(accuracy_in);
    const accuracy::PerfJoin join = accuracy::join_perf_times(*perf, profiled, &joined->layers);
    if (join.found == 0) {
      std::string examples;
      for (size_t i = 0; i < joined->layers.size() && i < 3; ++i)
        examples += (i ? ", '" : "'") + joined->layers[i].node + "'";
      fail(from, " (an analysis of '", accuracy_in.quant_model, "') matches none of the layers profiled from '",
           profiled, "': none of its ", joined->layers.size(), " analysed nodes",
           examples.empty() ? "" : " (" + examples + ", ...)",
           " is an original node name of a profile row. Give the accuracy.json of this model (layerscope accuracy "
           "FLOAT.onnx ",
           profiled, " --out DIR)");
    }
    // The times are this profile's now (perf.json's reader sees them in its own "accuracy" member).
    joined->has_perf = true;
    joined->perf_path = profiled;
    if (join.fused > 0) {
      const std::string note = accuracy::fused_rows_note(join.fused);
      if (std::find(joined->notes.begin(), joined->notes.end(), note) == joined->notes.end())
        joined->notes.push_back(note);
    }
    perf->accuracy = std::move(joined);
  });
}

}  // namespace layerscope
