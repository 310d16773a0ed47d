#include "inputs.h"

#include <cstdio>
#include <map>
#include <random>

#include "layerscope/npy.h"

namespace layerscope::cli {

namespace {

Tensor random_tensor(const ValueDesc& d, std::mt19937& rng) {
  Shape shape = d.shape;
  for (int64_t& s : shape)
    if (s < 0) s = 1;  // symbolic dims default to 1
  Tensor t(d.dtype, shape);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> small(0, 9);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (d.dtype) {
      case DType::F32: t.data_as<float>()[i] = normal(rng); break;
      case DType::F64: t.data_as<double>()[i] = normal(rng); break;
      case DType::I64: t.data_as<int64_t>()[i] = small(rng); break;
      case DType::I32: t.data_as<int32_t>()[i] = small(rng); break;
      case DType::U8: case DType::I8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(small(rng)); break;
      case DType::Bool: t.data_as<uint8_t>()[i] = small(rng) & 1; break;
      default: throw std::runtime_error("cannot make a random input of type " + std::string(dtype_name(d.dtype)) +
                                        " for '" + d.name + "'; give it with --input");
    }
  }
  return t;
}

}  // namespace

std::string safe_file_name(const std::string& name) {
  std::string s = name.empty() ? "output" : name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  if (s[0] == '.') s[0] = '_';  // no hidden files, no ".."
  return s;
}

std::vector<NamedTensor> prepare_inputs(const Session& session, const Args& args) {
  std::map<std::string, Tensor> given;
  for (const std::string& spec : args.all("input")) {
    size_t eq = spec.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (session.inputs().size() != 1)
        throw UsageError("--input " + spec + ": the model has several inputs; write --input NAME=FILE.npy");
      name = session.inputs()[0].name;
      file = spec;
    } else {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    }
    Tensor t;
    Status st = load_npy(file, &t);
    if (!st) throw std::runtime_error(st.message());
    given[name] = t;
  }
  std::vector<NamedTensor> inputs;
  std::mt19937 rng(0);
  std::vector<std::string> random_names;
  for (const ValueDesc& d : session.inputs()) {
    auto it = given.find(d.name);
    if (it != given.end()) {
      inputs.push_back({d.name, it->second});
      given.erase(it);
    } else {
      inputs.push_back({d.name, random_tensor(d, rng)});
      random_names.push_back(d.name);
    }
  }
  for (const auto& [name, t] : given) inputs.push_back({name, t});  // unknown names: Session::run explains
  if (!random_names.empty()) {
    std::string list;
    for (const auto& n : random_names) list += (list.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "note: no data given for input%s %s: using fixed-seed random values (seed 0)\n",
                 random_names.size() > 1 ? "s" : "", list.c_str());
  }
  return inputs;
}

}  // namespace layerscope::cli
