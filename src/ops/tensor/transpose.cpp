// Permutations of the axes: Transpose, and DepthToSpace / SpaceToDepth, which are a reshape to
// 6-D, a fixed transpose and a reshape back.
#include <algorithm>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

std::vector<int64_t> transpose_perm(const Node& n, int rank) {
  std::vector<int64_t> perm = n.attrs.get_ints("perm");
  if (!n.attrs.has("perm"))
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  return perm;
}

OpDef transpose_def() {
  OpDef d = op_def("Transpose", 1);
  d.data_movement = true;
  d.attributes = {{"perm", AttrType::INTS}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_movable(c, 0);
    const int rank = c.rank(0);
    std::vector<int64_t> perm = transpose_perm(c.node(), rank);
    if (static_cast<int>(perm.size()) != rank)
      c.error("'perm' has ", perm.size(), " entries but the input has rank ", rank);
    std::vector<bool> seen(rank, false);
    Shape out(rank);
    for (int i = 0; i < rank; ++i) {
      if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
        c.error("'perm' ", shape_to_string(perm), " is not a permutation of 0..", rank - 1);
      seen[perm[i]] = true;
      out[i] = c.shape(0)[perm[i]];
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    transpose_reference(*in[0], transpose_perm(n, in[0]->rank()), *out[0]);
  };
  return d;
}

int64_t blocksize(const InferContext& c) {
  if (!c.attrs().has("blocksize")) c.error("attribute 'blocksize' is required");
  int64_t b = c.attrs().get_int("blocksize", 0);
  if (b <= 0) c.error("attribute 'blocksize' must be positive, got ", b);
  return b;
}

// DepthToSpace, (N, C, H, W) -> (N, C/b², H·b, W·b):
//   DCR: view as (N, b, b, C/b², H, W), permute (0, 3, 4, 1, 5, 2)
//   CRD: view as (N, C/b², b, b, H, W), permute (0, 1, 4, 2, 5, 3)
OpDef depth_to_space_def(int since, int until) {
  OpDef d = op_def("DepthToSpace", since, until);
  d.data_movement = true;
  d.attributes = {{"blocksize", AttrType::INT}};
  if (since >= 11) d.attributes.push_back({"mode", AttrType::STRING});
  d.infer = [since](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_movable(c, 0);
    if (c.rank(0) != 4) c.error("input must be 4-D (N, C, H, W), got ", shape_to_string(c.shape(0)));
    const int64_t b = blocksize(c);
    std::string mode = since >= 11 ? c.attrs().get_string("mode", "DCR") : "DCR";
    if (mode != "DCR" && mode != "CRD")
      c.error("attribute 'mode' = '", mode, "' is not supported; expected DCR or CRD");
    const Shape& s = c.shape(0);
    if (s[1] % (b * b)) c.error("channels (", s[1], ") are not divisible by blocksize² (", b * b, ")");
    c.set_output(0, c.dtype(0), {s[0], s[1] / (b * b), s[2] * b, s[3] * b});
  };
  d.reference = [since](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Shape& s = in[0]->shape();
    const int64_t b = n.attrs.get_int("blocksize", 1), c = s[1] / (b * b);
    bool crd = since >= 11 && n.attrs.get_string("mode", "DCR") == "CRD";
    Tensor x = crd ? in[0]->reshaped({s[0], c, b, b, s[2], s[3]}) : in[0]->reshaped({s[0], b, b, c, s[2], s[3]});
    Tensor y = out[0]->reshaped({s[0], c, s[2], b, s[3], b});
    transpose_reference(x, crd ? std::vector<int64_t>{0, 1, 4, 2, 5, 3} : std::vector<int64_t>{0, 3, 4, 1, 5, 2}, y);
  };
  return d;
}

// SpaceToDepth, (N, C, H, W) -> (N, C·b², H/b, W/b): view as (N, C, H/b, b, W/b, b),
// permute (0, 3, 5, 1, 2, 4).
OpDef space_to_depth_def() {
  OpDef d = op_def("SpaceToDepth", 1);
  d.data_movement = true;
  d.attributes = {{"blocksize", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    expect_movable(c, 0);
    if (c.rank(0) != 4) c.error("input must be 4-D (N, C, H, W), got ", shape_to_string(c.shape(0)));
    const int64_t b = blocksize(c);
    const Shape& s = c.shape(0);
    if (s[2] % b || s[3] % b) c.error("height and width (", s[2], ", ", s[3], ") must be divisible by blocksize ", b);
    c.set_output(0, c.dtype(0), {s[0], s[1] * b * b, s[2] / b, s[3] / b});
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Shape& s = in[0]->shape();
    const int64_t b = n.attrs.get_int("blocksize", 1);
    Tensor x = in[0]->reshaped({s[0], s[1], s[2] / b, b, s[3] / b, b});
    Tensor y = out[0]->reshaped({s[0], b, b, s[1], s[2] / b, s[3] / b});
    transpose_reference(x, {0, 3, 5, 1, 2, 4}, y);
  };
  return d;
}

}  // namespace

void register_transpose_ops(OpRegistry& r) {
  r.add_op(transpose_def());
  r.add_op(depth_to_space_def(1, 10));
  r.add_op(depth_to_space_def(11, INT_MAX));  // + mode (DCR / CRD)
  r.add_op(space_to_depth_def());
}

}  // namespace layerscope
