// A calibration dataset (the reference's dataset.txt): either a list file, one sample per line,
// each line the files of the model's inputs in the model's input order separated by spaces
// (.npy arrays or .jpg/.jpeg images; relative paths are relative to the list file's folder;
// blank lines and lines starting with '#' are skipped), or a folder whose .npy / .jpg / .jpeg
// files (sorted by name) are one sample each, for a model with one input.
#pragma once
#include <string>
#include <vector>

#include "layerscope/image.h"
#include "layerscope/session.h"

namespace layerscope::quant {

struct Sample {
  std::vector<std::string> files;  // one per model input, in the model's input order
  std::string where;               // "dataset.txt:12" or the file, for messages
};

// Lists the samples (reads no data). Throws Error naming the path when it does not exist, when
// a line has the wrong number of files for `inputs` (the inputs without a default), or when
// there is no sample.
std::vector<Sample> list_samples(const std::string& dataset, const std::vector<ValueDesc>& inputs);

// Loads one sample as the model's inputs: .npy files must match the input's type and shape;
// images are decoded and preprocessed with `image` (as `layerscope run --image`). Throws Error
// naming the file and the input on a mismatch.
std::vector<NamedTensor> load_sample(const Sample& sample, const std::vector<ValueDesc>& inputs,
                                     const ImagePreprocess& image);

}  // namespace layerscope::quant
