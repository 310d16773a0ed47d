#!/usr/bin/env bash
# Builds bench/gemv_threshold.cpp (native:gemv's row loop, src/kernels/native/gemv_rows.h) with
# the library's Release flags into build/bench/ and runs it: the measurement behind
# kGemvParallelMacs. Run on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/build/bench"
mkdir -p "$out"
c++ -std=c++20 -O3 -march=native -Wall -Wextra -fopenmp -I "$here/src" "$here/bench/gemv_threshold.cpp" \
  -o "$out/gemv_threshold"
exec "$out/gemv_threshold" "$@"
