// Shape logic of ONNX MatMul (numpy matmul): batched matrix products with the batch dims
// broadcast, and 1-D operands promoted to a matrix (A: [K] -> [1, K], B: [K] -> [K, 1]) whose
// added dim is removed from the output again. Shared by inference, cost, the reference kernel
// and the optimized kernels.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

struct MatMulShape {
  int64_t M = 0, K = 0, N = 0;
  Shape batch;             // broadcast batch dims of the output (may be empty)
  Shape a_batch, b_batch;  // each operand's batch dims, left-padded with 1s to batch.size()
  bool a_vector = false;   // A was 1-D
  bool b_vector = false;   // B was 1-D
  Shape output;            // Y's shape

  int64_t batch_size() const;  // prod(batch), 1 when there is none
  // Element offset of the (M x K) matrix of A / (K x N) matrix of B used by output batch item
  // `b` in [0, batch_size()), for contiguous row-major A and B (broadcast dims repeat).
  int64_t a_offset(int64_t b) const;
  int64_t b_offset(int64_t b) const;
  // True when B has a single matrix reused by every batch item (B is 1-D/2-D or all its batch
  // dims are 1): then A's batch can be folded into M, as in [batch*M, K] x [K, N].
  bool b_shared() const;
};

// Returns false and sets *why (if non-null) when the shapes are not compatible.
bool try_matmul_shape(const Shape& a, const Shape& b, MatMulShape* out, std::string* why = nullptr);
// Same, throwing layerscope::Error naming the node.
MatMulShape matmul_shape(const Node& node, const Shape& a, const Shape& b);

}  // namespace layerscope
