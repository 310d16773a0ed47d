#include "accuracy/analysis.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "accuracy/metrics.h"
#include "accuracy/perf_join.h"
#include "accuracy/quant_graph.h"
#include "accuracy/sensitivity.h"
#include "api/guarded.h"
#include "api/session_impl.h"
#include "ir/error.h"
#include "layerscope/import.h"
#include "layerscope/npy.h"
#include "layerscope/printable.h"
#include "util/text.h"

namespace layerscope::accuracy {

namespace {

std::unique_ptr<Session> unoptimized_session(const std::string& bytes, const std::string& name, int threads) {
  SessionOptions so;
  so.optimize = false;  // every node as exported: each value under its ONNX name, plain layout
  so.threads = threads;
  std::unique_ptr<Session> s;
  throw_if_error(load_session_from_bytes(bytes, name, so, &s));
  return s;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_with(StatusCode::kIoError, "cannot open the ", what, " '", path, "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Both models must take the same inputs: the same names and types, and the same dims where
// both declare them.
void check_same_inputs(const Session& f, const Session& q, const std::string& float_path,
                       const std::string& quant_path) {
  auto differ = [&](const std::string& what) {
    fail("the float model '", float_path, "' and the quantized model '", quant_path, "' take different inputs (", what,
         "): float ", describe_values(f.inputs()), "; quantized ", describe_values(q.inputs()),
         ". Give the quantized model of this float model");
  };
  if (f.inputs().size() != q.inputs().size()) differ("a different number of inputs");
  for (size_t i = 0; i < f.inputs().size(); ++i) {
    const ValueDesc &a = f.inputs()[i], &b = q.inputs()[i];
    if (a.name != b.name) differ("input " + std::to_string(i) + " is named differently");
    if (a.dtype != b.dtype) differ("input '" + printable(a.name) + "' has another type");
    if (a.has_shape && b.has_shape) {
      bool same = a.shape.size() == b.shape.size();
      for (size_t d = 0; same && d < a.shape.size(); ++d)
        same = a.shape[d] < 0 || b.shape[d] < 0 || a.shape[d] == b.shape[d];
      if (!same) differ("input '" + printable(a.name) + "' has another shape");
    }
  }
}

// "a/b:0" -> "a_b_0": file names for the tensor dump (same rule as the CLI's output files).
std::string file_stem(const std::string& name) {
  std::string s = name.empty() ? "tensor" : name.substr(0, 200);
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  if (s[0] == '.') s[0] = '_';
  return s;
}

// Writes float/ and quant/ under `dir`: for each matched quantized-model tensor X, quant/<X>.npy
// holds it and float/<X>.npy the float model's tensor it is compared with.
void dump_tensors(const std::string& dir, const std::vector<std::pair<std::string, Tensor>>& quant,
                  const std::vector<std::pair<std::string, Tensor>>& floats) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail_with(StatusCode::kIoError, "tensor folder '", dir, "' does not exist");
  std::map<std::string, int> uses;
  std::vector<std::string> names;
  for (const auto& [name, t] : quant) ++uses[names.emplace_back(file_stem(name))];
  for (size_t i = 0; i < names.size(); ++i)
    if (uses[names[i]] > 1) names[i] += "~" + std::to_string(i);  // '~' never survives file_stem
  std::vector<NamedTensor> qf, ff;
  for (size_t i = 0; i < names.size(); ++i) {
    qf.push_back({names[i] + ".npy", quant[i].second});
    ff.push_back({names[i] + ".npy", floats[i].second});
  }
  for (const char* sub : {"float", "quant"}) {
    fs::create_directories(fs::path(dir) / sub, ec);
    if (ec) fail_with(StatusCode::kIoError, "cannot create '", (fs::path(dir) / sub).string(), "': ", ec.message());
  }
  throw_if_error(save_npy_files((fs::path(dir) / "float").string(), ff));
  throw_if_error(save_npy_files((fs::path(dir) / "quant").string(), qf));
}

// The ranking key: single SQNR (the layer's own loss), else entire; lower loses more.
double loss_key(const LayerAccuracy& l) {
  const Metric& m = l.has_single ? l.single.sqnr_db : l.entire.sqnr_db;
  return m.defined ? m.value : std::numeric_limits<double>::infinity();
}

void add_perf_shares(const std::string& perf_path, AccuracyReport* r) {
  PerfReport perf;
  throw_if_error(read_perf_report(perf_path, &perf), " (--perf)");
  const PerfJoin join = join_perf_times(perf, perf_path, &r->layers);
  r->has_perf = true;
  r->perf_path = perf_path;
  if (join.fused > 0) r->notes.push_back(fused_rows_note(join.fused));
  if (join.found == 0)
    r->notes.push_back("the perf report '" + perf_path +
                       "' names none of the quantized model's nodes: is it a profile of this model?");
}

}  // namespace

AccuracyReport analyze(const std::string& float_model, const std::string& quant_model, const std::string& given_bytes,
                       const SampleSource& samples, const AccuracyOptions& opt) {
  LS_CHECK(samples.count > 0, "no samples to analyse");
  LS_CHECK(opt.target_cosine > 0 && opt.target_cosine <= 1, "target cosine must be in (0, 1], got ", opt.target_cosine);
  const std::string float_bytes = read_file(float_model, "float model");
  const std::string quant_bytes = given_bytes.empty() ? read_file(quant_model, "quantized model") : given_bytes;
  const QuantGraph graph(quant_bytes, quant_model);
  std::unique_ptr<Session> fs = unoptimized_session(float_bytes, float_model, opt.threads);
  std::unique_ptr<Session> qs = unoptimized_session(quant_bytes, quant_model, opt.threads);
  check_same_inputs(*fs, *qs, float_model, quant_model);
  LS_CHECK(!graph.layers().empty(), "'", quant_model,
           "' has no quantized layer (no node reads a DequantizeLinear output or feeds a QuantizeLinear); is it a "
           "QDQ model?");

  AccuracyReport r;
  r.float_model = float_model;
  r.quant_model = quant_model;
  r.target_cosine = opt.target_cosine;
  const std::vector<QuantLayer>& layers = graph.layers();
  std::vector<ErrorAccumulator> entire(layers.size()), single(layers.size());
  std::map<std::string, std::vector<int>> by_reported;  // quantized tensor -> layers reporting it
  for (size_t i = 0; i < layers.size(); ++i) by_reported[layers[i].reported].push_back(static_cast<int>(i));

  // Filled from the first sample's float run: the float model's values and nodes.
  std::set<std::string> float_values;
  std::map<std::string, std::vector<std::string>> float_node_outputs;
  std::map<std::string, std::pair<DType, Shape>> float_desc;
  auto float_name = [&](const std::string& q) -> std::string {
    const std::string r = strip_qdq_suffix(q);
    if (float_values.count(r)) return r;
    // The producing node's name: the same output position of the float node of that name.
    const int p = graph.producer(r);
    if (p < 0) return "";
    const std::vector<std::string> outs = graph.node_outputs(p);
    auto it = float_node_outputs.find(graph.node_name(p));
    if (it == float_node_outputs.end()) return "";
    for (size_t k = 0; k < outs.size() && k < it->second.size(); ++k)
      if (outs[k] == r) return it->second[k];
    return "";
  };
  std::vector<std::unique_ptr<Session>> single_sessions(layers.size());
  std::vector<std::vector<SubModelInput>> single_inputs(layers.size());
  std::vector<std::string> single_notes(layers.size());
  std::vector<ErrorAccumulator> outputs_acc;
  std::vector<std::vector<NamedTensor>> float_outputs;

  for (int s = 0; s < samples.count; ++s) {
    if (opt.progress) opt.progress("sample", s, samples.count);
    const std::vector<NamedTensor> inputs = samples.load(s);
    const std::string where = samples.count > 1 ? " (sample " + std::to_string(s + 1) + ")" : "";
    std::map<std::string, Tensor> fv;
    std::vector<NamedTensor> fout, qout;
    throw_if_error(fs->run_observed(inputs, &fout,
                                    [&](const ObservedValue& v) {
                                      if (s == 0) {
                                        float_values.insert(v.name);
                                        if (!v.node.empty()) float_node_outputs[v.node].push_back(v.name);
                                        float_desc[v.name] = {v.tensor.dtype(), v.tensor.shape()};
                                      }
                                      if (v.tensor.dtype() == DType::F32) fv[v.name] = v.tensor.clone();
                                    }),
                   " (float model '" + float_model + "'" + where + ")");
    auto compare = [&](const std::string& fname, const Tensor& q, ErrorAccumulator& acc) {
      auto it = fv.find(fname);
      if (it == fv.end() || q.dtype() != DType::F32 || it->second.shape() != q.shape()) return false;
      acc.add(error_sums(it->second.data_as<float>(), q.data_as<float>(), q.numel()));
      return true;
    };
    const bool dump = s == 0 && !opt.tensors_dir.empty();
    std::vector<std::pair<std::string, Tensor>> dump_q, dump_f;
    std::vector<std::string> layer_fname(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) layer_fname[i] = float_name(layers[i].reported);
    throw_if_error(qs->run_observed(inputs, &qout,
                                    [&](const ObservedValue& v) {
                                      const std::string f = float_name(v.name);
                                      if (s == 0) {
                                        if (f.empty() && v.node.empty()) {
                                          // a graph input: always matched (the inputs were checked)
                                        } else if (f.empty()) {
                                          r.unmatched.push_back(printable(v.name) + " (node " + printable(v.node) +
                                                                ", " + v.op_type + "): no float tensor '" +
                                                                printable(strip_qdq_suffix(v.name)) +
                                                                "' and no float node '" + printable(v.node) + "'");
                                        } else {
                                          ++r.matched_tensors;
                                        }
                                      }
                                      if (dump && !f.empty() && fv.count(f)) {
                                        dump_q.emplace_back(v.name, v.tensor.clone());
                                        dump_f.emplace_back(f, fv[f]);
                                      }
                                      auto it = by_reported.find(v.name);
                                      if (it == by_reported.end()) return;
                                      for (int li : it->second)
                                        if (!layer_fname[li].empty()) compare(layer_fname[li], v.tensor, entire[li]);
                                    }),
                   " (quantized model '" + quant_model + "'" + where + ")");
    if (dump) dump_tensors(opt.tensors_dir, dump_q, dump_f);

    // The final outputs, by name (the quantizers keep them), else by position.
    if (s == 0) outputs_acc.resize(qout.size());
    for (size_t k = 0; k < qout.size(); ++k) {
      const Tensor* f = nullptr;
      for (const NamedTensor& o : fout)
        if (o.name == qout[k].name) f = &o.tensor;
      if (!f && fout.size() == qout.size()) f = &fout[k].tensor;
      LS_CHECK(
          f && f->dtype() == DType::F32 && qout[k].tensor.dtype() == DType::F32 && f->shape() == qout[k].tensor.shape(),
          "output '", printable(qout[k].name), "' of '", quant_model,
          "' has no FLOAT counterpart of the same shape in '", float_model, "'");
      outputs_acc[k].add(error_sums(f->data_as<float>(), qout[k].tensor.data_as<float>(), f->numel()));
    }
    if (opt.sensitivity) float_outputs.push_back(fout);

    // Single: each layer alone on the float model's tensors (its models are built on the first
    // sample, once the float tensors' shapes are known).
    if (!opt.single) continue;
    for (size_t i = 0; i < layers.size(); ++i) {
      if (s == 0) {
        if (layer_fname[i].empty()) {
          single_notes[i] = "its tensor has no float counterpart";
          continue;
        }
        std::string why;
        const std::string bytes = graph.single_layer_model(
            layers[i], float_name,
            [&](const std::string& name, DType* dt, Shape* shape) {
              auto it = float_desc.find(name);
              if (it == float_desc.end()) return false;
              *dt = it->second.first;
              *shape = it->second.second;
              return true;
            },
            &single_inputs[i], &why);
        if (bytes.empty()) {
          single_notes[i] = why;
          continue;
        }
        SessionOptions so;
        so.optimize = false;  // as the quantized model's unoptimized run computes it
        so.threads = opt.threads;
        Status st = load_session_from_bytes(bytes, quant_model, so, &single_sessions[i]);
        if (!st) {
          single_notes[i] = "its single-layer model did not load: " + st.message();
          continue;
        }
      }
      if (!single_sessions[i]) continue;
      std::vector<NamedTensor> in, out;
      for (const SubModelInput& si : single_inputs[i]) {
        auto it = fv.find(si.float_name);
        LS_CHECK(it != fv.end(), "float tensor '", printable(si.float_name), "' was not computed", where);
        in.push_back({si.name, it->second});
      }
      throw_if_error(single_sessions[i]->run(in, &out),
                     " (layer '" + printable(layers[i].name) + "' alone, from '" + quant_model + "'" + where + ")");
      if (!compare(layer_fname[i], out.at(0).tensor, single[i]))
        single_notes[i] = "its output and the float tensor differ in type or shape";
    }
  }
  r.samples = samples.count;

  for (size_t i = 0; i < layers.size(); ++i) {
    LayerAccuracy l;
    l.node = layers[i].name;
    l.op_type = layers[i].op_type;
    l.quant_tensor = layers[i].reported;
    l.float_tensor = float_name(layers[i].reported);
    l.matched_by = l.float_tensor.empty()                                   ? "unmatched"
                   : l.float_tensor == strip_qdq_suffix(layers[i].reported) ? "name"
                                                                            : "node";
    l.entire = entire[i].result();
    if (entire[i].samples() == 0 && !l.float_tensor.empty())
      l.entire.cosine.note = "not compared: the float tensor '" + printable(l.float_tensor) +
                             "' differs in type or shape, or is not FLOAT";
    l.has_single = single[i].samples() > 0;
    if (l.has_single) l.single = single[i].result();
    l.single_note = !opt.single               ? "single errors not computed (switched off)"
                    : l.has_single            ? ""
                    : single_notes[i].empty() ? "no single error"
                                              : single_notes[i];
    r.layers.push_back(std::move(l));
  }
  for (size_t k = 0; k < outputs_acc.size(); ++k) r.outputs.push_back({qs->outputs()[k].name, outputs_acc[k].result()});

  std::vector<int> order(r.layers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return loss_key(r.layers[a]) < loss_key(r.layers[b]); });
  for (size_t k = 0; k < order.size(); ++k) r.layers[order[k]].rank = static_cast<int>(k) + 1;

  if (!opt.perf_path.empty()) add_perf_shares(opt.perf_path, &r);
  fs.reset();
  qs.reset();
  single_sessions.clear();
  if (opt.sensitivity) run_sensitivity(graph, float_model, quant_model, quant_bytes, samples, float_outputs, opt, &r);
  return r;
}

}  // namespace layerscope::accuracy
