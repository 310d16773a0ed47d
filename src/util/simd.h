// <immintrin.h>, for every file that uses x86 intrinsics. GCC 12 warns (-Wuninitialized /
// -Wmaybe-uninitialized) inside its own AVX-512 intrinsics: _mm512_max_ps, _mm512_sqrt_ps,
// _mm512_extractf64x4_pd, ... pass `_mm512_undefined_ps()` (a self-initialised variable) as
// their unused pass-through operand (GCC bug 105593, fixed in GCC 13). The warnings are about
// the header, not about our code, so they are silenced for the header alone.
// GCC only: clang has neither the bug nor the -Wmaybe-uninitialized group.
#pragma once
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#else
#include <immintrin.h>
#endif
