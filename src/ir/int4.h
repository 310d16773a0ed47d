// The 4-bit integer types of ONNX (TensorProto INT4, UINT4; opset 21). In memory a tensor holds
// one element per byte (INT4 as int8_t in [-8, 7], UINT4 as uint8_t in [0, 15]); in a file
// (TensorProto raw_data, int32_data, external data) two elements share a byte, the first in the
// low 4 bits, the second in the high 4 bits, and an odd count leaves the last high half 0.
#pragma once
#include <cstddef>
#include <cstdint>

#include "layerscope/tensor.h"

namespace layerscope {

// True for INT4 and UINT4.
bool is_int4(DType t);
// The range of INT4 ([-8, 7]) or UINT4 ([0, 15]).
int int4_min(DType t);
int int4_max(DType t);
// Bytes `n` packed elements take: ceil(n / 2).
inline int64_t packed_int4_bytes(int64_t n) { return n / 2 + n % 2; }
// A 4-bit field (the low 4 bits of `nibble`) as an element of `t`: sign-extended for INT4.
inline uint8_t int4_from_nibble(uint8_t nibble, DType t) {
  nibble &= 0x0F;
  return t == DType::I4 && (nibble & 0x08) ? static_cast<uint8_t>(nibble | 0xF0) : nibble;
}
// Packed bytes `packed` (packed_int4_bytes(n) of them) to n one-byte elements of `t`.
void unpack_int4(const uint8_t* packed, int64_t n, DType t, uint8_t* elements);
// n one-byte elements to packed_int4_bytes(n) bytes (each element's low 4 bits; the unused high
// half of an odd count's last byte is 0).
void pack_int4(const uint8_t* elements, int64_t n, uint8_t* packed);
// Index of the first element of `t` in `elements` outside its range, or -1.
int64_t int4_out_of_range(const uint8_t* elements, int64_t n, DType t);

}  // namespace layerscope
