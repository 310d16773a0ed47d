#include "ir/int4.h"

#include "ir/error.h"

namespace layerscope {

bool is_int4(DType t) { return t == DType::I4 || t == DType::U4; }

int int4_min(DType t) {
  LS_CHECK(is_int4(t), "element type ", dtype_name(t), " is not a 4-bit integer type");
  return t == DType::I4 ? -8 : 0;
}

int int4_max(DType t) {
  LS_CHECK(is_int4(t), "element type ", dtype_name(t), " is not a 4-bit integer type");
  return t == DType::I4 ? 7 : 15;
}

void unpack_int4(const uint8_t* packed, int64_t n, DType t, uint8_t* elements) {
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t byte = packed[i / 2];
    elements[i] = int4_from_nibble(i % 2 ? byte >> 4 : byte, t);
  }
}

void pack_int4(const uint8_t* elements, int64_t n, uint8_t* packed) {
  for (int64_t i = 0; i < n; i += 2) {
    const uint8_t high = i + 1 < n ? static_cast<uint8_t>(elements[i + 1] << 4) : 0;
    packed[i / 2] = static_cast<uint8_t>(high | (elements[i] & 0x0F));
  }
}

int64_t int4_out_of_range(const uint8_t* elements, int64_t n, DType t) {
  const int lo = int4_min(t), hi = int4_max(t);
  for (int64_t i = 0; i < n; ++i) {
    const int v = t == DType::I4 ? static_cast<int>(static_cast<int8_t>(elements[i])) : elements[i];
    if (v < lo || v > hi) return i;
  }
  return -1;
}

}  // namespace layerscope
