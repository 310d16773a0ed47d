// The oneDNN dims of a MatMul's operands (ops/nn/matmul_shape.h), shared by the float and the
// int8 matmul kernels: batch dims broadcast as numpy does (oneDNN matmul broadcasts size-1 batch
// dims of either operand); when B is one shared matrix, A's batch is folded into M, so the
// product is one [batch*M, K] x [K, N] GEMM.
#pragma once
#include "kernels/onednn/onednn_common.h"
#include "ops/nn/matmul_shape.h"

namespace layerscope::onednn {

struct MatMulDims {
  dims a, b, c;
};

inline MatMulDims matmul_dims(const MatMulShape& ms) {
  auto with_matrix = [](const Shape& batch, int64_t rows, int64_t cols) {
    dims d(batch.begin(), batch.end());
    d.push_back(rows);
    d.push_back(cols);
    return d;
  };
  if (ms.b_shared()) return {{ms.batch_size() * ms.M, ms.K}, {ms.K, ms.N}, {ms.batch_size() * ms.M, ms.N}};
  return {with_matrix(ms.a_batch, ms.M, ms.K), with_matrix(ms.b_batch, ms.K, ms.N), with_matrix(ms.batch, ms.M, ms.N)};
}

}  // namespace layerscope::onednn
