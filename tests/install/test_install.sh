#!/usr/bin/env bash
# The installed package, as a user outside this repository sees it:
#   1. cmake --install BUILD into a fresh temporary prefix; the expected files are there;
#   2. examples/ configured and built out of tree with only -DCMAKE_PREFIX_PATH=<prefix>
#      (find_package(layerscope) must bring every dependency of the static library);
#   3. the examples run end to end: profile_workflow on the sample model
#      (tests/install/check_example.py), quantize_workflow on a small conv net it quantizes
#      (tests/install/check_quantize_example.py);
#   4. a small program compiled with `pkg-config --cflags --libs --static layerscope` alone,
#      run on the same model and image.
#
#   tests/install/test_install.sh BUILD_DIR SOURCE_DIR PYTHON
set -euo pipefail
build="$(cd "$1" && pwd)"
src="$(cd "$2" && pwd)"
python="$3"

work="$(mktemp -d "${TMPDIR:-/tmp}/layerscope-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

echo "[install] cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/layerscope/runtime.h include/layerscope/session.h include/layerscope/npy.h \
         bin/layerscope; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
lib="$(find "$prefix" -name liblayerscope.a | head -1)"
config="$(find "$prefix" -name layerscopeConfig.cmake | head -1)"
pc="$(find "$prefix" -name layerscope.pc | head -1)"
for f in "$lib" "$config" "$pc"; do
  [ -n "$f" ] || { echo "FAIL: liblayerscope.a, layerscopeConfig.cmake or layerscope.pc missing"; exit 1; }
done
[ -e "$(dirname "$config")/layerscopeConfigVersion.cmake" ] || { echo "FAIL: no ConfigVersion file"; exit 1; }
"$prefix/bin/layerscope" --version

echo "[install] building examples/ out of tree against the installed package"
cmake -S "$src/examples" -B "$work/example-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/example-build" -j2

echo "[install] running the example"
"$python" "$src/tests/install/check_example.py" --example "$work/example-build/profile_workflow" \
  --workdir "$work/run"

echo "[install] running the quantize -> profile -> compare example"
"$python" "$src/tests/install/check_quantize_example.py" --example "$work/example-build/quantize_workflow" \
  --workdir "$work/run-quantize"

echo "[install] a program built with pkg-config alone"
cat > "$work/tiny.cpp" <<'EOF'
// Loads the model, runs it on a JPEG (uint8 NHWC) and prints the output shape and version.
#include <cstdio>
#include <layerscope/image.h>
#include <layerscope/runtime.h>

int main(int argc, char** argv) {
  namespace ls = layerscope;
  ls::Runtime rt;
  ls::Tensor rgb, batch;
  std::vector<ls::Tensor> out;
  ls::Status st = rt.load(argv[1]);
  if (st) st = rt.init_runtime({});
  if (st) st = ls::load_jpeg(argv[2], &rgb);
  if (st) st = rt.inference({rgb.reshaped({1, rgb.dim(0), rgb.dim(1), 3})}, &out, ls::DataFormat::NHWC);
  if (!st) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("layerscope %s output %s\n", ls::Runtime::sdk_version().c_str(),
              ls::shape_to_string(out[0].shape()).c_str());
  return 0;
}
EOF
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags="$(pkg-config --cflags --libs --static layerscope)"
echo "pkg-config: $flags"
# shellcheck disable=SC2086  # the flags are a list of words
c++ -std=c++20 -O1 "$work/tiny.cpp" -o "$work/tiny" $flags
result="$("$work/tiny" "$work/run/sample.onnx" "$work/run/scene.jpg")"
echo "$result"
version="$(pkg-config --modversion layerscope)"
[ "$result" = "layerscope $version output (1,1,224,308)" ] || { echo "FAIL: unexpected output: $result"; exit 1; }
echo "OK: installed package"
