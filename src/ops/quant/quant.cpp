// Quantization family entry point: the ops live in the other files of this folder, by topic.
#include "ops/quant/quant_ops.h"

namespace layerscope {

void register_quant_ops(OpRegistry& r) {
  register_quantize_linear_ops(r);
  register_integer_linear_ops(r);
  register_contrib_qlinear_ops(r);
}

}  // namespace layerscope
