// SDPAttention (fused/transformer.h): softmax(Q K^T * scale + mask) V over the last two dims,
// the batch dims ([B, H] in the models) shared by Q, K and V. Q, K, V may be views of the
// inputs and the output a transposed write (q_slice, q_shape, q_perm, ..., out_perm:
// attention_operands.h). The reference chains the ONNX Slice / Reshape / Transpose / Gather (the
// views), Transpose (when K is not already transposed), MatMul, Mul, Add, Softmax, MatMul and
// Transpose (out_perm) references.
#include <algorithm>
#include <array>
#include <numeric>

#include "ops/fused/attention_operands.h"
#include "ops/fused/reference.h"
#include "ops/fused/transformer.h"
#include "ops/op_utils.h"

namespace layerscope {
namespace {

using fused_ref::as_onnx;
using fused_ref::onnx_op;

struct AttnDims {
  Shape batch;  // leading dims shared by Q, K, V
  int64_t Lq = 0, Lk = 0, D = 0, Dv = 0;
  Shape scores() const {  // [batch..., Lq, Lk]
    Shape s = batch;
    s.push_back(Lq);
    s.push_back(Lk);
    return s;
  }
};

// The logical Q, K, V (after the views), checked.
std::array<Shape, 3> operand_shapes(const InferContext& c) {
  std::array<Shape, 3> s;
  for (int i : {kAttnQ, kAttnK, kAttnV}) {
    if (std::string p = attention_operand_problem(c.node(), i, c.shape(i)); !p.empty())
      c.error("input ", i, " has shape ", shape_to_string(c.shape(i)), ": ", p);
    s[i] = attention_operand(c.node(), i, c.shape(i)).shape;
  }
  return s;
}

AttnDims attention_dims(const InferContext& c, const Shape& q, const Shape& k, const Shape& v) {
  const bool kt = c.attrs().get_int("k_transposed", 0) != 0;
  const int r = static_cast<int>(q.size());
  if (r < 2) c.error("input Q has shape ", shape_to_string(q), "; expected rank >= 2");
  if (static_cast<int>(k.size()) != r || static_cast<int>(v.size()) != r)
    c.error("Q, K and V must have the same rank, got ", shape_to_string(q), ", ", shape_to_string(k), ", ",
            shape_to_string(v));
  AttnDims d;
  d.batch.assign(q.begin(), q.end() - 2);
  if (!std::equal(d.batch.begin(), d.batch.end(), k.begin()) || !std::equal(d.batch.begin(), d.batch.end(), v.begin()))
    c.error("Q, K and V must share their leading (batch) dims, got ", shape_to_string(q), ", ", shape_to_string(k),
            ", ", shape_to_string(v));
  d.Lq = q[r - 2];
  d.D = q[r - 1];
  d.Lk = kt ? k[r - 1] : k[r - 2];
  const int64_t kd = kt ? k[r - 2] : k[r - 1];
  if (kd != d.D)
    c.error("K has shape ", shape_to_string(k), " (k_transposed = ", kt, "): its head size ", kd,
            " does not match Q's ", d.D);
  if (v[r - 2] != d.Lk) c.error("V has shape ", shape_to_string(v), "; expected ", d.Lk, " keys (from K)");
  d.Dv = v[r - 1];
  return d;
}

void infer_attention(InferContext& c) {
  c.expect_inputs(3, 4);
  for (int i = 0; i < c.num_inputs(); ++i)
    if (c.has_input(i) && c.dtype(i) != DType::F32 && c.dtype(i) != DType::F64)
      c.error("input ", i, " is ", dtype_name(c.dtype(i)), "; expected FLOAT or DOUBLE");
  for (int i : {kAttnK, kAttnV, kAttnMask})
    if (c.has_input(i) && c.dtype(i) != c.dtype(kAttnQ))
      c.error("input ", i, " is ", dtype_name(c.dtype(i)), "; expected Q's type ", dtype_name(c.dtype(kAttnQ)));
  const std::array<Shape, 3> qkv = operand_shapes(c);
  AttnDims d = attention_dims(c, qkv[kAttnQ], qkv[kAttnK], qkv[kAttnV]);
  if (c.has_input(kAttnMask)) {
    Shape b;
    if (!try_broadcast_shapes(d.scores(), c.shape(kAttnMask), &b) || b != d.scores())
      c.error("the mask has shape ", shape_to_string(c.shape(kAttnMask)), ", which does not broadcast to the scores' ",
              shape_to_string(d.scores()));
  }
  Shape out = d.batch;
  out.push_back(d.Lq);
  out.push_back(d.Dv);
  if (std::string p = attention_output_problem(c.node(), static_cast<int>(out.size())); !p.empty())
    c.error("the result has shape ", shape_to_string(out), ": ", p);
  c.set_output(0, c.dtype(kAttnQ), attention_output_shape(c.node(), out));
}

// Both products' MACs; per score: the scale, the mask add and softmax's max, subtract-exp,
// sum and normalise (4). Bytes: Q, K, V (the viewed parts) and the mask read once, the output
// written once: the [Lq, Lk] score matrix of each head never goes to memory (that is the point
// of the fusion).
Cost attention_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  if (c.inputs.size() <= kAttnV) return cost;
  std::array<Shape, 3> qkv;
  for (int i : {kAttnQ, kAttnK, kAttnV}) {
    if (!attention_operand_problem(c.node, i, c.inputs[i].shape).empty()) return cost;
    qkv[i] = attention_operand(c.node, i, c.inputs[i].shape).shape;
  }
  // A view reads only its operand: Depth-Anything's Q, K and V are thirds of one input.
  cost.bytes_read = 0;
  for (int i : {kAttnQ, kAttnK, kAttnV})
    cost.bytes_read += shape_numel(qkv[i]) * static_cast<int64_t>(dtype_size(c.inputs[i].dtype));
  if (c.inputs.size() > kAttnMask && c.inputs[kAttnMask].dtype != DType::Undefined)
    cost.bytes_read += c.inputs[kAttnMask].bytes();
  const Shape &q = qkv[kAttnQ], &k = qkv[kAttnK], &v = qkv[kAttnV];
  if (q.size() < 2 || k.size() != q.size() || v.size() != q.size() || q.back() == 0) return cost;
  const double rows = static_cast<double>(shape_numel(q)) / static_cast<double>(q.back());  // batch * Lq
  const bool kt = c.node.attrs.get_int("k_transposed", 0) != 0;
  const double Lk = static_cast<double>(kt ? k.back() : k[k.size() - 2]);
  const bool mask = c.inputs.size() > kAttnMask && c.inputs[kAttnMask].dtype != DType::Undefined;
  cost.macs = rows * Lk * static_cast<double>(q.back() + v.back());
  cost.other_ops = rows * Lk * (5.0 + (mask ? 1.0 : 0.0));
  return cost;
}

// Attributes of an ONNX Transpose with `perm`.
Attributes transpose_attrs(std::vector<int64_t> perm) {
  Attributes a;
  a.set("perm", std::move(perm));
  return a;
}

// A 1-D INT64 tensor holding `values` (the index inputs of Slice, Reshape and Gather).
Tensor int64s(const std::vector<int64_t>& values, bool scalar = false) {
  Tensor t(DType::I64, scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data_as<int64_t>());
  return t;
}

// An operand view (attention_operands.h) computed by the ONNX references of the ops it stands
// for: Slice, Reshape, Transpose, then Gather. The oracle never goes through StridedView.
struct ViewReferences {
  RefKernelFn slice, reshape, transpose, gather;
  explicit ViewReferences(const OpRegistry& r)
      : slice(onnx_op(r, "Slice", 13).reference),
        reshape(onnx_op(r, "Reshape", 14).reference),
        transpose(onnx_op(r, "Transpose", 13).reference),
        gather(onnx_op(r, "Gather", 13).reference) {}

  Tensor materialise(const Node& n, const OperandView& view, const Tensor& input) const {
    Tensor x = input;
    if (view.slice) {
      const AxisSlice& s = *view.slice;
      Tensor starts = int64s({s.start}), ends = int64s({s.end}), axes = int64s({s.axis});
      Shape shape = x.shape();
      shape[s.axis] = s.end - s.start;
      x = fused_ref::run(slice, as_onnx(n, "Slice", 13, {}), {&x, &starts, &ends, &axes}, x.dtype(), shape);
    }
    if (!view.shape.empty()) {
      Tensor shape = int64s(view.shape);
      x = fused_ref::run(reshape, as_onnx(n, "Reshape", 14, {}), {&x, &shape}, x.dtype(), view.shape);
    }
    if (!view.perm.empty()) {
      Shape shape;
      for (int64_t p : view.perm) shape.push_back(x.dim(static_cast<int>(p)));
      x = fused_ref::run(transpose, as_onnx(n, "Transpose", 13, transpose_attrs(view.perm)), {&x}, x.dtype(), shape);
    }
    if (view.index) {
      Tensor index = int64s({*view.index}, true);
      Attributes axis0;
      axis0.set("axis", int64_t{0});
      x = fused_ref::run(gather, as_onnx(n, "Gather", 13, axis0), {&x, &index}, x.dtype(),
                         Shape(x.shape().begin() + 1, x.shape().end()));
    }
    return x;
  }
};

}  // namespace

void register_fused_attention_ops(OpRegistry& r) {
  RefKernelFn transpose = onnx_op(r, "Transpose", 13).reference, matmul = onnx_op(r, "MatMul", 13).reference,
              mul = onnx_op(r, "Mul", 14).reference, add = onnx_op(r, "Add", 14).reference,
              softmax = onnx_op(r, "Softmax", 13).reference;
  const ViewReferences view_refs(r);
  OpDef d;
  d.domain = kFusedDomain;
  d.op_type = "SDPAttention";
  d.since = 1;
  d.attributes = {{"scale", AttrType::FLOAT}, {"k_transposed", AttrType::INT}, {kAttnOutPermAttr, AttrType::INTS}};
  for (int i : {kAttnQ, kAttnK, kAttnV})
    d.attributes.insert(d.attributes.end(), {{kAttnSliceAttrs[i], AttrType::INTS},
                                             {kAttnShapeAttrs[i], AttrType::INTS},
                                             {kAttnPermAttrs[i], AttrType::INTS},
                                             {kAttnIndexAttrs[i], AttrType::INT}});
  d.infer = infer_attention;
  d.cost = attention_cost;
  d.reference = [=](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    // The logical operands: the views materialised by the ops they stand for.
    Tensor owned[3];
    const Tensor* qkv[3];
    for (int i : {kAttnQ, kAttnK, kAttnV}) {
      owned[i] = view_refs.materialise(n, attention_operand_view(n, i), *in[i]);
      qkv[i] = &owned[i];
    }
    const Tensor &q = *qkv[kAttnQ], &v = *qkv[kAttnV];
    const DType dt = q.dtype();
    const int r = q.rank();
    Tensor kt_owned;
    const Tensor* kt = qkv[kAttnK];
    if (n.attrs.get_int("k_transposed", 0) == 0) {
      std::vector<int64_t> perm(r);
      std::iota(perm.begin(), perm.end(), 0);
      std::swap(perm[r - 1], perm[r - 2]);
      Shape s = kt->shape();
      std::swap(s[r - 1], s[r - 2]);
      kt_owned = fused_ref::run(transpose, as_onnx(n, "Transpose", 13, transpose_attrs(perm)), {kt}, dt, s);
      kt = &kt_owned;
    }
    Shape scores(q.shape().begin(), q.shape().end() - 1);
    scores.push_back(kt->dim(-1));
    Tensor s = fused_ref::run(matmul, as_onnx(n, "MatMul", 13, {}), {&q, kt}, dt, scores);
    Tensor scale = fused_ref::scalar_f32(n.attrs.get_float("scale", 1.f));
    if (dt == DType::F64) {
      Tensor s64(DType::F64, {});
      *s64.data_as<double>() = *scale.data_as<float>();
      scale = s64;
    }
    s = fused_ref::run(mul, as_onnx(n, "Mul", 14, {}), {&s, &scale}, dt, scores);
    if (in.size() > kAttnMask && in[kAttnMask])
      s = fused_ref::run(add, as_onnx(n, "Add", 14, {}), {&s, in[kAttnMask]}, dt, scores);
    Attributes sa;
    sa.set("axis", int64_t{-1});
    s = fused_ref::run(softmax, as_onnx(n, "Softmax", 13, sa), {&s}, dt, scores);
    std::optional<std::vector<int64_t>> out_perm = attention_out_perm(n);
    if (!out_perm) {
      const Tensor* pv[] = {&s, &v};
      matmul(as_onnx(n, "MatMul", 13, {}), pv, out);
      return;
    }
    Shape result(scores.begin(), scores.end() - 1);
    result.push_back(v.dim(-1));
    Tensor o = fused_ref::run(matmul, as_onnx(n, "MatMul", 13, {}), {&s, &v}, dt, result);
    const Tensor* t[] = {&o};
    transpose(as_onnx(n, "Transpose", 13, transpose_attrs(*out_perm)), t, out);
  };
  r.add_op(std::move(d));
}

}  // namespace layerscope
