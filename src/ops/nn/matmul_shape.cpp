#include "ops/nn/matmul_shape.h"

namespace layerscope {

int64_t MatMulShape::batch_size() const { return shape_numel(batch); }

// Walk the output batch index from the innermost dim outwards; a dim the operand broadcasts
// (size 1) contributes nothing to its offset.
static int64_t operand_offset(int64_t b, const Shape& batch, const Shape& own, int64_t matrix_elems) {
  int64_t off = 0, stride = matrix_elems;
  for (size_t i = batch.size(); i-- > 0;) {
    int64_t idx = b % batch[i];
    b /= batch[i];
    if (own[i] != 1) off += idx * stride;
    stride *= own[i];
  }
  return off;
}

int64_t MatMulShape::a_offset(int64_t b) const { return operand_offset(b, batch, a_batch, M * K); }
int64_t MatMulShape::b_offset(int64_t b) const { return operand_offset(b, batch, b_batch, K * N); }

bool MatMulShape::b_shared() const {
  for (int64_t d : b_batch)
    if (d != 1) return false;
  return true;
}

bool try_matmul_shape(const Shape& a, const Shape& b, MatMulShape* out, std::string* why) {
  auto bad = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  if (a.empty() || b.empty()) return bad("MatMul operands must have rank >= 1 (scalars are not allowed)");
  MatMulShape s;
  s.a_vector = a.size() == 1;
  s.b_vector = b.size() == 1;
  // Promote 1-D operands: A [K] -> [1, K], B [K] -> [K, 1].
  Shape a2 = s.a_vector ? Shape{1, a[0]} : a;
  Shape b2 = s.b_vector ? Shape{b[0], 1} : b;
  s.M = a2[a2.size() - 2];
  s.K = a2[a2.size() - 1];
  s.N = b2[b2.size() - 1];
  if (b2[b2.size() - 2] != s.K)
    return bad("inner dimensions do not match: A " + shape_to_string(a) + " has K = " + std::to_string(s.K) +
               " but B " + shape_to_string(b) + " has K = " + std::to_string(b2[b2.size() - 2]));
  Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  size_t rank = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), rank - ab.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  s.batch.resize(rank);
  for (size_t i = 0; i < rank; ++i) {
    if (ab[i] == bb[i] || bb[i] == 1) s.batch[i] = ab[i];
    else if (ab[i] == 1) s.batch[i] = bb[i];
    else
      return bad("batch dimensions of A " + shape_to_string(a) + " and B " + shape_to_string(b) +
                 " cannot be broadcast together");
  }
  s.a_batch = std::move(ab);
  s.b_batch = std::move(bb);
  s.output = s.batch;
  if (!s.a_vector) s.output.push_back(s.M);
  if (!s.b_vector) s.output.push_back(s.N);
  *out = std::move(s);
  return true;
}

MatMulShape matmul_shape(const Node& node, const Shape& a, const Shape& b) {
  MatMulShape s;
  std::string why;
  if (!try_matmul_shape(a, b, &s, &why)) fail(Graph::describe(node), ": ", why);
  return s;
}

}  // namespace layerscope
