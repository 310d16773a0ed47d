// The inverses of pooling and im2col: MaxUnpool (9, 11) scatters pooled maxima back to the
// positions MaxPool's Indices name; Col2Im (18) sums sliding-block columns into an image.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ops/nn/attrs.h"
#include "ops/nn/norm_common.h"
#include "ops/tensor/common.h"

namespace layerscope {

namespace {

// Larger sizes, strides, pads and dilations are refused (their products could overflow).
constexpr int64_t kMaxGeometryValue = int64_t{1} << 31;

// An INTS attribute of `count` values (`dflt` each when absent), each in [min, kMaxGeometryValue].
std::vector<int64_t> ints_attr(const InferContext& c, const char* name, size_t count, int64_t dflt, int64_t min) {
  std::vector<int64_t> v = c.attrs().get_ints(name, std::vector<int64_t>(count, dflt));
  if (v.size() != count) c.error("attribute '", name, "' must have ", count, " values, got ", v.size());
  for (int64_t x : v)
    if (x < min || x > kMaxGeometryValue)
      c.error("attribute '", name, "' values must be in [", min, ", ", kMaxGeometryValue, "], got ", x);
  return v;
}

// ---- MaxUnpool ----------------------------------------------------------------------------------
// X [N, C, D1..Dk] and I (same shape, flat indices into the unpooled tensor [N, C, U1..Uk],
// Ui = (Di - 1) * stride - pad_begin - pad_end + kernel) -> Y: zeros but Y[I[j]] = X[j]. With
// output_shape, Y has that shape and the unpooled tensor sits at its start.

Shape unpooled_shape(const InferContext& c) {
  const int k = c.rank(0) - 2;
  if (!c.attrs().has("kernel_shape")) c.error("required attribute 'kernel_shape' is missing");
  const auto kernel = ints_attr(c, "kernel_shape", k, 1, 1);
  const auto strides = ints_attr(c, "strides", k, 1, 1);
  const auto pads = ints_attr(c, "pads", 2 * k, 0, 0);
  Shape s = {c.shape(0)[0], c.shape(0)[1]};
  for (int i = 0; i < k; ++i) {
    s.push_back((c.shape(0)[i + 2] - 1) * strides[i] - pads[i] - pads[i + k] + kernel[i]);
    if (s.back() < 0) c.error("the pads leave spatial axis ", i, " a negative size");
  }
  return s;
}

OpDef max_unpool_def(int since) {
  OpDef d;
  d.op_type = "MaxUnpool";
  d.since = since;
  d.until = since == 9 ? 10 : INT_MAX;
  d.value_inputs = {2};  // output_shape
  d.attributes = {{"kernel_shape", AttrType::INTS}, {"pads", AttrType::INTS}, {"strides", AttrType::INTS}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(2, 3);
    nn::expect_float(c, 0, "X");
    c.expect_dtype_in(1, {DType::I64});
    if (c.rank(0) < 3) c.error("input X must be [N, C, D1, ...], got ", shape_to_string(c.shape(0)));
    if (c.shape(1) != c.shape(0))
      c.error("indices I must have X's shape ", shape_to_string(c.shape(0)), ", got ", shape_to_string(c.shape(1)));
    Shape out = unpooled_shape(c);
    if (c.has_input(2)) {
      const std::vector<int64_t> want = c.int_values(2);
      if (want.size() != out.size()) c.error("'output_shape' must have ", out.size(), " values, got ", want.size());
      for (size_t i = 0; i < out.size(); ++i)
        if (want[i] < out[i] || (i < 2 && want[i] != out[i]))
          c.error("'output_shape' ", shape_to_string(Shape(want)), " cannot hold the unpooled shape ",
                  shape_to_string(out));
      out = Shape(want);
    }
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& x = *in[0];
    const int64_t* idx = in[1]->data_as<int64_t>();
    Tensor& y = *out[0];
    const int k = x.rank() - 2;
    const auto kernel = n.attrs.get_ints("kernel_shape");
    const auto strides = n.attrs.get_ints("strides", std::vector<int64_t>(k, 1));
    const auto pads = n.attrs.get_ints("pads", std::vector<int64_t>(2 * k, 0));
    Shape unpooled = {x.dim(0), x.dim(1)};
    for (int i = 0; i < k; ++i) unpooled.push_back((x.dim(i + 2) - 1) * strides[i] - pads[i] - pads[i + k] + kernel[i]);
    std::memset(y.data(), 0, y.nbytes());
    std::vector<int64_t> pos(y.rank());
    const auto ystrides = contiguous_strides(y.shape());
    dispatch_float(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (int64_t j = 0; j < x.numel(); ++j) {
        if (idx[j] < 0 || idx[j] >= shape_numel(unpooled))
          fail(Graph::describe(n), ": index ", idx[j], " in I is out of range for the unpooled shape ",
               shape_to_string(unpooled));
        unravel(idx[j], unpooled, pos.data());
        int64_t off = 0;
        for (int a = 0; a < y.rank(); ++a) off += pos[a] * ystrides[a];
        y.data_as<T>()[off] = x.data_as<T>()[j];
      }
    });
  };
  return d;
}

// ---- Col2Im -------------------------------------------------------------------------------------
// input [N, C * prod(block), L], image_shape [k values], block_shape [k values] -> [N, C, image]:
// column (c, offset) of block position l adds to the image pixel it covers (strides, dilations
// and pads as in a convolution; L must be the number of block positions).

struct Col2ImGeometry {
  std::vector<int64_t> image, block, strides, dilations, pads, blocks;  // blocks: positions per axis
};

Col2ImGeometry col2im_geometry(const InferContext& c) {
  Col2ImGeometry g;
  g.image = c.int_values(1);
  g.block = c.int_values(2);
  const size_t k = g.image.size();
  if (c.rank(1) != 1 || c.rank(2) != 1 || k == 0 || g.block.size() != k)
    c.error("'image_shape' and 'block_shape' must be 1-D with the same number of values, got shapes ",
            shape_to_string(c.shape(1)), " and ", shape_to_string(c.shape(2)));
  g.strides = ints_attr(c, "strides", k, 1, 1);
  g.dilations = ints_attr(c, "dilations", k, 1, 1);
  g.pads = ints_attr(c, "pads", 2 * k, 0, 0);
  for (size_t i = 0; i < k; ++i) {
    if (g.block[i] < 1 || g.image[i] < 1 || g.block[i] > kMaxGeometryValue || g.image[i] > kMaxGeometryValue)
      c.error("'image_shape' and 'block_shape' values must be in [1, ", kMaxGeometryValue, "]");
    const int64_t span = g.dilations[i] * (g.block[i] - 1) + 1;
    const int64_t room = g.image[i] + g.pads[i] + g.pads[i + k] - span;
    if (room < 0) c.error("block of extent ", span, " does not fit image axis ", i, " of ", g.image[i], " (padded)");
    g.blocks.push_back(room / g.strides[i] + 1);
  }
  return g;
}

OpDef col2im_def() {
  OpDef d;
  d.op_type = "Col2Im";
  d.since = 18;
  d.value_inputs = {1, 2};  // image_shape, block_shape
  d.attributes = {{"dilations", AttrType::INTS}, {"pads", AttrType::INTS}, {"strides", AttrType::INTS}};
  d.infer = [](InferContext& c) {
    c.expect_inputs(3, 3);
    nn::expect_float(c, 0, "input");
    c.expect_dtype_in(1, {DType::I64});
    c.expect_dtype_in(2, {DType::I64});
    const Col2ImGeometry g = col2im_geometry(c);
    const int64_t block = shape_numel(Shape(g.block)), positions = shape_numel(Shape(g.blocks));
    if (c.rank(0) != 3 || c.shape(0)[1] % block != 0 || c.shape(0)[2] != positions)
      c.error("input must be [N, C * ", block, ", ", positions, "] for these blocks, got ",
              shape_to_string(c.shape(0)));
    Shape out = {c.shape(0)[0], c.shape(0)[1] / block};
    out.insert(out.end(), g.image.begin(), g.image.end());
    c.set_output(0, c.dtype(0), out);
  };
  d.reference = [](const Node& n, std::span<const Tensor* const> in, std::span<Tensor* const> out) {
    const Tensor& cols = *in[0];
    Tensor& y = *out[0];
    const int k = y.rank() - 2;
    const Shape image(y.shape().begin() + 2, y.shape().end());
    const Shape block(in[2]->data_as<int64_t>(), in[2]->data_as<int64_t>() + k);
    const auto strides = n.attrs.get_ints("strides", std::vector<int64_t>(k, 1));
    const auto dil = n.attrs.get_ints("dilations", std::vector<int64_t>(k, 1));
    const auto pads = n.attrs.get_ints("pads", std::vector<int64_t>(2 * k, 0));
    Shape blocks;
    for (int i = 0; i < k; ++i)
      blocks.push_back((image[i] + pads[i] + pads[i + k] - dil[i] * (block[i] - 1) - 1) / strides[i] + 1);
    const int64_t per_block = shape_numel(block), positions = shape_numel(blocks), pixels = shape_numel(image);
    const int64_t planes = y.dim(0) * y.dim(1);
    std::memset(y.data(), 0, y.nbytes());
    std::vector<int64_t> off(k), pos(k);
    dispatch_float(y.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = cols.data_as<T>();
      T* dst = y.data_as<T>();
      for (int64_t b = 0; b < per_block; ++b) {
        unravel(b, block, off.data());
        for (int64_t l = 0; l < positions; ++l) {
          unravel(l, blocks, pos.data());
          int64_t pixel = 0;
          bool inside = true;
          for (int i = 0; i < k; ++i) {
            const int64_t at = pos[i] * strides[i] - pads[i] + off[i] * dil[i];
            inside = inside && at >= 0 && at < image[i];
            pixel = pixel * image[i] + at;
          }
          if (!inside) continue;
          for (int64_t p = 0; p < planes; ++p) dst[p * pixels + pixel] += src[(p * per_block + b) * positions + l];
        }
      }
    });
  };
  d.cost = [](const CostContext& c) {
    Cost cost = bytes_only_cost(c);
    cost.other_ops = static_cast<double>(shape_numel(c.inputs[0].shape));  // one add per column element
    return cost;
  };
  return d;
}

}  // namespace

void register_nn_unpool_ops(OpRegistry& r) {
  r.add_op(max_unpool_def(9));
  r.add_op(max_unpool_def(11));
  r.add_op(col2im_def());
}

}  // namespace layerscope
