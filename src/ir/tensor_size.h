// Element counts and byte sizes of shapes that may come from an untrusted model: every
// multiplication is checked, so a hostile shape (2^32 x 2^32 x 16) is reported instead of
// wrapping around to a small or zero size.
#pragma once
#include <cstdint>
#include <optional>

#include "layerscope/tensor.h"

namespace layerscope {

// The number of elements, or nullopt when a dim is negative or the product overflows int64.
// A zero dim makes the count 0 whatever the other dims are ((2^40, 2^40, 0) is a valid empty
// shape; fuzz_npy found it overflowing on the way to the 0).
inline std::optional<int64_t> checked_numel(const Shape& shape) {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    empty |= d == 0;
  }
  if (empty) return 0;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return std::nullopt;
  }
  return n;
}

// The bytes a dense tensor of this type and shape needs, or nullopt as for checked_numel.
inline std::optional<int64_t> checked_nbytes(DType dtype, const Shape& shape) {
  std::optional<int64_t> n = checked_numel(shape);
  int64_t bytes = 0;
  if (!n || __builtin_mul_overflow(*n, static_cast<int64_t>(dtype_size(dtype)), &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace layerscope
