#include "quant/calibrate.h"

#include "api/guarded.h"
#include "ir/error.h"
#include "layerscope/printable.h"
#include "quant/dataset.h"

namespace layerscope::quant {

Calibration calibrate(const std::string& model_path, const std::string& dataset, const std::set<std::string>& wanted,
                      const QuantizeOptions& options, const QuantizeProgress& progress) {
  SessionOptions so;
  so.optimize = false;  // every node as exported: each tensor under its ONNX name, plain layout
  so.threads = options.threads;
  std::unique_ptr<Session> session;
  throw_if_error(Session::load(model_path, so, &session));
  std::vector<Sample> samples = list_samples(dataset, session->inputs());
  if (options.max_samples > 0 && static_cast<int>(samples.size()) > options.max_samples)
    samples.resize(options.max_samples);
  const bool histograms = options.method != CalibrationMethod::MinMax;
  Calibration c;
  for (size_t i = 0; i < samples.size(); ++i) {
    std::vector<NamedTensor> inputs = load_sample(samples[i], session->inputs(), options.image), outputs;
    Status st = session->run_observed(inputs, &outputs, [&](const ObservedValue& v) {
      if (v.tensor.dtype() != DType::F32 || !wanted.count(v.name)) return;
      auto it = c.stats.try_emplace(v.name, histograms).first;
      it->second.add(v.tensor.data_as<float>(), v.tensor.numel());
    });
    throw_if_error(st, " (calibration sample " + samples[i].where + ")");
    ++c.samples;
    if (progress) progress(c.samples, static_cast<int>(samples.size()));
  }
  for (const auto& [name, s] : c.stats)
    LS_CHECK(s.nonfinite() == 0, "'", model_path, "': tensor '", printable(name), "' took ", s.nonfinite(),
             " non-finite value(s) (NaN or infinity) over the calibration samples; such a tensor has no int8 range");
  return c;
}

std::map<std::string, Range> calibrated_ranges(const Calibration& calibration, const QuantizeOptions& options) {
  std::map<std::string, Range> ranges;
  for (const auto& [name, s] : calibration.stats) {
    if (s.count() == 0) continue;
    switch (options.method) {
      case CalibrationMethod::MinMax: ranges[name] = minmax_range(s); break;
      case CalibrationMethod::Percentile: ranges[name] = percentile_range(s, options.percentile); break;
      case CalibrationMethod::Entropy: ranges[name] = entropy_range(s); break;
    }
  }
  return ranges;
}

}  // namespace layerscope::quant
