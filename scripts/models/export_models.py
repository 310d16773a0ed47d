#!/usr/bin/env python3
"""Export layerscope's test models to ONNX and record onnxruntime reference outputs.

    python scripts/models/export_models.py --out DIR \
        [--models resnet50,mobilenetv2,vit_b_16,depth_anything_like] [--opsets 17,19,21]

For each model: build it with random (seeded) weights, calibrate it (calibrate.py),
export with torch.onnx.export at opset 17, derive the other opsets with
onnx.version_converter, check every file with onnx.checker (full_check), and write
    DIR/<model>.opset<N>.onnx
    DIR/<model>.opset<N>.input_<i>.npy     fixed-seed N(0,1) float32 inputs
    DIR/<model>.opset<N>.output_<i>.npy    onnxruntime CPU reference outputs
    DIR/manifest.json                      one entry per .onnx file (see write_entry)
Work is skipped when the manifest entry, the files and the script hash all match,
so repeated calls are cheap. Failures (e.g. an opset conversion) are reported in
the manifest's "failures" list and on stderr; the run continues and exits 1.
"""
import argparse
import collections
import hashlib
import io
import json
import os
import sys
import time
import traceback
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

ALL_MODELS = ("resnet50", "mobilenetv2", "vit_b_16", "depth_anything_like")
BASE_OPSET = 17           # what torch 1.13's exporter targets; others are converted
MODEL_SEED, CALIB_SEED, INPUT_SEED = 0, 1, 2


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def script_hash():
    """Hash of everything that determines the generated files."""
    h = hashlib.sha256()
    for f in ("export_models.py", "architectures.py", "calibrate.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()[:16]


def make_input(shape, seed=INPUT_SEED):
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def export_torch(model, input_shape, opset=BASE_OPSET):
    """torch.onnx.export to an in-memory ModelProto: static shapes, default
    constant folding, input "input", output "output", weights inline."""
    import onnx
    import torch
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about Python-int shapes are expected
        torch.onnx.export(model, torch.zeros(input_shape), buf, opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    return onnx.load_from_string(buf.getvalue())


def to_opset(proto, opset):
    """Converted + checked copy of `proto` at `opset`. The converter leaves
    ir_version untouched (torch writes 8), but opset 19 needs IR 9 and opset 21
    IR 10, so raise it to the minimum IR the ONNX release table gives for it."""
    import onnx
    from onnx import version_converter
    if opset != BASE_OPSET:
        proto = version_converter.convert_version(proto, opset)
    # VERSION_TABLE rows: (onnx release, IR version, ai.onnx opset, ai.onnx.ml, ...)
    need_ir = min(row[1] for row in onnx.helper.VERSION_TABLE if row[2] >= opset)
    proto.ir_version = max(proto.ir_version, need_ir)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def run_ort(path, feeds):
    """Reference run: CPU EP with graph optimisations disabled, so the reference
    comes from ORT's plain kernels rather than from fused rewrites."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return names, sess.run(names, feeds)


def op_counts(proto):
    return dict(sorted(collections.Counter(n.op_type for n in proto.graph.node).items()))


def build_model(name):
    """Returns (calibrated torch model in eval mode, input shape, calibration stats)."""
    import torch
    from architectures import DepthAnythingLike, torchvision_model
    from calibrate import calibrate
    torch.manual_seed(MODEL_SEED)
    if name == "depth_anything_like":
        model = DepthAnythingLike()
        shape, last = model.input_shape, model.last_layer
        # Output goes through a final ReLU: centre its input at +0.5 std so ~70% of
        # pixels are positive instead of half the map being exactly zero.
        kw = dict(n_rescale=4, target_mean=0.5)
    else:
        model, shape, last = torchvision_model(name)
        kw = {}
    stats = calibrate(model, shape, last, CALIB_SEED, **kw)
    return model.eval(), shape, stats


class Manifest:
    def __init__(self, out_dir):
        self.path = os.path.join(out_dir, "manifest.json")
        self.data = {"models": {}}
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.data = json.load(f)
        self.data["failures"] = []  # failures of this run only

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def is_done(manifest, out_dir, name, opsets, h):
    for opset in opsets:
        e = manifest.data["models"].get(f"{name}.opset{opset}.onnx")
        if not e or e.get("script_hash") != h:
            return False
        files = [e["path"]] + list(e["inputs"].values()) + list(e["outputs"].values())
        if not all(os.path.exists(os.path.join(out_dir, f)) for f in files):
            return False
    return True


def process_model(name, opsets, out_dir, manifest, h):
    import onnx
    import onnxruntime as ort
    import torch
    t0 = time.time()
    model, shape, calib = build_model(name)
    log(f"[{name}] built + calibrated in {time.time() - t0:.1f}s: {calib}")
    x = make_input(shape)
    with torch.no_grad():
        torch_out = model(torch.from_numpy(x)).numpy()
    t1 = time.time()
    base = export_torch(model, shape)
    del model
    log(f"[{name}] exported opset {BASE_OPSET} in {time.time() - t1:.1f}s")
    base_ref = None
    for opset in opsets:
        stem = f"{name}.opset{opset}"
        try:
            proto = to_opset(base, opset)
        except Exception as e:  # keep going with the other opsets/models
            msg = f"{name}: opset {BASE_OPSET} -> {opset} conversion/check failed: " \
                  f"{type(e).__name__}: {e}"
            log("FAILURE " + msg)
            manifest.data["failures"].append(msg)
            continue
        onnx_path = os.path.join(out_dir, stem + ".onnx")
        onnx.save(proto, onnx_path + ".tmp")
        os.replace(onnx_path + ".tmp", onnx_path)
        in_name = proto.graph.input[0].name
        in_file = f"{stem}.input_0.npy"
        np.save(os.path.join(out_dir, in_file), x)
        t2 = time.time()
        out_names, outs = run_ort(onnx_path, {in_name: x})
        ort_s = time.time() - t2
        out_files, max_abs, stds, shapes = {}, {}, {}, {}
        for i, (oname, o) in enumerate(zip(out_names, outs)):
            out_files[oname] = f"{stem}.output_{i}.npy"
            np.save(os.path.join(out_dir, out_files[oname]), o)
            max_abs[oname] = float(np.abs(o).max())
            stds[oname] = float(o.std())
            shapes[oname] = list(o.shape)
        if base_ref is None:
            base_ref = outs[0]
        manifest.data["models"][stem + ".onnx"] = {
            "model": name, "path": stem + ".onnx", "opset": opset,
            "ir_version": proto.ir_version, "bytes": os.path.getsize(onnx_path),
            "inputs": {in_name: in_file}, "input_shapes": {in_name: list(x.shape)},
            "input_seed": INPUT_SEED,
            "outputs": out_files, "output_shapes": shapes,
            "max_abs": max_abs, "std": stds,
            # Sanity numbers: the export is faithful and the opset conversion is a no-op.
            "torch_vs_ort_max_abs_diff": float(np.abs(outs[0] - torch_out).max()),
            "vs_first_opset_max_abs_diff": float(np.abs(outs[0] - base_ref).max()),
            "calibration": calib, "op_counts": op_counts(proto),
            "reference": f"onnxruntime {ort.__version__} CPUExecutionProvider ORT_DISABLE_ALL",
            "script_hash": h,
        }
        manifest.save()
        log(f"[{name}] opset {opset}: {os.path.getsize(onnx_path) / 1e6:.1f} MB, "
            f"ORT {ort_s:.1f}s, max|ref| {max_abs}, std {stds}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--models", default=",".join(ALL_MODELS))
    ap.add_argument("--opsets", default="17,19,21")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    opsets = sorted(int(o) for o in args.opsets.split(",") if o)
    unknown = set(models) - set(ALL_MODELS)
    if unknown:
        ap.error(f"unknown model(s) {sorted(unknown)}; choose from {ALL_MODELS}")
    if any(o < BASE_OPSET for o in opsets):
        ap.error(f"opsets must be >= {BASE_OPSET}")
    os.makedirs(args.out, exist_ok=True)

    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    h = script_hash()
    manifest = Manifest(args.out)
    for name in models:
        if is_done(manifest, args.out, name, opsets, h):
            log(f"[{name}] up to date, skipping")
            continue
        try:
            process_model(name, opsets, args.out, manifest, h)
        except Exception:
            msg = f"{name}: {traceback.format_exc()}"
            log("FAILURE " + msg)
            manifest.data["failures"].append(msg)
    manifest.save()
    if manifest.data["failures"]:
        log(f"{len(manifest.data['failures'])} failure(s); see {manifest.path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
