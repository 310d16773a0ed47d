#!/usr/bin/env python3
"""Generate seed inputs for the fuzz targets (fuzz/*.cpp) into OUT/<target>/.

    .venv/bin/python fuzz/make_seeds.py --out build-fuzz/seeds [--cli build/layerscope]

The seeds are not committed: `scripts/fuzz --seeds OUT` merges the ones that add coverage into
the kept corpus fuzz/corpus/<target>/ (libFuzzer -merge=1 keeps it minimal).

  fuzz_load_plan    every model.onnx of the ONNX backend node tests (the onnx package's data,
                    opsets up to 21, and Debian's), plus small real architectures exported
                    from torch: a tiny DepthAnythingLike (the sample model's ViT + DPT head
                    with tiny widths) and two small conv nets (Conv/BN/ReLU/pool/Gemm)
  fuzz_npy          .npy files of every dtype the reader knows and some it refuses, scalar,
                    empty and 1-5 D shapes, Fortran order, format versions 1.0, 2.0, 3.0
  fuzz_rknn_import  the reference tool's eval_perf fixtures (tests/data/rknn/) and, with
                    --cli, the perf.txt `layerscope perf` writes (same table layout)
  fuzz_perf_json    with --cli, the perf.json `layerscope perf --out` writes for a small conv
                    model (1 and 2 threads, optimized and not; each under 8 KB)
  fuzz_image_decode small images (8x6) Pillow writes in every mode of JPEG (baseline, progressive,
                    4:4:4, grey, CMYK), PNG (1, L, LA, P with transparency, RGB, RGBA, 16-bit grey),
                    BMP (1, 8, 24-bit, 32-bit RGBA) and PNM (P4, P5, P6), hand-made plain PNM (P1,
                    P2, P3) and 16-bit PPM, and the signatures of the refused formats (TIFF, WebP)
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))


def backend_models(out):
    import onnx
    roots = [os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node"),
             "/usr/share/libonnx-testdata/data/node"]
    n = 0
    for root in roots:
        tag = "pip" if "site-packages" in root or "dist-packages" in root else "deb"
        for path in sorted(glob.glob(os.path.join(root, "*", "model.onnx"))):
            name = os.path.basename(os.path.dirname(path))
            shutil.copy(path, os.path.join(out, f"{tag}_{name}.onnx"))
            n += 1
    return n


def torch_models(out):
    """Small real architectures, exported the way scripts/models/ exports the test models."""
    import torch
    import torch.nn as nn
    from architectures import DepthAnythingLike
    from export_models import export_torch, make_input
    import onnx

    torch.manual_seed(0)
    # Kept under the target's -max_len (64 KB, scripts/fuzz): the weights are most of the bytes.
    tiny_dal = DepthAnythingLike(embed_dim=6, depth=4, heads=2, out_indices=(0, 1, 2, 3), features=4,
                                 out_channels=(2, 2, 4, 4), img_hw=(28, 42), mlp_ratio=1.0, head_features=4)
    convnet = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.Hardswish(),
        nn.Conv2d(8, 16, 1), nn.ReLU6(), nn.MaxPool2d(2), nn.ConvTranspose2d(16, 8, 2, stride=2),
        nn.Sigmoid(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10), nn.Softmax(-1))
    # Its perf.json / perf.txt stay under the report targets' -max_len (8 KB).
    small = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    written = []
    for name, model, shape in (("small", small, (1, 3, 8, 8)),
                               ("tiny_depth_anything", tiny_dal, tiny_dal.input_shape),
                               ("convnet", convnet, (1, 3, 16, 16))):
        proto, _ = export_torch(model.eval(), torch.from_numpy(make_input(shape)))
        for opset in (17, 21):
            if opset != 17:
                proto = onnx.version_converter.convert_version(proto, opset)
            path = os.path.join(out, f"torch_{name}.opset{opset}.onnx")
            onnx.save(proto, path)
            written.append(path)
    return written


def npy_files(out):
    import numpy as np
    from numpy.lib import format as npf
    rng = np.random.default_rng(0)
    arrays = {
        "f32_nchw": rng.standard_normal((1, 3, 4, 5), dtype=np.float32),
        "f64_vec": rng.standard_normal(7),
        "f16_mat": rng.standard_normal((3, 2)).astype(np.float16),
        "i8": rng.integers(-128, 127, (4, 4), dtype=np.int8),
        "u8_image": rng.integers(0, 255, (2, 3, 3), dtype=np.uint8),
        "i16": rng.integers(-9, 9, (5,), dtype=np.int16),
        "u16": rng.integers(0, 9, (2, 2), dtype=np.uint16),
        "i32": rng.integers(-9, 9, (2, 1, 3), dtype=np.int32),
        "u32": rng.integers(0, 9, (3,), dtype=np.uint32),
        "i64_ids": rng.integers(0, 1000, (1, 8), dtype=np.int64),
        "u64": rng.integers(0, 9, (2,), dtype=np.uint64),
        "bool_mask": rng.integers(0, 2, (2, 4)).astype(bool),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "rank5": rng.standard_normal((1, 2, 1, 2, 3), dtype=np.float32),
        # Refused ones: big-endian, complex, a structured dtype, unicode strings.
        "big_endian": np.arange(4, dtype=">f4"),
        "complex": np.arange(3, dtype=np.complex64),
        "structured": np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]),
        "unicode": np.array(["ab", "c"]),
    }
    for name, a in arrays.items():
        np.save(os.path.join(out, f"{name}.npy"), a, allow_pickle=False)
    f = np.asfortranarray(rng.standard_normal((3, 4), dtype=np.float32))
    with open(os.path.join(out, "fortran_order.npy"), "wb") as fh:
        npf.write_array(fh, f, version=(1, 0))
    for v in ((2, 0), (3, 0)):
        with open(os.path.join(out, f"version{v[0]}.npy"), "wb") as fh:
            npf.write_array(fh, arrays["f32_nchw"], version=v)
    return len(arrays) + 3


def image_files(out):
    import io
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8))
    grey = Image.fromarray(rng.integers(0, 256, (6, 8), dtype=np.uint8))
    rgba = Image.fromarray(rng.integers(0, 256, (6, 8, 4), dtype=np.uint8), "RGBA")
    pal = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    files = {
        "baseline.jpg": (rgb, "JPEG", {"quality": 75}),
        "progressive.jpg": (rgb, "JPEG", {"progressive": True}),
        "444.jpg": (rgb, "JPEG", {"subsampling": 0}),
        "grey.jpg": (grey, "JPEG", {}),
        "cmyk.jpg": (rgb.convert("CMYK"), "JPEG", {}),
        "rgb.png": (rgb, "PNG", {}),
        "rgba.png": (rgba, "PNG", {}),
        "grey.png": (grey, "PNG", {}),
        "la.png": (rgba.convert("LA"), "PNG", {}),
        "bits.png": (grey.convert("1"), "PNG", {}),
        "palette.png": (pal, "PNG", {"transparency": 2}),
        "grey16.png": (Image.fromarray(rng.integers(0, 65536, (6, 8), dtype=np.uint16)), "PNG", {}),
        "rgb.bmp": (rgb, "BMP", {}),
        "rgba.bmp": (rgba, "BMP", {}),
        "palette.bmp": (pal, "BMP", {}),
        "bits.bmp": (grey.convert("1"), "BMP", {}),
        "p6.ppm": (rgb, "PPM", {}),
        "p5.pgm": (grey, "PPM", {}),
        "p4.pbm": (grey.convert("1"), "PPM", {}),
    }
    for name, (img, fmt, kw) in files.items():
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        with open(os.path.join(out, name), "wb") as f:
            f.write(buf.getvalue())
    raw = {
        "p1.pbm": b"P1\n# plain\n4 2\n1010\n0 1 0 1\n",
        "p2.pgm": b"P2 3 2 100 0 50 100 1 2 3\n",
        "p3.ppm": b"P3 2 1 255 255 0 0 0 255 9\n",
        "p6_16bit.ppm": b"P6 2 1 1000\n" + bytes([0, 1, 1, 244, 3, 232, 0, 0, 3, 231, 2, 0]),
        "tiff.tif": b"II*\0\x08\0\0\0" + bytes(16),
        "webp.webp": b"RIFF\x20\0\0\0WEBPVP8 " + bytes(16),
    }
    for name, data in raw.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return len(files) + len(raw)


def cli_reports(cli, models, rknn_out, json_out):
    """perf.txt / perf.json of real `layerscope perf --out` runs on the small models."""
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            stem = os.path.basename(model)[:-len(".onnx")]
            for threads in (1, 2):
                for extra in ([], ["--no-optimize"]):
                    d = os.path.join(tmp, f"{stem}.t{threads}{'.noopt' if extra else ''}")
                    subprocess.run([cli, "perf", model, "--threads", str(threads), "--warmup", "1", "--runs", "2",
                                    "--out", d] + extra, check=True, stdout=subprocess.DEVNULL)
                    tag = os.path.basename(d)
                    shutil.copy(os.path.join(d, "perf.json"), os.path.join(json_out, f"{tag}.perf.json"))
                    shutil.copy(os.path.join(d, "perf.txt"), os.path.join(rknn_out, f"{tag}.perf.txt"))
                    n += 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for OUT/<target>/ seed folders")
    ap.add_argument("--cli", help="a built `layerscope` CLI, for perf.json / perf.txt seeds")
    args = ap.parse_args()
    dirs = {t: os.path.join(args.out, t)
            for t in ("fuzz_load_plan", "fuzz_npy", "fuzz_rknn_import", "fuzz_perf_json", "fuzz_image_decode")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    print(f"fuzz_load_plan: {backend_models(dirs['fuzz_load_plan'])} backend node models", file=sys.stderr)
    models = torch_models(dirs["fuzz_load_plan"])
    print(f"fuzz_load_plan: {len(models)} torch models", file=sys.stderr)
    print(f"fuzz_npy: {npy_files(dirs['fuzz_npy'])} files", file=sys.stderr)
    print(f"fuzz_image_decode: {image_files(dirs['fuzz_image_decode'])} images", file=sys.stderr)
    for f in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "rknn", "*.txt"))):
        shutil.copy(f, dirs["fuzz_rknn_import"])
    if args.cli:
        n = cli_reports(args.cli, [m for m in models if "small.opset17" in m], dirs["fuzz_rknn_import"],
                        dirs["fuzz_perf_json"])
        print(f"fuzz_perf_json, fuzz_rknn_import: {n} reports each from `layerscope perf`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
