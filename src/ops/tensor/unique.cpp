// Unique (11): the distinct elements (or, with `axis`, the distinct slices along it) of X, sorted
// ascending (sorted = 1, slices compared lexicographically) or in order of first occurrence;
// with each one's first index, every element's position among them and each one's count. The
// number of distinct values is the output's shape, so the node is dynamic unless X is constant.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <vector>

#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// X viewed as [outer, len, inner] around the axis (without one: [1, numel, 1]).
struct UniqueView {
  int64_t outer = 1, len = 0, inner = 1;
};

UniqueView unique_view(const Shape& s, bool has_axis, int axis) {
  UniqueView v;
  v.len = shape_numel(s);
  if (!has_axis) return v;
  v.len = s[axis];
  for (int i = 0; i < static_cast<int>(s.size()); ++i)
    if (i < axis) v.outer *= s[i];
    else if (i > axis) v.inner *= s[i];
  return v;
}

// Total order on elements: NaN after every number, NaNs equal to each other.
template <typename T>
bool elem_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return !std::isnan(a);
    if (std::isnan(a)) return false;
  }
  return a < b;
}

struct UniqueResult {
  std::vector<int64_t> first;    // per distinct slice (output order): its first index in X
  std::vector<int64_t> inverse;  // per slice of X: its distinct slice's output position
  std::vector<int64_t> counts;   // per distinct slice (output order)
};

UniqueResult find_unique(const Tensor& x, const UniqueView& v, bool sorted) {
  UniqueResult r;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data_as<T>();
    auto less = [&](int64_t a, int64_t b) {  // slice a < slice b, lexicographically
      for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) {
          const T ea = p[(o * v.len + a) * v.inner + i], eb = p[(o * v.len + b) * v.inner + i];
          if (elem_less(ea, eb)) return true;
          if (elem_less(eb, ea)) return false;
        }
      return false;
    };
    std::map<int64_t, int64_t, decltype(less)> seen(less);  // representative slice -> first-seen rank
    std::vector<int64_t> rank_of(v.len);
    for (int64_t s = 0; s < v.len; ++s) {
      auto [it, added] = seen.emplace(s, static_cast<int64_t>(seen.size()));
      if (added) r.first.push_back(s);
      rank_of[s] = it->second;
    }
    // Output position of each first-seen rank.
    std::vector<int64_t> position(seen.size());
    std::iota(position.begin(), position.end(), 0);
    if (sorted) {
      int64_t k = 0;
      for (const auto& [slice, rank] : seen) {
        position[rank] = k;
        r.first[k++] = slice;
      }
    }
    r.counts.assign(seen.size(), 0);
    for (int64_t s = 0; s < v.len; ++s) {
      r.inverse.push_back(position[rank_of[s]]);
      ++r.counts[position[rank_of[s]]];
    }
  };
  if (x.dtype() == DType::Bool) run(uint8_t{});
  else dispatch_numeric(x.dtype(), run);
  return r;
}

// Unique's four outputs: the unique values (slices along `axis`), the index of each one's
// first occurrence, the inverse indices and the counts.
std::vector<Tensor> unique_outputs(const Tensor& x, bool has_axis, int axis, bool sorted) {
  const UniqueView v = unique_view(x.shape(), has_axis, axis);
  const UniqueResult r = find_unique(x, v, sorted);
  const size_t es = dtype_size(x.dtype());
  const int64_t count = static_cast<int64_t>(r.first.size());
  Shape y_shape = {count};
  if (has_axis) {
    y_shape = x.shape();
    y_shape[axis] = count;
  }
  std::vector<Tensor> outs;
  outs.emplace_back(x.dtype(), y_shape);
  const char* src = static_cast<const char*>(x.data());
  char* dst = static_cast<char*>(outs[0].data());
  for (int64_t o = 0; o < v.outer; ++o)
    for (int64_t k = 0; k < count; ++k)
      std::memcpy(dst + (o * count + k) * v.inner * es, src + (o * v.len + r.first[k]) * v.inner * es, v.inner * es);
  for (const std::vector<int64_t>* list : {&r.first, &r.inverse, &r.counts}) {
    outs.emplace_back(DType::I64, Shape{static_cast<int64_t>(list->size())});
    std::copy(list->begin(), list->end(), outs.back().data_as<int64_t>());
  }
  return outs;
}

OpDef unique_def() {
  OpDef d = op_def("Unique", 11);
  d.value_inputs = {0};
  d.attributes = {{"axis", AttrType::INT}, {"sorted", AttrType::INT}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(1, 1);
    if (!is_arith(c.dtype(0)) && c.dtype(0) != DType::Bool)
      c.error("input has type ", dtype_name(c.dtype(0)), "; expected a numeric type or BOOL");
    if (c.dtype(0) == DType::F16 || c.dtype(0) == DType::BF16)
      c.error("input has type ", dtype_name(c.dtype(0)), ", which Unique does not support here");
    const int64_t sorted = c.attrs().get_int("sorted", 1);
    if (sorted != 0 && sorted != 1) c.error("attribute 'sorted' must be 0 or 1, got ", sorted);
    const bool has_axis = c.attrs().has("axis");
    const int axis = has_axis ? normalize_axis(c, c.attrs().get_int("axis", 0), c.rank(0)) : 0;
    if (has_axis && c.rank(0) == 0) c.error("'axis' needs an input of rank >= 1");
    // The outputs' shapes are the result: it is stated whole, so a run computes it once (the
    // executor takes stated values instead of running a kernel).
    std::vector<Tensor> outs = unique_outputs(c.value(0), has_axis, axis, sorted == 1);
    for (int i = 0; i < std::min(c.num_outputs(), 4); ++i) c.set_output_value(i, std::move(outs[i]));
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    int64_t axis = n.attrs.get_int("axis", 0);
    if (axis < 0) axis += x.rank();
    std::vector<Tensor> outs =
        unique_outputs(x, n.attrs.has("axis"), static_cast<int>(axis), n.attrs.get_int("sorted", 1) == 1);
    for (size_t i = 0; i < std::min<size_t>(out.size(), 4); ++i)
      if (out[i]) std::memcpy(out[i]->data(), outs[i].data(), outs[i].nbytes());
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    const double n = static_cast<double>(shape_numel(c.inputs[0].shape));
    cost.other_ops = n * std::log2(n + 1);  // the ordered search
    return cost;
  };
  return d;
}

}  // namespace

void register_unique_ops(OpRegistry& r) { r.add_op(unique_def()); }

}  // namespace layerscope
