// The time steps of the native recurrent kernel (kernels/native/recurrent.cpp): given the input
// projection of every step (x W^T + biases, computed beforehand as one matrix product), one call
// runs one step of one direction over a range of hidden-unit blocks: the recurrent product
// h_{t-1} R^T for the block's gates, the gate activations and the state update, in registers,
// writing h / c and Y, Y_h, Y_c (ONNX layouts) directly.
//
// Packed layouts (V = the ISA's lanes; a block = V hidden units, nb = ceil(H / V) blocks,
// Hp = nb V; gates in ONNX order: LSTM i, o, f, c; GRU z, r, h; RNN one):
//   projection row (t, n) [D][nb][G][V]   (row t N + n for layout 0, n T + t for layout 1)
//   R packed              [D][nb][H][G][V] (block b, column k: the G x V weights h_{t-1}[k] feeds)
//   h                     [2][D][N][Hp]    (double-buffered by step parity; lanes >= H unused)
//   c                     [D][N][Hp]
// Streaming one block's [H][G][V] slab and accumulating G x (batch rows) vectors makes each
// weight a single load per step; a step walks the blocks forwards on even steps and backwards
// on odd ones, so the slabs used last are used first next time, still in L2.
#pragma once
#include <cstdint>

#include "ops/nn/recurrent.h"

namespace layerscope::native {

enum class RecurrentIsa { None, Avx2, Avx512 };

struct RecurrentSteps {
  RecurrentKind kind = RecurrentKind::Lstm;  // GRU: linear_before_reset only
  int gates = 4, dirs = 1, layout = 0;
  int64_t T = 0, N = 0, H = 0, blocks = 0, lanes = 0;
  bool backwards[2] = {false, false};
  const float* projection = nullptr;  // [T * N rows][dirs * blocks * gates * lanes]
  const float* r = nullptr;           // R packed
  const float* rb_h = nullptr;        // GRU: R's bias of gate h [D][Hp] (added inside the reset product)
  const float* peephole = nullptr;    // LSTM, or nullptr: [D][3 (i, o, f)][Hp]
  // Per batch row, its sequence length in [0, T] (nullptr: all T). Row n runs steps [0, len);
  // a backwards direction walks times len - 1 down to 0. After them its state carries over
  // (zeros when len is 0: Y_h / Y_c as the reference gives them) and Y is zero.
  const int32_t* lengths = nullptr;
  float* h = nullptr;
  float* c = nullptr;
  float* y = nullptr;  // outputs, or nullptr when not requested
  float* y_h = nullptr;
  float* y_c = nullptr;

  int64_t padded() const { return blocks * lanes; }
  int64_t projection_stride() const { return dirs * blocks * gates * lanes; }
};

// Runs step `step` (0-based, in the direction's own order) of direction `dir` for blocks
// [block_begin, block_end). Steps of one direction must run in order, each after every block
// of the previous one finished (they read all of h_{t-1}).
using RecurrentStepFn = void (*)(const RecurrentSteps& s, int dir, int64_t step, int64_t block_begin,
                                 int64_t block_end);

// The step function for `isa` (compiled in) and the cell kind, or nullptr.
RecurrentStepFn recurrent_step_function(RecurrentIsa isa, RecurrentKind kind);
// Lanes of `isa`'s vectors (16 or 8).
int recurrent_lanes(RecurrentIsa isa);
// The best ISA this build has a step function for (the build's -march decides), or None.
RecurrentIsa best_recurrent_isa();
// Tests: the ISA that native:recurrent kernels use from now on (None: the best), so that an
// AVX-512 machine checks the AVX2 path too. Set it while no plan is being built.
void set_recurrent_isa_override(RecurrentIsa isa);

}  // namespace layerscope::native
