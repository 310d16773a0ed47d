#include "layerscope/random_inputs.h"

#include <random>

#include "api/guarded.h"
#include "ir/float8.h"

namespace layerscope {

namespace {

Tensor random_tensor(const ValueDesc& d, std::mt19937& rng) {
  Shape shape = d.shape;
  for (int64_t& s : shape)
    if (s < 0) s = 1;  // symbolic dims default to 1
  Tensor t(d.dtype, shape);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> small(0, 9);
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (d.dtype) {
      case DType::F32: t.data_as<float>()[i] = normal(rng); break;
      case DType::F64: t.data_as<double>()[i] = normal(rng); break;
      case DType::I64: t.data_as<int64_t>()[i] = small(rng); break;
      case DType::I32: t.data_as<int32_t>()[i] = small(rng); break;
      case DType::U8:
      case DType::I8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(small(rng)); break;
      case DType::Bool: t.data_as<uint8_t>()[i] = small(rng) & 1; break;
      case DType::F8E4M3FN:
      case DType::F8E4M3FNUZ:
      case DType::F8E5M2:
      case DType::F8E5M2FNUZ: t.data_as<uint8_t>()[i] = float_to_float8(normal(rng), d.dtype, true); break;
      case DType::I4:
      case DType::U4: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(small(rng) & 7); break;  // in both ranges
      default: fail("cannot make a random input of type ", dtype_name(d.dtype), " for '", d.name, "'");
    }
  }
  return t;
}

}  // namespace

Status random_inputs(const std::vector<ValueDesc>& descs, uint32_t seed, std::vector<NamedTensor>* out) {
  return guarded([&] {
    std::mt19937 rng(seed);
    std::vector<NamedTensor> made;
    for (const ValueDesc& d : descs)
      if (!d.has_default) made.push_back({d.name, random_tensor(d, rng)});
    *out = std::move(made);
  });
}

}  // namespace layerscope
