// The public accuracy calls (include/layerscope/accuracy.h) over src/accuracy/.
#include "layerscope/accuracy.h"

#include "accuracy/analysis.h"
#include "api/guarded.h"
#include "ir/error.h"
#include "quant/dataset.h"
#include "util/atomic_write.h"

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

}  // namespace layerscope
