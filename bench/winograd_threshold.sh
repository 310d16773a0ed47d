#!/usr/bin/env bash
# Builds bench/winograd_threshold.cpp against Debian's oneDNN (libdnnl-dev, as the library
# uses it) into build/bench/ and runs it: the measurement behind kWinogradMinChannels in
# src/kernels/onednn/conv.cpp. Run on a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/build/bench"
mkdir -p "$out"
c++ -std=c++20 -O2 -Wall -Wextra -fopenmp "$here/bench/winograd_threshold.cpp" -o "$out/winograd_threshold" -ldnnl
exec "$out/winograd_threshold" "$@"
