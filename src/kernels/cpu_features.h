// What this CPU offers that decides whether a kernel is exact, asked at run time (the build's
// -march says what the compiler may use; this says what the kernels may rely on).
#pragma once

namespace layerscope {

// An int8 dot-product instruction (VNNI: AVX512-VNNI or AVX-VNNI's vpdpbusd) that accumulates
// u8 x s8 products into int32 exactly. Without it, oneDNN's int8 kernels pair products in
// saturating int16 (vpmaddubsw: uint8 sources overflow) or halve the int8 weights (int8
// sources), so their results differ from the ONNX definition by one or more steps: the int8
// kernels then decline (their supports()), and the int8 passes leave QDQ models in float.
inline bool cpu_has_int8_dot_product() {
  static const bool has = __builtin_cpu_supports("avx512vnni") || __builtin_cpu_supports("avxvnni");
  return has;
}

}  // namespace layerscope
