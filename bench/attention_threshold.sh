#!/usr/bin/env bash
# Builds bench/attention_threshold.cpp against the library (build/liblayerscope.a: build it
# first, scripts/build) into build/bench/ and runs it: native:sdpa against native:flash_sdpa,
# the measurement behind the flash kernel's selection rule in
# src/kernels/native/flash_attention.cpp. Run on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/build/bench"
mkdir -p "$out"
c++ -std=c++20 -O2 -march=native -Wall -Wextra -Wno-unused-parameter -fopenmp -I "$here/src" -I "$here/include" \
  "$here/bench/attention_threshold.cpp" -o "$out/attention_threshold" "$here/build/liblayerscope.a" \
  -ldnnl -lonnx_proto -lprotobuf -ljpeg
exec "$out/attention_threshold" "$@"
