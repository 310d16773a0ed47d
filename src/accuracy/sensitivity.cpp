#include "accuracy/sensitivity.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "accuracy/metrics.h"
#include "api/guarded.h"
#include "api/session_impl.h"
#include "ir/error.h"
#include "layerscope/printable.h"
#include "onnx/tensor_proto.h"
#include "util/text.h"

namespace layerscope::accuracy {

namespace {

// The float model's initializers, read once, decoded on demand.
class FloatWeights {
 public:
  explicit FloatWeights(const std::string& path) : path_(path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    LS_CHECK(in && model_.ParseFromString(bytes.str()) && model_.has_graph(), "cannot read the float model '", path,
             "'");
    for (int i = 0; i < model_.graph().initializer_size(); ++i) index_[model_.graph().initializer(i).name()] = i;
  }
  Tensor get(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return {};
    const onnx::TensorProto& p = model_.graph().initializer(it->second);
    Tensor t = tensor_from_proto(p, std::filesystem::path(path_).parent_path().string(),
                                 "initializer '" + name + "' in '" + path_ + "'");
    return t.dtype() == DType::F32 ? t : Tensor();
  }

 private:
  std::string path_;
  onnx::ModelProto model_;
  std::map<std::string, int> index_;
};

// The output measure of one model over the samples: the mean over samples of the lowest cosine
// among the graph outputs (a model is as good as its worst output). Unoptimized, as the rest of
// the analysis, so the baseline equals the outputs' entire cosine.
double output_cosine(const std::string& bytes, const std::string& name, const SampleSource& samples,
                     const std::vector<std::vector<NamedTensor>>& reference, int threads) {
  SessionOptions so;
  so.optimize = false;
  so.threads = threads;
  std::unique_ptr<Session> s;
  throw_if_error(load_session_from_bytes(bytes, name, so, &s));
  double sum = 0;
  for (int i = 0; i < samples.count; ++i) {
    std::vector<NamedTensor> out;
    throw_if_error(s->run(samples.load(i), &out), " (" + name + ", sample " + std::to_string(i + 1) + ")");
    double lowest = 1;
    for (size_t k = 0; k < out.size() && k < reference[i].size(); ++k) {
      const Tensor &f = reference[i][k].tensor, &q = out[k].tensor;
      if (f.dtype() != DType::F32 || q.dtype() != DType::F32 || f.numel() != q.numel()) continue;
      lowest = std::min(lowest, cosine_or_fallback(error_sums(f.data_as<float>(), q.data_as<float>(), f.numel())));
    }
    sum += lowest;
  }
  return sum / samples.count;
}

// A shell word: quoted with '...' when it holds anything but plain characters.
std::string shell_word(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("_./:=,+-").find(c) != std::string::npos))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void run_sensitivity(const QuantGraph& graph, const std::string& float_model, const std::string& quant_model,
                     const std::string& quant_bytes, const SampleSource& samples,
                     const std::vector<std::vector<NamedTensor>>& float_outputs, const AccuracyOptions& opt,
                     AccuracyReport* r) {
  const FloatWeights weights(float_model);
  auto weight = [&](const std::string& name) { return weights.get(name); };
  std::vector<std::string> notes;
  r->has_sensitivity = true;
  r->baseline_output_cosine = output_cosine(quant_bytes, quant_model, samples, float_outputs, opt.threads);

  // Only layers that read something dequantized can be kept in float (a Relu whose output alone
  // is quantized has nothing of its own to take back).
  std::vector<int> candidates;
  for (size_t i = 0; i < graph.layers().size(); ++i) {
    const QuantLayer& l = graph.layers()[i];
    if (opt.progress) opt.progress("sensitivity", static_cast<int>(i), static_cast<int>(graph.layers().size()));
    if (!graph.reads_dequantized(l)) continue;
    const std::string bytes = graph.keep_float_model({static_cast<int>(i)}, weight, &notes);
    candidates.push_back(static_cast<int>(i));
    const double c =
        output_cosine(bytes, quant_model + " (" + l.name + " in float)", samples, float_outputs, opt.threads);
    r->sensitivity.push_back({l.name, l.op_type, c, c - r->baseline_output_cosine});
  }
  std::vector<size_t> order(r->sensitivity.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return r->sensitivity[a].output_cosine > r->sensitivity[b].output_cosine;
  });
  std::vector<SensitivityEntry> sorted;
  std::vector<int> sorted_layers;
  for (size_t k : order) {
    sorted.push_back(r->sensitivity[k]);
    sorted_layers.push_back(candidates[k]);
  }
  r->sensitivity = sorted;

  // Greedy forward selection: the most helpful layers first, each kept in float only when the
  // list with it gives a higher output cosine than without it (layers that help alone can hurt
  // together: their errors cancelled), until the target is reached or every layer that helps
  // alone was tried. So the list's cosine is never below the baseline.
  r->keep_float_output_cosine = r->baseline_output_cosine;
  r->target_reached = r->baseline_output_cosine >= opt.target_cosine;
  std::set<int> kept;
  for (size_t k = 0; k < sorted.size() && !r->target_reached; ++k) {
    if (sorted[k].gain <= 0) break;
    kept.insert(sorted_layers[k]);
    const std::string bytes = graph.keep_float_model(kept, weight, &notes);
    const double cosine = output_cosine(bytes, quant_model + " (keep-float list)", samples, float_outputs, opt.threads);
    if (cosine <= r->keep_float_output_cosine) {
      kept.erase(sorted_layers[k]);
      continue;
    }
    r->keep_float.push_back(sorted[k].node);
    r->keep_float_output_cosine = cosine;
    r->target_reached = cosine >= opt.target_cosine;
  }
  std::sort(notes.begin(), notes.end());
  notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
  for (const std::string& n : notes) r->notes.push_back("sensitivity: " + n);

  std::string list;
  bool comma = false;
  for (const std::string& n : r->keep_float) {
    list += (list.empty() ? "" : ",") + n;
    comma = comma || n.find(',') != std::string::npos;
  }
  if (comma)
    r->notes.push_back("a node name in the keep-float list holds a comma, which --keep-float reads as a separator");
  std::string out = quant_model;
  if (out.size() > 5 && out.compare(out.size() - 5, 5, ".onnx") == 0) out.resize(out.size() - 5);
  out += ".keep-float.onnx";
  const std::string dataset = opt.dataset_for_command.empty() ? "DATASET" : opt.dataset_for_command;
  r->quantize_command = "layerscope quantize " + shell_word(float_model) + " --dataset " + shell_word(dataset) +
                        " --out " + shell_word(out) + (list.empty() ? "" : " --keep-float " + shell_word(list));
}

}  // namespace layerscope::accuracy
