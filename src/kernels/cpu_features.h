// What this CPU offers that decides whether a kernel is exact, asked at run time (the build's
// -march says what the compiler may use; this says what the kernels may rely on).
#pragma once
#include <cpuid.h>

#include <cstdlib>
#include <cstring>

namespace layerscope {

// An int8 dot-product instruction (VNNI: AVX512-VNNI or AVX-VNNI's vpdpbusd) that accumulates
// u8 x s8 products into int32 exactly, with the OS saving the registers it uses. Without it,
// oneDNN's int8 kernels pair products in saturating int16 (vpmaddubsw: uint8 sources overflow)
// or halve the int8 weights (int8 sources), so their results differ from the ONNX definition by
// one or more steps: the int8 kernels then decline (their supports()), and the int8 passes
// leave QDQ models in float. Read with cpuid (GCC and clang name these features differently in
// __builtin_cpu_supports; clang 14 knows no "avxvnni").
//
// LAYERSCOPE_NO_INT8_DOT=1 in the environment hides the instruction (int8_dot_product_hidden),
// so the path a CPU without VNNI takes (passes/expand_qoperator.cpp, float kernels between the
// conversions) runs and is tested on any machine. Both are read once per process, at the first
// call: set the variable before the process starts (ctest's ENVIRONMENT, the shell).
inline bool int8_dot_product_hidden() {
  static const bool hidden = [] {
    const char* v = std::getenv("LAYERSCOPE_NO_INT8_DOT");
    return v && *v && std::strcmp(v, "0") != 0;
  }();
  return hidden;
}

// What the hardware offers, knob or not (the machine calibration measures the hardware).
inline bool cpu_has_int8_dot_product_instruction() {
  static const bool has = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return false;
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    const bool ymm_state = (xcr0_lo & 0x6) == 0x6;    // SSE and AVX state
    const bool zmm_state = (xcr0_lo & 0xe6) == 0xe6;  // and the AVX-512 opmask and upper ZMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const unsigned max_subleaf = a;
    const bool avx512_vnni = (c >> 11) & 1;
    bool avx_vnni = false;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) avx_vnni = (a >> 4) & 1;
    return (avx512_vnni && zmm_state) || (avx_vnni && ymm_state);
  }();
  return has;
}

// What the kernels and passes may rely on: the instruction, unless the knob hides it.
inline bool cpu_has_int8_dot_product() { return cpu_has_int8_dot_product_instruction() && !int8_dot_product_hidden(); }

}  // namespace layerscope
