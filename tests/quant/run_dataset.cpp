// Test helper for tests/quant/test_quantize.py: runs a model (layerscope, fp32, optimized plan)
// on every sample of a calibration dataset and saves output 0 of sample i as OUT/i.npy, with
// one model load for the whole dataset.
//   quant_run_dataset MODEL.onnx DATASET OUT_DIR [FIRST]
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "ir/error.h"
#include "layerscope/npy.h"
#include "layerscope/session.h"
#include "quant/dataset.h"

int main(int argc, char** argv) {
  using namespace layerscope;
  if (argc < 4) {
    std::fprintf(stderr, "usage: quant_run_dataset MODEL.onnx DATASET OUT_DIR [FIRST]\n");
    return 2;
  }
  try {
    std::unique_ptr<Session> s;
    Status st = Session::load(argv[1], {}, &s);
    if (!st) throw Error(st.message());
    std::vector<quant::Sample> samples = quant::list_samples(argv[2], s->inputs());
    const size_t first = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 0;
    std::filesystem::create_directories(argv[3]);
    for (size_t i = first; i < samples.size(); ++i) {
      std::vector<NamedTensor> in = quant::load_sample(samples[i], s->inputs(), {}), out;
      st = s->run(in, &out);
      if (st) st = save_npy((std::filesystem::path(argv[3]) / (std::to_string(i) + ".npy")).string(), out[0].tensor);
      if (!st) throw Error(st.message());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
