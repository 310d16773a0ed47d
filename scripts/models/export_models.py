#!/usr/bin/env python3
"""Export layerscope's test models to ONNX and record onnxruntime reference outputs.

    python scripts/models/export_models.py --out DIR \
        [--models resnet50,mobilenetv2,vit_b_16,depth_anything_like,bilstm_tagger,bigru_tagger,
                  scripted_decoder]
        [--opsets 17,19,21]

For each model: build it with random (seeded) weights, calibrate it (calibrate.py),
export with torch.onnx.export at opset 17, derive the other opsets with
onnx.version_converter, check every file with onnx.checker (full_check), and write
    DIR/<model>.opset<N>.onnx
    DIR/<model>.opset<N>.input_<i>.npy     fixed-seed N(0,1) float32 inputs
    DIR/<model>.opset<N>.output_<i>.npy    onnxruntime CPU reference outputs
    DIR/manifest.json
manifest.json = {"models": {"<file>.onnx": entry}, "failures": [str]}, where entry has
  path, model, opset, ir_version, bytes, inputs {name: npy}, input_shapes,
  outputs {name: reference npy}, output_shapes, max_abs {name: max|ref|}, std,
  torch_vs_ort_max_abs_diff (export fidelity), vs_first_opset_max_abs_diff
  (conversion fidelity), output_stats (std / max|out| / cross-input std over 4
  other inputs), op_counts {op_type: count}, reference, script_hash.
Work is skipped when the manifest entry, the files and the script hash all match,
so repeated calls are cheap. Failures (e.g. an opset conversion) are reported in
the manifest's "failures" list and on stderr and the run continues with the rest;
the exit status is still 0 (tests/models/check_model.py reports a missing entry
with those failures) unless --strict is given.
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

RESIDUAL_GAIN = 0.2
ALL_MODELS = ("resnet50", "mobilenetv2", "vit_b_16", "depth_anything_like", "bilstm_tagger", "bigru_tagger",
              "scripted_decoder")
SCRIPTED_MODELS = ("scripted_decoder",)  # torch.jit.script exports (control flow), not traced
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


def export_torch(model, x, opset=BASE_OPSET, output_names=("output",)):
    """torch.onnx.export of model(x) to an in-memory ModelProto: static shapes,
    default constant folding, input "input", output "output", weights inline.
    Returns (proto, torch output of the tracing run on x): tracing executes the
    model once anyway, and a torch forward is slow here (reference BLAS).
    A ScriptModule (torch.jit.script) is exported as scripted, keeping its control flow
    (Loop, If), and run once for the output."""
    import onnx
    import torch
    buf = io.BytesIO()
    if isinstance(model, torch.jit.ScriptModule):
        torch.onnx.export(model, (x,), buf, opset_version=opset, input_names=["input"],
                          output_names=list(output_names), do_constant_folding=True)
        with torch.no_grad():
            return onnx.load_from_string(buf.getvalue()), model(x).detach()
    grabbed = []
    hook = model.register_forward_hook(lambda m, i, o: grabbed.append(o))
    # enable_grad: under no_grad, nn.MultiheadAttention (torchvision ViT) takes its
    # fused fast path, aten::_native_multi_head_attention, which has no ONNX export.
    try:
        with warnings.catch_warnings(), torch.enable_grad():
            warnings.simplefilter("ignore")  # TracerWarnings on Python-int shapes are expected
            torch.onnx.export(model, x, buf, opset_version=opset, input_names=["input"],
                              output_names=list(output_names), do_constant_folding=True)
    finally:
        hook.remove()
    out = grabbed[0]
    out = tuple(o.detach() for o in out) if isinstance(out, tuple) else out.detach()
    return onnx.load_from_string(buf.getvalue()), out


def ort_session(model, reference=False):
    """CPU EP session from a path or serialized bytes. Reference runs disable graph
    optimisations, so references come from ORT's plain kernels, not fused rewrites."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    if reference:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def ort_forward(model, layer, xs):
    """calibrate() forward engine: runs ONNX Runtime on a traced copy of the model
    that also outputs `layer`'s result. Debian's torch uses reference BLAS, which
    makes one 480x640 depth forward take ~40 s in torch vs ~2 s in ORT."""
    import torch

    class Tap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, x):
            grabbed = []
            hook = layer.register_forward_hook(lambda m, i, o: grabbed.append(o))
            try:
                out = self.model(x)
            finally:
                hook.remove()
            return grabbed[0], out

    proto, _ = export_torch(Tap(), xs[0], output_names=("tap", "output"))
    sess = ort_session(proto.SerializeToString())
    del proto
    return [tuple(torch.from_numpy(a) for a in sess.run(None, {"input": x.numpy()}))
            for x in xs]


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


def op_counts(proto):
    return dict(sorted(collections.Counter(n.op_type for n in proto.graph.node).items()))


def build_model(name):
    """Returns (calibrated torch model in eval mode, input shape)."""
    import torch
    from architectures import DepthAnythingLike, RecurrentTagger, ScriptedDecoder, torchvision_model
    from calibrate import calibrate
    torch.manual_seed(MODEL_SEED)
    if name == "scripted_decoder":
        # Scripted, so not calibrated (calibrate() traces): its Linear layers' default
        # initialisation already gives outputs of order 1.
        model = ScriptedDecoder()
        return torch.jit.script(model.eval()), model.input_shape
    if name == "depth_anything_like":
        model = DepthAnythingLike()
        shape, last = model.input_shape, model.last_layer
        # Output goes through a final ReLU: centre its input at +0.5 std so ~70% of
        # pixels are positive instead of half the map being exactly zero.
        kw = dict(n_rescale=4, target_mean=0.5)
    elif name in ("bilstm_tagger", "bigru_tagger"):
        model = RecurrentTagger({"bilstm_tagger": "lstm", "bigru_tagger": "gru"}[name])
        shape, last, kw = model.input_shape, model.classify, {}
    else:
        model, shape, last = torchvision_model(name)
        # Residual branches at a trained network's scale (calibrate.damp_residual_branches):
        # without it the random network is chaotic and int8 models of it compare as noise.
        kw = dict(residual_gain=RESIDUAL_GAIN)
    calibrate(model, shape, last, CALIB_SEED, forward=ort_forward, **kw)
    return model.eval(), shape


def calibration_stats(proto, shape, n=4):
    """output_stats() of the exported model on n fresh N(0,1) inputs (via ORT)."""
    from calibrate import output_stats
    sess = ort_session(proto.SerializeToString())
    return output_stats([sess.run(None, {"input": make_input(shape, 1000 + i)})[0]
                         for i in range(n)])


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
    model, shape = build_model(name)
    log(f"[{name}] built + calibrated in {time.time() - t0:.1f}s")
    x = make_input(shape)
    t1 = time.time()
    # torch_out (from the tracing run on x) is compared with ORT to check the export.
    base, torch_out = export_torch(model, torch.from_numpy(x))
    torch_out = torch_out.numpy()
    del model
    log(f"[{name}] exported opset {BASE_OPSET} in {time.time() - t1:.1f}s")
    calib = calibration_stats(base, shape)
    log(f"[{name}] output stats over 4 inputs: {calib}")
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
            manifest.data["models"].pop(stem + ".onnx", None)  # drop a stale entry
            continue
        onnx_path = os.path.join(out_dir, stem + ".onnx")
        onnx.save(proto, onnx_path + ".tmp")
        os.replace(onnx_path + ".tmp", onnx_path)
        in_name = proto.graph.input[0].name
        in_file = f"{stem}.input_0.npy"
        np.save(os.path.join(out_dir, in_file), x)
        t2 = time.time()
        sess = ort_session(onnx_path, reference=True)
        out_names = [o.name for o in sess.get_outputs()]
        outs = sess.run(out_names, {in_name: x})
        del sess
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
            "output_stats": calib, "op_counts": op_counts(proto),
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
    ap.add_argument("--strict", action="store_true", help="exit 1 if anything failed")
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
        log(f"WARNING: {len(manifest.data['failures'])} failure(s), listed in {manifest.path}")
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
