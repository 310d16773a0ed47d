#!/usr/bin/env bash
# The Python package's tests alone (scripts/test runs them as one tier):
#   tests/python/run.sh [pytest arguments...]
# Builds and installs the package into .venv with `pip install .` (the same command users run;
# incremental in build-python/, warnings as errors like the other test builds, ccache when
# present), then runs pytest on tests/python against build/layerscope (scripts/build) and the
# generated models in $LAYERSCOPE_MODELS_DIR (default .cache/models). The example's transcript
# is kept in build/test-artifacts/python/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
settings=(--config-settings=build-dir="$here/build-python" --config-settings=cmake.define.LAYERSCOPE_WERROR=ON)
if command -v ccache >/dev/null; then
  settings+=(--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
start=$SECONDS
"$here/.venv/bin/pip" install -q "$here" "${settings[@]}"
echo "[python] pip install . took $((SECONDS - start)) s"
export LAYERSCOPE_TEST_ARTIFACTS="${LAYERSCOPE_TEST_ARTIFACTS:-$here/build/test-artifacts/python}"
cd "$here"
exec "$here/.venv/bin/python" -m pytest tests/python --cli "$here/build/layerscope" "$@"
