// Helpers shared by the signal op family (DFT, STFT, the windows, MelWeightMatrix).
#pragma once
#include <complex>
#include <vector>

#include "ops/op_registry.h"
#include "ops/tensor/common.h"

namespace layerscope {

void register_dft_ops(OpRegistry& r);     // DFT (17, 20), STFT
void register_window_ops(OpRegistry& r);  // HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix

// The float types a signal may have (computed in double, stored back in the input's type).
inline bool is_signal_float(DType dt) {
  return dt == DType::F32 || dt == DType::F64 || dt == DType::F16 || dt == DType::BF16;
}

// Input `i` of node `n` as one integer: a scalar or one-element 1-D int32/int64 tensor.
int64_t scalar_int_input(const Node& n, const Tensor& t, int i, const char* what);
// Every element of a float tensor as double.
std::vector<double> as_doubles(const Tensor& t);

}  // namespace layerscope
