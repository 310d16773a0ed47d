// MatMul and Gemm.
#include <algorithm>
#include <type_traits>

#include "ops/nn/attrs.h"
#include "ops/nn/matmul_shape.h"

namespace layerscope {
namespace {

constexpr std::initializer_list<DType> kFloatTypes = {DType::F32, DType::F64};
constexpr std::initializer_list<DType> kNumericTypes = {DType::F32, DType::F64, DType::I32,
                                                        DType::I64, DType::U32, DType::U64};

// Numeric types the integer-capable opsets (MatMul/Gemm >= 9) accept, as C++ types.
template <typename F>
void dispatch_matmul_type(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I32: f(int32_t{}); break;
    case DType::I64: f(int64_t{}); break;
    case DType::U32: f(uint32_t{}); break;
    case DType::U64: f(uint64_t{}); break;
    default: fail("MatMul/Gemm: element type ", dtype_name(dt), " is not supported");
  }
}

// ---- MatMul: Y[b] = A[b] x B[b], batch dims broadcast (matmul_shape.h) ----

void matmul_infer(InferContext& ctx, bool integers) {
  ctx.expect_inputs(2, 2);
  nn::expect_types(ctx, 0, "A", integers ? kNumericTypes : kFloatTypes);
  nn::expect_same_type(ctx, 0, "A", 1, "B");
  MatMulShape s = matmul_shape(ctx.node(), ctx.shape(0), ctx.shape(1));
  ctx.set_output(0, ctx.dtype(0), s.output);
}

Cost matmul_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  MatMulShape s;
  if (try_matmul_shape(c.inputs[0].shape, c.inputs[1].shape, &s))
    cost.macs = static_cast<double>(s.batch_size()) * s.M * s.N * s.K;
  return cost;
}

void matmul_reference(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  MatMulShape s = matmul_shape(node, in[0]->shape(), in[1]->shape());
  dispatch_matmul_type(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data_as<T>();
    const T* b = in[1]->data_as<T>();
    T* y = out[0]->data_as<T>();
    const int64_t M = s.M, N = s.N, K = s.K, rows = s.batch_size() * M;
    // One output row per iteration: y[m, :] = sum_k a[m, k] * b[k, :] (row of B innermost).
#pragma omp parallel for
    for (int64_t r = 0; r < rows; ++r) {
      int64_t bi = r / M, m = r % M;
      const T* arow = a + s.a_offset(bi) + m * K;
      const T* bm = b + s.b_offset(bi);
      T* yrow = y + r * N;
      std::fill(yrow, yrow + N, T(0));
      for (int64_t k = 0; k < K; ++k) {
        T av = arow[k];
        const T* brow = bm + k * N;
        for (int64_t n = 0; n < N; ++n) yrow[n] += av * brow[n];
      }
    }
  });
}

// ---- Gemm: Y = alpha * op(A) x op(B) + beta * C, C broadcast to (M, N) ----

struct GemmVariant {
  bool integers;        // opset >= 9: integer types
  bool c_optional;      // opset >= 11
  bool broadcast_attr;  // opset < 7: C is only broadcast when attribute broadcast != 0
};

struct GemmDims {
  int64_t M, N, K;
};

GemmDims gemm_dims(const Node& node, const Shape& a, const Shape& b) {
  auto err = [&](auto... parts) { fail(Graph::describe(node), ": ", parts...); };
  if (a.size() != 2) err("input A has shape ", shape_to_string(a), "; expected rank 2");
  if (b.size() != 2) err("input B has shape ", shape_to_string(b), "; expected rank 2");
  bool ta = node.attrs.get_int("transA", 0) != 0, tb = node.attrs.get_int("transB", 0) != 0;
  GemmDims d{ta ? a[1] : a[0], tb ? b[0] : b[1], ta ? a[0] : a[1]};
  int64_t kb = tb ? b[1] : b[0];
  if (kb != d.K)
    err("inner dimensions do not match: op(A) of ", shape_to_string(a), " (transA=", ta, ") has K = ", d.K,
        " but op(B) of ", shape_to_string(b), " (transB=", tb, ") has K = ", kb);
  return d;
}

void gemm_infer(InferContext& ctx, GemmVariant v) {
  if (!v.c_optional && !ctx.has_input(2)) ctx.error("input C is required (it is optional only from opset 11)");
  ctx.expect_inputs(2, 3);
  nn::expect_types(ctx, 0, "A", v.integers ? kNumericTypes : kFloatTypes);
  nn::expect_same_type(ctx, 0, "A", 1, "B");
  if (ctx.has_input(2)) nn::expect_same_type(ctx, 0, "A", 2, "C");
  GemmDims d = gemm_dims(ctx.node(), ctx.shape(0), ctx.shape(1));
  Shape y{d.M, d.N};
  if (ctx.has_input(2)) {
    const Shape& c = ctx.shape(2);
    bool may_broadcast = !v.broadcast_attr || ctx.attrs().get_int("broadcast", 0) != 0;
    Shape r;
    bool ok = may_broadcast ? (c.size() <= 2 && try_broadcast_shapes(y, c, &r) && r == y) : c == y;
    if (!ok)
      ctx.error("input C has shape ", shape_to_string(c), ", which does not ",
                may_broadcast ? "broadcast to" : "equal (attribute broadcast = 0)", " the output shape ",
                shape_to_string(y));
  }
  ctx.set_output(0, ctx.dtype(0), y);
}

Cost gemm_cost(const CostContext& c) {
  Cost cost = bytes_only_cost(c);
  const Shape& y = c.outputs[0].shape;
  if (y.size() != 2 || c.inputs[0].shape.size() != 2) return cost;
  int64_t K = c.node.attrs.get_int("transA", 0) ? c.inputs[0].shape[0] : c.inputs[0].shape[1];
  cost.macs = static_cast<double>(y[0]) * y[1] * K;
  bool has_c = c.inputs.size() > 2 && c.inputs[2].dtype != DType::Undefined;
  // Scaling by alpha and adding beta * C: one extra op per output element.
  if (has_c || c.node.attrs.get_float("alpha", 1.f) != 1.f) cost.other_ops = static_cast<double>(y[0]) * y[1];
  return cost;
}

void gemm_reference(const Node& node, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
  GemmDims d = gemm_dims(node, in[0]->shape(), in[1]->shape());
  bool ta = node.attrs.get_int("transA", 0) != 0, tb = node.attrs.get_int("transB", 0) != 0;
  double alpha = node.attrs.get_float("alpha", 1.f), beta = node.attrs.get_float("beta", 1.f);
  const Tensor* ct = in.size() > 2 ? in[2] : nullptr;
  std::vector<int64_t> cs = ct ? broadcast_strides(ct->shape(), {d.M, d.N}) : std::vector<int64_t>{0, 0};
  dispatch_matmul_type(in[0]->dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = in[0]->data_as<T>();
    const T* b = in[1]->data_as<T>();
    const T* c = ct ? ct->data_as<T>() : nullptr;
    T* y = out[0]->data_as<T>();
    const int64_t M = d.M, N = d.N, K = d.K;
    // Element (i, j) of op(A) / op(B) for row-major A, B.
    const int64_t a_si = ta ? 1 : K, a_sk = ta ? M : 1, b_sk = tb ? 1 : N, b_sj = tb ? K : 1;
#pragma omp parallel for
    for (int64_t m = 0; m < M; ++m) {
      T* yrow = y + m * N;
      std::fill(yrow, yrow + N, T(0));
      for (int64_t k = 0; k < K; ++k) {
        T av = a[m * a_si + k * a_sk];
        const T* bk = b + k * b_sk;
        for (int64_t n = 0; n < N; ++n) yrow[n] += av * bk[n * b_sj];
      }
      if (alpha == 1.0 && !c) continue;
      for (int64_t n = 0; n < N; ++n) {
        T cv = c ? c[m * cs[0] + n * cs[1]] : T(0);
        if constexpr (std::is_floating_point_v<T>) {
          yrow[n] = static_cast<T>(alpha) * yrow[n] + static_cast<T>(beta) * cv;
        } else if (alpha == 1.0 && beta == 1.0) {
          yrow[n] += cv;  // exact integer arithmetic in the common case
        } else {
          yrow[n] = static_cast<T>(alpha * static_cast<double>(yrow[n]) + beta * static_cast<double>(cv));
        }
      }
    }
  });
}

}  // namespace

void register_nn_matmul_ops(OpRegistry& r) {
  auto matmul = [&](int since, int until, bool integers) {
    OpDef d;
    d.op_type = "MatMul";
    d.since = since;
    d.until = until;
    d.infer = [integers](InferContext& c) { matmul_infer(c, integers); };
    d.cost = matmul_cost;
    d.reference = matmul_reference;
    r.add_op(std::move(d));
  };
  matmul(1, 8, false);       // float types only
  matmul(9, INT_MAX, true);  // + int32/int64/uint32/uint64 (13 adds bfloat16: unsupported)

  auto gemm = [&](int since, int until, GemmVariant v) {
    OpDef d;
    d.op_type = "Gemm";
    d.since = since;
    d.until = until;
    d.attributes = {
        {"alpha", AttrType::FLOAT}, {"beta", AttrType::FLOAT}, {"transA", AttrType::INT}, {"transB", AttrType::INT}};
    if (v.broadcast_attr) d.attributes.push_back({"broadcast", AttrType::INT});
    d.infer = [v](InferContext& c) { gemm_infer(c, v); };
    d.cost = gemm_cost;
    d.reference = gemm_reference;
    r.add_op(std::move(d));
  };
  gemm(1, 6, {false, false, true});        // C required, broadcast only if attribute broadcast=1
  gemm(7, 8, {false, false, false});       // unidirectional broadcast of C
  gemm(9, 10, {true, false, false});       // + integer types
  gemm(11, INT_MAX, {true, true, false});  // C optional
}

}  // namespace layerscope
