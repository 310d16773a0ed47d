#!/usr/bin/env python3
"""Fixed-seed calibration datasets for the test models (layerscope quantize --dataset).

    python scripts/models/make_dataset.py MODEL.onnx [MODEL.onnx ...] [--count N] [--out-root DIR]

For each model writes DIR/<model stem>/sample_NNNN.input_K.npy (one file per model input) and
DIR/<model stem>/dataset.txt (one sample per line, the files of the inputs in the model's input
order, relative to the list file, as `layerscope quantize` and the reference's dataset.txt read
it). DIR defaults to .cache/datasets; <model stem> drops ".onnx" (resnet50.opset17).

Samples are image-like: every channel is a smooth random field (white noise low-pass filtered
in the Fourier domain with a random cut-off, so each sample has its own blob size), plus a random
brightness gradient, then normalised per channel to mean 0 and standard deviation 1 and given a
random per-channel offset (+-0.3) and contrast (0.8-1.2): the statistics of ImageNet-normalised
photos that the test models' BatchNorm statistics were calibrated for (N(0,1) inputs), with
spatial structure white noise lacks. Seeded by the model stem and the sample index
(numpy.random.default_rng), so every run writes the same bytes. Inputs that are not FLOAT
images (N,C,H,W) get N(0,1) values of their declared shape; symbolic dims are refused.
"""
import argparse
import hashlib
import os
import sys

import numpy as np
import onnx


def smooth_field(rng, h, w):
    """One channel: low-pass filtered white noise, mean 0, std 1."""
    noise = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    cutoff = rng.uniform(0.02, 0.15)  # cycles per pixel: blobs of ~7 to ~50 pixels
    spectrum = np.fft.rfft2(noise) * np.exp(-(fx ** 2 + fy ** 2) / (2 * cutoff ** 2))
    field = np.fft.irfft2(spectrum, s=(h, w))
    gy, gx = rng.uniform(-1, 1, 2)
    field = (field - field.mean()) / (field.std() + 1e-12)
    field += gy * np.linspace(-1, 1, h)[:, None] + gx * np.linspace(-1, 1, w)[None, :]
    return field


def image_sample(rng, shape):
    n, c, h, w = shape
    out = np.empty(shape, np.float32)
    for b in range(n):
        for ch in range(c):
            f = smooth_field(rng, h, w)
            f = (f - f.mean()) / (f.std() + 1e-12)
            out[b, ch] = f * rng.uniform(0.8, 1.2) + rng.uniform(-0.3, 0.3)
    return out


def input_specs(model_path):
    model = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    specs = []
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        if any(d is None for d in dims):
            sys.exit("%s: input '%s' has symbolic dims %s; give a model with static input shapes"
                     % (model_path, vi.name, dims))
        specs.append((vi.name, t.elem_type, dims))
    return specs


def write_dataset(model_path, count, out_root):
    stem = os.path.basename(model_path)
    stem = stem[:-5] if stem.endswith(".onnx") else stem
    folder = os.path.join(out_root, stem)
    os.makedirs(folder, exist_ok=True)
    specs = input_specs(model_path)
    seed = int.from_bytes(hashlib.sha256(stem.encode()).digest()[:4], "little")
    lines = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        files = []
        for k, (name, elem, dims) in enumerate(specs):
            if elem != onnx.TensorProto.FLOAT:
                sys.exit("%s: input '%s' is not FLOAT; this generator writes float inputs only" % (model_path, name))
            is_image = len(dims) == 4 and dims[1] in (1, 3) and dims[2] >= 8 and dims[3] >= 8
            data = image_sample(rng, dims) if is_image else rng.standard_normal(dims).astype(np.float32)
            fname = "sample_%04d.input_%d.npy" % (i, k)
            np.save(os.path.join(folder, fname), data)
            files.append(fname)
        lines.append(" ".join(files))
    tmp = os.path.join(folder, ".dataset.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(folder, "dataset.txt"))
    return os.path.join(folder, "dataset.txt")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--count", type=int, default=100, help="samples per model (default 100)")
    ap.add_argument("--out-root", default=os.path.join(os.path.dirname(__file__), "..", "..", ".cache", "datasets"))
    args = ap.parse_args()
    if args.count < 1:
        sys.exit("--count must be at least 1")
    for m in args.models:
        print(write_dataset(m, args.count, os.path.abspath(args.out_root)))


if __name__ == "__main__":
    main()
