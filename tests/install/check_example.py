#!/usr/bin/env python3
"""Runs the C++ workflow example (examples/profile_workflow.cpp) end to end and checks it.

    python tests/install/check_example.py --example BUILD/profile_workflow --workdir DIR [--model M.onnx]

Makes the sample model (scripts/make_sample_model.py, unless --model is given) and a JPEG at
the model's input size (PIL), runs the example with --bgr, then checks: exit code 0, the
tables and the memory dump on stdout, DIR/out/perf.txt with both tables, and DIR/out/out.npy
against onnxruntime on the same pixels preprocessed by hand (B,G,R order, ImageNet mean/std,
NCHW). Also checks the example's failure modes: a missing image (exit 1, named) and a usage
error (exit 2).
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOLERANCE = 1e-3  # max|diff| relative to max|reference|, as tests/models/check_model.py
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def make_jpeg(path, height, width):
    """A smooth colour scene plus noise: JPEG keeps it close to the drawn pixels."""
    from PIL import Image
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([255 * x / width, 255 * y / height, 128 + 100 * np.sin(x / 9.0) * np.cos(y / 7.0)], axis=-1)
    rgb += np.random.default_rng(0).normal(0, 12, rgb.shape)
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").save(path, quality=92)


def reference_output(model, jpeg):
    import onnxruntime as ort
    from PIL import Image
    pixels = np.asarray(Image.open(jpeg).convert("RGB"), dtype=np.float32)  # (H, W, 3) R,G,B
    bgr = pixels[:, :, ::-1]  # --bgr: model channel c = image channel 2 - c
    x = ((bgr - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32)
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", required=True, help="the built profile_workflow executable")
    ap.add_argument("--workdir", required=True, help="scratch folder (emptied first)")
    ap.add_argument("--model", help="sample model to use (default: generate one)")
    args = ap.parse_args()

    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    model = args.model or os.path.join(args.workdir, "sample.onnx")
    if not args.model:
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_sample_model.py"), "--out", model],
                       check=True)
    import onnx
    dims = [d.dim_value for d in onnx.load(model).graph.input[0].type.tensor_type.shape.dim]
    height, width = dims[2], dims[3]  # the sample is (1, 3, H, W)
    jpeg = os.path.join(args.workdir, "scene.jpg")
    make_jpeg(jpeg, height, width)
    out = os.path.join(args.workdir, "out")

    r = subprocess.run([args.example, model, jpeg, out, "--threads", "2", "--bgr"],
                       capture_output=True, text=True, timeout=900)
    print(r.stdout[-3000:])
    if r.returncode != 0:
        fail(f"example exited {r.returncode}: {r.stderr}")
    for needle in ("--> List devices", "SDK version: ", "Network Layer Information Table",
                   "Operator Time Consuming Ranking Table", "Memory Profile Info Dump", "out.npy"):
        if needle not in r.stdout:
            fail(f"'{needle}' missing from the example's output")

    text = open(os.path.join(out, "perf.txt")).read()
    for needle in ("Network Layer Information Table", "Operator Time Consuming Ranking Table", "Conv"):
        if needle not in text:
            fail(f"'{needle}' missing from perf.txt")
    for name in ("perf.json", "layers.csv", "trace.json"):
        if os.path.getsize(os.path.join(out, name)) == 0:
            fail(f"{name} is empty")

    got = np.load(os.path.join(out, "out.npy"))
    ref = reference_output(model, jpeg)
    if got.shape != ref.shape or got.dtype != np.float32:
        fail(f"out.npy is {got.dtype} {got.shape}, expected float32 {ref.shape}")
    scale = float(np.abs(ref).max())
    err = float(np.abs(got - ref).max())
    print(f"out.npy vs onnxruntime: max|diff| {err:.3e}, max|ref| {scale:.3e}, std(out) {got.std():.3e}")
    if not np.isfinite(got).all() or got.std() < 1e-3:
        fail("out.npy is not a finite, varying depth map")
    if err > TOLERANCE * max(scale, 1e-6):
        fail(f"out.npy differs from onnxruntime: {err:.3e} > {TOLERANCE} x {scale:.3e}")

    r = subprocess.run([args.example, model, os.path.join(args.workdir, "missing.jpg"), out],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 1 or "missing.jpg" not in r.stderr:
        fail(f"missing image: expected exit 1 naming the file, got {r.returncode}: {r.stderr}")
    r = subprocess.run([args.example, model], capture_output=True, text=True, timeout=60)
    if r.returncode != 2 or "usage:" not in r.stderr:
        fail(f"usage error: expected exit 2 with the usage, got {r.returncode}: {r.stderr}")
    print("OK: example workflow")
    return 0


if __name__ == "__main__":
    sys.exit(main())
