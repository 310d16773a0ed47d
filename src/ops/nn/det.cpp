// Det (11): the determinant of each trailing square matrix, X [*, M, M] -> [*], by Gaussian
// elimination with partial pivoting in double precision.
#include <cmath>
#include <utility>
#include <vector>

#include "ops/nn/attrs.h"
#include "ops/nn/norm_common.h"

namespace layerscope {

namespace {

double determinant(std::vector<double>& a, int64_t m) {
  double det = 1;
  for (int64_t col = 0; col < m; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < m; ++r)
      if (std::abs(a[r * m + col]) > std::abs(a[pivot * m + col])) pivot = r;
    if (a[pivot * m + col] == 0) return 0;
    if (pivot != col) {
      for (int64_t j = 0; j < m; ++j) std::swap(a[col * m + j], a[pivot * m + j]);
      det = -det;
    }
    const double p = a[col * m + col];
    det *= p;
    for (int64_t r = col + 1; r < m; ++r) {
      const double f = a[r * m + col] / p;
      for (int64_t j = col; j < m; ++j) a[r * m + j] -= f * a[col * m + j];
    }
  }
  return det;
}

OpDef det_def() {
  OpDef d;
  d.op_type = "Det";
  d.since = 11;
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    nn::expect_float(c, 0, "X");
    const Shape& s = c.shape(0);
    if (s.size() < 2 || s[s.size() - 1] != s[s.size() - 2])
      c.error("input X must be [*, M, M] (square matrices), got ", shape_to_string(s));
    c.set_output(0, c.dtype(0), Shape(s.begin(), s.end() - 2));
  };
  d.reference = [](const Node&, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const int64_t m = x.dim(-1), matrices = out[0]->numel();
    std::vector<double> a(m * m);
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t i = 0; i < matrices; ++i) {
        const T* src = x.data_as<T>() + i * m * m;
        a.assign(src, src + m * m);
        out[0]->data_as<T>()[i] = static_cast<T>(determinant(a, m));
      }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    const auto& s = c.inputs[0].shape;
    const double m = s.empty() ? 0 : static_cast<double>(s.back());
    cost.macs = static_cast<double>(shape_numel(c.outputs[0].shape)) * m * m * m / 3;  // elimination
    return cost;
  };
  return d;
}

}  // namespace

void register_nn_det_ops(OpRegistry& r) { r.add_op(det_def()); }

}  // namespace layerscope
