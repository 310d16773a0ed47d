// The recurrent ops RNN, GRU and LSTM (ONNX opsets 7 and later): what a node asks for, parsed and
// checked once from its attributes and input shapes. Shape inference, cost, the reference
// kernel (recurrent_reference.cpp), the oneDNN kernel (kernels/onednn/rnn.cpp) and the native
// one (kernels/native/recurrent.cpp) all read this one description, so they cannot disagree
// about a direction, a gate count or a layout.
//
// Shapes (D = num_directions, G = gates, T = seq_length, N = batch, I = input_size, H = hidden):
//   X [T, N, I] (layout 0) or [N, T, I] (layout 1, opset 14+)
//   W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H] (Wb then Rb), sequence_lens [N] (int32),
//   initial_h / initial_c [D, N, H] (layout 0) or [N, D, H] (layout 1), P [D, 3*H] (LSTM)
//   Y [T, D, N, H] (layout 0) or [N, T, D, H] (layout 1); Y_h / Y_c as initial_h.
// Gate order in W, R and B: RNN (i), GRU (z, r, h), LSTM (i, o, f, c); P is (i, o, f).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

enum class RecurrentKind { Rnn, Gru, Lstm };

// The activation functions the spec lists for these ops, with their parameters.
enum class RecurrentActivationKind {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus
};

struct RecurrentActivation {
  RecurrentActivationKind kind = RecurrentActivationKind::Tanh;
  float alpha = 0.f, beta = 0.f;
  double operator()(double x) const;
};

struct RecurrentParams {
  RecurrentKind kind = RecurrentKind::Rnn;
  enum class Direction { Forward, Reverse, Bidirectional } direction = Direction::Forward;
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int dirs = 1;    // num_directions: 2 for bidirectional
  int gates = 1;   // 1 (RNN), 3 (GRU), 4 (LSTM)
  int layout = 0;  // 0: time-major X/Y; 1: batch-major (opset 14+)
  bool has_clip = false;
  float clip = 0.f;                  // pre-activations are clipped to [-clip, clip] when has_clip
  bool input_forget = false;         // LSTM: f = 1 - i
  bool linear_before_reset = false;  // GRU: apply R_h before the reset gate
  // Per direction (forward first): RNN f; GRU f, g; LSTM f, g, h.
  std::vector<RecurrentActivation> activations;

  int activations_per_direction() const { return kind == RecurrentKind::Rnn ? 1 : kind == RecurrentKind::Gru ? 2 : 3; }
  const RecurrentActivation& activation(int dir, int k) const {
    return activations[static_cast<size_t>(dir * activations_per_direction() + k)];
  }
  // True for the direction that walks time backwards (direction 1 of bidirectional, or reverse).
  bool runs_backwards(int dir) const {
    return direction == Direction::Reverse || (direction == Direction::Bidirectional && dir == 1);
  }
  // Shapes of Y and of Y_h / Y_c for this layout.
  Shape y_shape() const;
  Shape state_shape() const;
  // True when every activation is the op's default (RNN Tanh; GRU Sigmoid, Tanh; LSTM
  // Sigmoid, Tanh, Tanh), in every direction.
  bool default_activations() const;
};

// Input positions, the same in all three ops (LSTM adds initial_c and P).
namespace recurrent_input {
constexpr int X = 0, W = 1, R = 2, B = 3, SequenceLens = 4, InitialH = 5, InitialC = 6, P = 7;
}

RecurrentKind recurrent_kind(const std::string& op_type);
// Parses and checks node `n` against its input shapes (per input; nullptr for an omitted
// optional input). Throws Error naming the node and what was expected.
RecurrentParams recurrent_params(const Node& n, std::span<const Shape* const> shapes);

}  // namespace layerscope
