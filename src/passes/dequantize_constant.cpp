#include "passes/dequantize_constant.h"

#include <vector>

#include "ops/quant/quant_params.h"

namespace layerscope {

Tensor dequantize_constant(const Tensor& q, const Tensor& scale, const Tensor* zero, int axis) {
  const std::vector<int32_t> values = quant::ints_of(&q), zeros = quant::ints_of(zero);
  const std::vector<float> scales = quant::floats_of(scale);
  int64_t inner = 1;
  for (int d = axis + 1; axis >= 0 && d < q.rank(); ++d) inner *= q.dim(d);
  Tensor out(DType::F32, q.shape());
  float* f = out.data_as<float>();
  for (int64_t i = 0; i < q.numel(); ++i) {
    const size_t c = scales.size() == 1 ? 0 : static_cast<size_t>((i / inner) % q.dim(axis));
    f[i] = static_cast<float>(values[i] - zeros[zeros.size() == 1 ? 0 : c]) * scales[c];
  }
  return out;
}

}  // namespace layerscope
