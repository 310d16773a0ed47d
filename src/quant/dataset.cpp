#include "quant/dataset.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/error.h"
#include "layerscope/npy.h"
#include "layerscope/printable.h"

namespace fs = std::filesystem;

namespace layerscope::quant {

namespace {

std::string lower_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

bool is_image(const fs::path& p) {
  const std::string e = lower_extension(p);
  return e == ".jpg" || e == ".jpeg" || e == ".png" || e == ".bmp" || e == ".ppm" || e == ".pgm" || e == ".pbm" ||
         e == ".pnm";
}

std::vector<ValueDesc> required(const std::vector<ValueDesc>& inputs) {
  std::vector<ValueDesc> r;
  for (const ValueDesc& d : inputs)
    if (!d.has_default) r.push_back(d);
  return r;
}

std::string input_list(const std::vector<ValueDesc>& inputs) {
  std::string s;
  for (const ValueDesc& d : inputs) s += (s.empty() ? "" : " ") + printable(d.name);
  return s;
}

}  // namespace

std::vector<Sample> list_samples(const std::string& dataset, const std::vector<ValueDesc>& inputs) {
  const std::vector<ValueDesc> need = required(inputs);
  std::error_code ec;
  if (!fs::exists(dataset, ec)) fail_with(StatusCode::kIoError, "dataset '", dataset, "' does not exist");
  std::vector<Sample> samples;
  if (fs::is_directory(dataset, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dataset, ec)) {
      const std::string e = lower_extension(entry.path());
      if (entry.is_regular_file() && (e == ".npy" || is_image(entry.path()))) files.push_back(entry.path());
    }
    if (ec) fail_with(StatusCode::kIoError, "cannot list dataset folder '", dataset, "': ", ec.message());
    LS_CHECK(!files.empty(), "dataset folder '", dataset,
             "' has no .npy or image file (.jpg, .jpeg, .png, .bmp, .ppm, .pgm, .pbm, .pnm)");
    LS_CHECK(need.size() == 1, "dataset folder '", dataset, "': the model has ", need.size(), " inputs (",
             input_list(need),
             "); a folder gives one file per sample, so use a list file with one line per sample naming a file for "
             "each input, in this order");
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) samples.push_back({{f.string()}, f.string()});
    return samples;
  }
  std::ifstream in(dataset);
  if (!in) fail_with(StatusCode::kIoError, "cannot open dataset list '", dataset, "'");
  const fs::path base = fs::path(dataset).parent_path();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::vector<std::string> files;
    for (std::string w; words >> w;) files.push_back(w);
    if (files.empty() || files[0][0] == '#') continue;
    const std::string where = dataset + ":" + std::to_string(number);
    LS_CHECK(files.size() == need.size(), where, ": ", files.size(), " file(s) on the line but the model has ",
             need.size(), " input(s) (", input_list(need), "); write one file per input, in this order");
    for (std::string& f : files)
      if (fs::path(f).is_relative()) f = (base / f).string();
    samples.push_back({std::move(files), where});
  }
  LS_CHECK(!samples.empty(), "dataset list '", dataset,
           "' names no sample (one line per sample, files separated "
           "by spaces)");
  return samples;
}

std::vector<NamedTensor> load_sample(const Sample& sample, const std::vector<ValueDesc>& inputs,
                                     const ImagePreprocess& image) {
  const std::vector<ValueDesc> need = required(inputs);
  std::vector<NamedTensor> out;
  for (size_t i = 0; i < need.size(); ++i) {
    const ValueDesc& d = need[i];
    const std::string& file = sample.files[i];
    const std::string what = sample.where + ": '" + file + "' for input '" + printable(d.name) + "'";
    Tensor t;
    if (is_image(file)) {
      Tensor hwc;
      Status st = load_image(file, &hwc);
      if (st) st = preprocess_image(hwc, d, image, &t);
      if (!st) fail_with(st.code(), what, ": ", st.message());
    } else {
      Status st = load_npy(file, &t);
      if (!st) fail_with(st.code(), sample.where, ": ", st.message());
      bool fits = t.dtype() == d.dtype && (!d.has_shape || t.rank() == static_cast<int>(d.shape.size()));
      for (size_t k = 0; fits && d.has_shape && k < d.shape.size(); ++k)
        fits = d.shape[k] < 0 || d.shape[k] == t.dim(static_cast<int>(k));
      LS_CHECK(fits, what, " is ", dtype_name(t.dtype()), " ", shape_to_string(t.shape()), "; the input is ",
               describe_values({d}));
    }
    out.push_back({d.name, std::move(t)});
  }
  return out;
}

}  // namespace layerscope::quant
