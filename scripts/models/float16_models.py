#!/usr/bin/env python3
"""Float16 copies of generated test models, with onnxruntime's outputs as the reference
(tests/models/check_model.py --manifest float16_manifest.json).

For each model NAME (a float model written by scripts/models/export_models.py):
    .cache/models/NAME.opset17.fp16.onnx          every float tensor float16: inputs, weights,
                                                  activations and outputs (onnxruntime's
                                                  float16 converter, keep_io_types=False)
    .cache/models/NAME.opset17.fp16.input_0.npy   the float model's input rounded to float16
    .cache/models/NAME.opset17.fp16.output_<i>.npy  onnxruntime CPU on the float16 model
and .cache/models/float16_manifest.json (check_model.py's manifest format). Deterministic: the
float model and its input are seeded, the conversion is exact rounding.

    .venv/bin/python scripts/models/float16_models.py [--models mobilenetv2 ...]
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.transformers.float16 import convert_float_to_float16

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ("mobilenetv2",)


def convert(models_dir, name, manifest):
    stem = f"{name}.opset17"
    src = os.path.join(models_dir, stem + ".onnx")
    src_input = os.path.join(models_dir, stem + ".input_0.npy")
    if not os.path.exists(src) or not os.path.exists(src_input):
        raise SystemExit(f"{src} or its input is missing: run scripts/models/export_models.py --models {name} first")
    fp16 = convert_float_to_float16(onnx.load(src), keep_io_types=False)
    onnx.checker.check_model(fp16)
    out_stem = stem + ".fp16"
    path = os.path.join(models_dir, out_stem + ".onnx")
    onnx.save(fp16, path)
    x = np.load(src_input).astype(np.float16)
    in_name = fp16.graph.input[0].name
    in_file = out_stem + ".input_0.npy"
    np.save(os.path.join(models_dir, in_file), x)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(names, {in_name: x})
    out_files = {}
    for i, (oname, o) in enumerate(zip(names, outs)):
        assert o.dtype == np.float16, f"{oname} is {o.dtype}"
        out_files[oname] = f"{out_stem}.output_{i}.npy"
        np.save(os.path.join(models_dir, out_files[oname]), o)
    manifest["models"][out_stem + ".onnx"] = {
        "model": name, "path": out_stem + ".onnx", "opset": 17,
        "inputs": {in_name: in_file}, "outputs": out_files,
        "reference": f"onnxruntime {ort.__version__} CPUExecutionProvider ORT_DISABLE_ALL on the float16 model",
    }
    print(f"[{name}] {path}: {os.path.getsize(path) / 1e6:.1f} MB, max|ref| "
          f"{[float(np.abs(o.astype(np.float32)).max()) for o in outs]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models-dir", default=os.environ.get("LAYERSCOPE_MODELS_DIR", os.path.join(ROOT, ".cache", "models")))
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    a = ap.parse_args()
    manifest_path = os.path.join(a.models_dir, "float16_manifest.json")
    manifest = {"models": {}}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    for name in a.models:
        convert(a.models_dir, name, manifest)
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(manifest_path + ".tmp", manifest_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
