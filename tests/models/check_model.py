#!/usr/bin/env python3
"""Tier 4: run one generated model with the layerscope CLI and compare every output with
onnxruntime's reference (scripts/models/export_models.py wrote both).

Pass: max |layerscope - reference| <= 1e-3 * max |reference| for each output (fp32), or
--tolerance's multiple (float16 models: their outputs are rounded to float16, one ulp of which
is 5e-4 of a value near 3; layerscope computes in float32, passes/float16_as_float32.h).
    check_model.py --cli build/layerscope --models-dir .cache/models --model resnet50.opset17.onnx
    check_model.py ... --manifest float16_manifest.json --model mobilenetv2.opset17.fp16.onnx --tolerance 2e-3
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

TOLERANCE = 1e-3


def safe_name(name):
    s = re.sub(r"[^A-Za-z0-9._-]", "_", name or "output")
    return "_" + s[1:] if s.startswith(".") else s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--model", required=True, help="file name as listed in manifest.json")
    ap.add_argument("--threads", default="0")
    ap.add_argument("--manifest", default="manifest.json", help="in --models-dir")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE, help="relative to max |reference|")
    a = ap.parse_args()

    manifest_path = os.path.join(a.models_dir, a.manifest)
    with open(manifest_path) as f:
        manifest = json.load(f)
    entry = manifest["models"].get(a.model)
    if entry is None:
        print(f"{a.model} is not in {manifest_path}; failures recorded there: {manifest.get('failures')}")
        return 1
    cmd = [a.cli, "run", os.path.join(a.models_dir, entry["path"]), "--warmup", "0", "--runs", "1",
           "--threads", a.threads]
    for name, file in entry["inputs"].items():
        cmd += ["--input", f"{name}={os.path.join(a.models_dir, file)}"]
    with tempfile.TemporaryDirectory() as out:
        cmd += ["--out", out]
        print(" ".join(cmd), flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True)
        print(r.stdout, r.stderr, sep="\n")
        if r.returncode != 0:
            print(f"FAIL: layerscope exited with {r.returncode}")
            return 1
        ok = True
        for name, file in entry["outputs"].items():
            ref = np.load(os.path.join(a.models_dir, file))
            got = np.load(os.path.join(out, safe_name(name) + ".npy"))
            if got.shape != ref.shape:
                print(f"FAIL {name}: shape {got.shape}, reference {ref.shape}")
                ok = False
                continue
            scale = float(np.abs(ref.astype(np.float64)).max())
            err = float(np.abs(got.astype(np.float64) - ref).max())
            rel = err / scale if scale > 0 else err
            if got.dtype != ref.dtype:
                print(f"FAIL {name}: type {got.dtype}, reference {ref.dtype}")
                ok = False
                continue
            verdict = "ok" if rel <= a.tolerance else "FAIL"
            print(f"{verdict} {name}: max|diff| {err:.3e} = {rel:.2e} x max|ref| ({scale:.3e}); tolerance {a.tolerance}")
            ok &= rel <= a.tolerance
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
