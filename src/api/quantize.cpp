// The public quantization calls (include/layerscope/quantize.h) over src/quant/: check the
// options, parse the model (QdqModel says which tensors need statistics), calibrate, write.
#include "layerscope/quantize.h"

#include <cmath>
#include <filesystem>

#include "api/guarded.h"
#include "ir/error.h"
#include "quant/calibrate.h"
#include "quant/qdq_model.h"
#include "util/atomic_write.h"

namespace layerscope {

const char* calibration_method_name(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::MinMax: return "minmax";
    case CalibrationMethod::Percentile: return "percentile";
    case CalibrationMethod::Entropy: return "entropy";
  }
  return "?";
}

Status quantize_model_bytes(const std::string& model_path, const std::string& dataset, const QuantizeOptions& options,
                            std::string* model_bytes, QuantizeSummary* summary, const QuantizeProgress& progress) {
  return guarded([&] {
    LS_CHECK(model_bytes, "model_bytes must not be null");
    LS_CHECK(std::isfinite(options.percentile) && options.percentile > 0 && options.percentile <= 100,
             "percentile must be in (0, 100], got ", options.percentile);
    LS_CHECK(options.max_samples >= 0, "max_samples must be >= 0 (0 = all), got ", options.max_samples);
    quant::QdqModel model(model_path, quant::QdqOptions{options.per_channel, options.keep_float});
    const quant::Calibration c = quant::calibrate(model_path, dataset, model.wanted_tensors(), options, progress);
    quant::QdqSummary qs;
    *model_bytes = model.write(quant::calibrated_ranges(c, options), &qs);
    if (summary) {
      *summary = QuantizeSummary{c.samples,  qs.quantized_nodes, qs.kept_float, qs.activations,
                                 qs.weights, qs.biases,          qs.opset,      qs.notes};
    }
  });
}

Status quantize_model(const std::string& model_path, const std::string& dataset, const std::string& out_path,
                      const QuantizeOptions& options, QuantizeSummary* summary, const QuantizeProgress& progress) {
  // Checked before calibrating (which takes a while): where the file goes.
  Status checked = guarded([&] {
    namespace fs = std::filesystem;
    const fs::path out(out_path);
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    std::error_code ec;
    LS_CHECK(!out_path.empty() && out.has_filename(), "output path '", out_path, "' names no file");
    if (!fs::is_directory(dir, ec))
      fail_with(StatusCode::kIoError, "output folder '", dir.string(), "' does not exist");
    LS_CHECK(!fs::equivalent(out, fs::path(model_path), ec), "output '", out_path,
             "' is the input model; write the quantized model to another file");
  });
  if (!checked) return checked;
  std::string bytes;
  Status st = quantize_model_bytes(model_path, dataset, options, &bytes, summary, progress);
  if (!st) return st;
  return write_file_atomically(out_path, {bytes});
}

}  // namespace layerscope
