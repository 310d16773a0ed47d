// Where native:sdpa and native:flash_sdpa find each head's Q, K^T, V, output rows and mask: the
// operands are strided views of the input buffers (ops/fused/attention_operands.h), so every one
// is described by a base offset per batch item (head) and a row and a column stride, which oneDNN
// matmul takes as a strided memory descriptor.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/kernel.h"

namespace layerscope::attention_geometry {

// A [rows, cols] matrix per batch item, inside one buffer.
struct MatrixView {
  std::vector<int64_t> offsets;  // per batch item, elements from the buffer's start
  int64_t row = 0, col = 0;      // element strides
};

struct Geometry {
  int64_t batch = 1, Lq = 0, Lk = 0, D = 0, Dv = 0;
  Shape scores;   // [batch dims..., Lq, Lk]: what a mask broadcasts to
  MatrixView q;   // [Lq, D]
  MatrixView kt;  // K^T [D, Lk], whichever way K is stored
  MatrixView v;   // [Lk, Dv]
  MatrixView o;   // [Lq, Dv] of the output
};

// The views of an SDPAttention node whose shapes inference accepted.
Geometry of(const KernelSetup& s);

// The additive mask of shape `mask` (broadcastable to g.scores) as a [Lq, Lk] matrix per batch
// item: element (i, j) of item b at offsets[b] + i * row + j * col (strides 0 where it broadcasts).
MatrixView mask_of(const Geometry& g, const Shape& mask);

}  // namespace layerscope::attention_geometry
