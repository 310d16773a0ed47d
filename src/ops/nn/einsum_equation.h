// Einsum equations (ONNX Einsum, opset 12+), parsed and bound to the operands' shapes; shared by
// the OpDef (shape inference, cost, reference kernel) and the oneDNN kernel.
//
// Grammar (spaces are ignored anywhere): term {',' term} ['->' term], where a term is letters
// a-z / A-Z with at most one '...' among them. Semantics follow numpy.einsum, which ONNX's
// reference implementation calls:
//   - a label names one index; it may occur in several operands (a product over them) and
//     twice in one operand (the diagonal: both axes must have the same size);
//   - labels absent from the output are summed out;
//   - '...' stands for the dims not named by letters; the '...' dims of all operands
//     broadcast against each other numpy-style (right-aligned, size 1 stretches). ONNX's text
//     asks every '...' to cover the same number of dims (onnxruntime's shape inference refuses
//     (2,1,2,3) x (5,3,4) for '...ij,...jk'); numpy, which ONNX's reference implementation
//     calls, right-aligns them, and so do we: a superset, never a different answer;
//   - a lettered dim of size 1 broadcasts against the same label's larger size in another
//     operand (numpy does this too; within one operand the diagonal needs equal sizes);
//   - without '->' (implicit mode) the output is the '...' dims followed by the labels that
//     occur exactly once in the whole equation, in ASCII order (upper case before lower case);
//   - with '->' the output may list each label once; it must keep '...' when the '...' dims
//     are not empty (numpy refuses to sum them out implicitly).
#pragma once
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace layerscope {

// Label ids: 'A'-'Z' are 0-25, 'a'-'z' are 26-51 (ASCII order, which implicit mode sorts by);
// the dims covered by '...' get ids kEllipsisLabel0 + j, j = 0 for the outermost.
inline constexpr int kLetterLabels = 52;
inline constexpr int kEllipsisLabel0 = kLetterLabels;

struct EinsumSpec {
  // Per operand, per axis: its label id.
  std::vector<std::vector<int>> operand_labels;
  // Per output axis: its label id (each at most once).
  std::vector<int> output_labels;
  // Per label id (kEllipsisLabel0 + ellipsis dims entries): its size after broadcasting, or -1
  // when the label is not used.
  std::vector<int64_t> label_size;
  // The operands' shapes as bound.
  std::vector<Shape> operand_shapes;

  int num_operands() const { return static_cast<int>(operand_labels.size()); }
  int num_labels() const { return static_cast<int>(label_size.size()); }
  bool used(int label) const { return label_size[label] >= 0; }
  bool in_output(int label) const;
  bool in_operand(int k, int label) const;
  Shape output_shape() const;
  // Labels that are used but absent from the output (summed out), in id order.
  std::vector<int> summed_labels() const;
  // Element strides of row-major operand k per label id: the sum of the strides of its axes
  // with that label (the diagonal, for a repeated label), 0 for an axis of size 1 broadcast
  // to a larger label size and for labels absent from operand k.
  std::vector<int64_t> label_strides(int k) const;
  // True when operand k names every label at most once and no axis is broadcast: reading it
  // in another label order is a plain transpose.
  bool plain_axes(int k) const;
  // The product of the sizes of every used label: the points of the joint index space.
  double index_space() const;
};

// Parses node.attrs "equation" and binds it to the operands' shapes. Every problem (a bad
// character, a misplaced '.', '-' or '>', operand count or rank mismatches, sizes that do not
// broadcast, output labels repeated or unknown) throws Error naming the node and the equation.
EinsumSpec einsum_spec(const Node& node, std::span<const Shape> shapes);

// "'i'" for a letter, "'...' dim 1" for the second dim covered by '...'.
std::string einsum_label_name(int label);

}  // namespace layerscope
