#include "inputs.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>

#include "layerscope/image.h"
#include "layerscope/npy.h"
#include "layerscope/printable.h"
#include "layerscope/random_inputs.h"

namespace layerscope::cli {

namespace {

// The .npy a float8 or 4-bit model input accepts besides the onnx package's own dtypes (which
// load_npy reads as the type itself): float8 bit patterns as uint8, INT4 values as int8, UINT4
// values as uint8 (range-checked by Session::run). NumPy has no such types, and a float array is
// refused rather than rounded to float8 here: docs/ops.md, "float8 and 4-bit integers".
Tensor as_model_type(const Session& session, const std::string& name, const std::string& file, Tensor t) {
  const ValueDesc* d = nullptr;
  for (const ValueDesc& v : session.inputs())
    if (v.name == name) d = &v;
  if (!d || d->dtype == t.dtype()) return t;
  DType raw = DType::Undefined;  // the plain .npy type holding d's bytes
  switch (d->dtype) {
    case DType::F8E4M3FN:
    case DType::F8E4M3FNUZ:
    case DType::F8E5M2:
    case DType::F8E5M2FNUZ:
    case DType::U4: raw = DType::U8; break;
    case DType::I4: raw = DType::I8; break;
    default: return t;  // Session::run names any other mismatch
  }
  const char* field = d->dtype == DType::F8E4M3FN     ? "e4m3fn"
                      : d->dtype == DType::F8E4M3FNUZ ? "e4m3fnuz"
                      : d->dtype == DType::F8E5M2     ? "e5m2"
                      : d->dtype == DType::F8E5M2FNUZ ? "e5m2fnuz"
                      : d->dtype == DType::I4         ? "int4"
                                                      : "uint4";
  if (t.dtype() != raw)
    throw std::runtime_error(
        "input '" + printable(name) + "' is " + dtype_name(d->dtype) + " but '" + file + "' holds " +
        dtype_name(t.dtype()) + ": NumPy has no " + dtype_name(d->dtype) + " type, so give " +
        (raw == DType::U8 && d->dtype != DType::U4
             ? "its bit patterns as uint8"
             : std::string("its values as ") + (raw == DType::I8 ? "int8" : "uint8")) +
        " or an array of the onnx package's " + field + " type (descr [('" + field + "', '" +
        (raw == DType::I8 ? "|i1" : "|u1") + "')]); values are not converted to " + dtype_name(d->dtype) + " on input");
  Tensor typed(d->dtype, t.shape());
  if (t.nbytes()) std::memcpy(typed.data(), t.data(), t.nbytes());
  return typed;
}

// --mean / --std: three finite numbers ("123.7,116.3,103.5"); `nonzero` for divisors.
std::vector<float> three_floats(const Args& args, const std::string& name, std::vector<float> dflt, bool nonzero) {
  if (!args.has(name)) return dflt;
  std::vector<float> v;
  std::string text = args.get(name);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string tok = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      size_t used = 0;
      v.push_back(std::stof(tok, &used));
      if (used != tok.size()) throw std::invalid_argument(tok);
    } catch (const std::exception&) {
      throw UsageError("--" + name + " expects three comma-separated numbers, got '" + text + "'");
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (v.size() != 3) throw UsageError("--" + name + " expects three comma-separated numbers, got '" + text + "'");
  for (float x : v) {
    // nan, inf or a zero divisor would turn every pixel into NaN or infinity.
    if (!std::isfinite(x)) throw UsageError("--" + name + " expects finite numbers, got '" + text + "'");
    if (x == 0.f && nonzero)
      throw UsageError("--" + name + " values divide the pixels: they must be non-zero, got '" + text + "'");
  }
  return v;
}

// --image [NAME=]FILE (JPEG, PNG, BMP or PNM): decoded, resized and normalised for that input (or the only one).
void add_image_input(const Session& session, const Args& args, std::map<std::string, Tensor>& given) {
  std::string spec = args.get("image"), name, file = spec;
  size_t eq = spec.find('=');
  if (eq != std::string::npos)
    for (const ValueDesc& d : session.inputs())
      if (d.name == spec.substr(0, eq)) {  // NAME=FILE only when NAME is one of the inputs
        name = d.name;
        file = spec.substr(eq + 1);
      }
  const ValueDesc* target = nullptr;
  for (const ValueDesc& d : session.inputs())
    if (name.empty() ? session.inputs().size() == 1 : d.name == name) target = &d;
  if (!target)  // NAME, when given, is always one of the inputs (else it is part of FILE)
    throw UsageError("--image " + spec + ": the model has " +
                     (session.inputs().empty() ? std::string("no inputs")
                                               : "several inputs; write --image NAME=FILE.jpg; its inputs are: " +
                                                     describe_values(session.inputs())));
  if (given.count(target->name))
    throw UsageError("input '" + printable(target->name) + "' is given by both --input and --image; give it once");
  const ImagePreprocess cfg = image_preprocess(args);
  Tensor img, t;
  Status st = load_image(file, &img);
  if (st) st = preprocess_image(img, *target, cfg, &t);
  if (!st) throw std::runtime_error(st.message());
  given[target->name] = t;
}

}  // namespace

ImagePreprocess image_preprocess(const Args& args) {
  ImagePreprocess cfg;
  cfg.mean = three_floats(args, "mean", cfg.mean, false);
  cfg.std = three_floats(args, "std", cfg.std, true);
  cfg.rgb_to_bgr = args.has("bgr");
  return cfg;
}

std::string safe_file_name(const std::string& name) {
  std::string s = name.empty() ? "output" : name.substr(0, kMaxFileStem);
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  if (s[0] == '.') s[0] = '_';  // no hidden files, no ".."
  return s;
}

std::vector<std::string> output_file_names(const std::vector<std::string>& output_names) {
  std::vector<std::string> stems;
  std::map<std::string, int> uses;
  for (const std::string& n : output_names) ++uses[stems.emplace_back(safe_file_name(n))];
  // '~' never survives safe_file_name(), so "stem~index" cannot meet any other output's name.
  for (size_t i = 0; i < stems.size(); ++i)
    if (uses[stems[i]] > 1) stems[i].append("~").append(std::to_string(i));
  for (std::string& s : stems) s += ".npy";
  return stems;
}

std::vector<NamedTensor> prepare_inputs(const Session& session, const Args& args) {
  // Checked before any file is read: malformed numbers are usage errors even without --image.
  (void)three_floats(args, "mean", {}, false);
  (void)three_floats(args, "std", {}, true);
  // Inputs come as tensors (.npy files, images, random values): a sequence or optional input
  // has no such form, so such a model runs through the API (Session::run_values).
  for (const ValueDesc& d : session.inputs())
    if (!d.type.is_tensor())
      throw std::runtime_error("input '" + printable(d.name) + "' is " + value_type_name(d.type, d.dtype) +
                               ": the command line gives tensor inputs only (.npy, image or random); run a model "
                               "with sequence or optional inputs through the API (Session::run_values)");
  std::map<std::string, Tensor> given;
  for (const std::string& spec : args.all("input")) {
    size_t eq = spec.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (session.inputs().size() != 1)
        throw UsageError("--input " + spec + ": the model has " +
                         (session.inputs().empty() ? std::string("no inputs")
                                                   : "several inputs; write --input NAME=FILE.npy; its inputs are: " +
                                                         describe_values(session.inputs())));
      name = session.inputs()[0].name;
      file = spec;
    } else {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    }
    // A second value for the same input would silently win over the first.
    if (given.count(name))
      throw UsageError("--input: input '" + printable(name) + "' is given twice; give each input once");
    Tensor t;
    Status st = load_npy(file, &t);
    if (!st) throw std::runtime_error(st.message());
    given[name] = as_model_type(session, name, file, t);
  }
  if (args.has("image")) add_image_input(session, args, given);
  // Inputs not given: fixed-seed random values (the library's generator, shared with
  // Runtime::eval_perf so the CLI and the API profile on the same data).
  // Inputs with a default in the model keep it.
  std::vector<ValueDesc> missing;
  for (const ValueDesc& d : session.inputs())
    if (!given.count(d.name) && !d.has_default) missing.push_back(d);
  std::vector<NamedTensor> random;
  Status st = random_inputs(missing, 0, &random);
  if (!st) throw std::runtime_error(st.message() + "; give it with --input");
  std::vector<NamedTensor> inputs;
  std::vector<std::string> random_names;
  for (NamedTensor& r : random) random_names.push_back(r.name);
  for (const ValueDesc& d : session.inputs()) {
    auto it = given.find(d.name);
    if (it != given.end()) {
      inputs.push_back({d.name, it->second});
      given.erase(it);
    }
  }
  for (NamedTensor& r : random) inputs.push_back(std::move(r));
  for (const auto& [name, t] : given) inputs.push_back({name, t});  // unknown names: Session::run explains
  if (!random_names.empty()) {
    std::string list;
    for (const auto& n : random_names) list += (list.empty() ? "" : ", ") + printable(n);
    std::fprintf(stderr, "note: no data given for input%s %s: using fixed-seed random values (seed 0)\n",
                 random_names.size() > 1 ? "s" : "", list.c_str());
  }
  return inputs;
}

}  // namespace layerscope::cli
