// The reference-style C++ workflow for tests/quant/test_accuracy.py: load a float model, quantize
// it with build(true, dataset), then accuracy_analysis on one .npy input into OUT_DIR.
//   quant_accuracy_api FLOAT.onnx DATASET INPUT.npy OUT_DIR
#include <cstdio>

#include "layerscope/npy.h"
#include "layerscope/runtime.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s FLOAT.onnx DATASET INPUT.npy OUT_DIR\n", argv[0]);
    return 2;
  }
  auto fail = [](const char* step, const layerscope::Status& st) {
    std::fprintf(stderr, "%s: %s\n", step, st.message().c_str());
    return 1;
  };
  layerscope::Runtime rt;
  if (auto st = rt.load(argv[1]); !st) return fail("load", st);
  // accuracy_analysis before build(true) says what must come first.
  layerscope::Tensor input;
  if (auto st = layerscope::load_npy(argv[3], &input); !st) return fail("load_npy", st);
  if (auto st = rt.accuracy_analysis({input}, argv[4]); st || st.message().find("build(true") == std::string::npos) {
    std::fprintf(stderr, "accuracy_analysis before build() should fail naming build(true), got: %s\n",
                 st ? "ok" : st.message().c_str());
    return 1;
  }
  if (auto st = rt.build(true, argv[2]); !st) return fail("build", st);
  layerscope::AccuracyReport report;
  if (auto st = rt.accuracy_analysis({input}, argv[4], &report); !st) return fail("accuracy_analysis", st);
  const layerscope::Metric& c = report.outputs.at(0).error.cosine;
  std::printf("Runtime::accuracy_analysis: %zu layers, output cosine %.6f, top layer [%s] %s\n", report.layers.size(),
              c.value, report.layers.empty() ? "" : report.layers[0].op_type.c_str(),
              report.layers.empty() ? "" : report.layers[0].node.c_str());
  return 0;
}
