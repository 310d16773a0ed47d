#!/usr/bin/env python3
"""Build layerscope's model zoo: every model of zoo_manifest.py, exported and with references.

    .venv/bin/python scripts/models/zoo.py [--out .cache/zoo] [--models a,b,c] [--list] [--strict]

Per model (one at a time, torch and onnxruntime on one thread): build it with seeded random
weights (zoo_build.py), calibrate it (calibrate.py's recipe, DESIGN.md "Random-weight models
lie"), export with torch.onnx.export at opset 17, batch 1, static shapes, check it with
onnx.checker (full_check), and write
    OUT/<name>.onnx
    OUT/<name>.input_<i>.npy     fixed-seed inputs (zoo_manifest.InputSpec kinds)
    OUT/<name>.output_<i>.npy    onnxruntime CPU reference outputs (graph optimisations off)
    OUT/manifest.json            {"zoo": {...}, "models": {"<name>.onnx": entry}, "failures": [..]}
An entry has the keys tests/models/check_model.py reads (path, inputs, outputs) plus model,
family, notes, waits_for, input_shapes/dtypes, output_shapes, max_abs, std, output_stats
(std, max|out|, cross-input std over 4 other inputs), torch_vs_ort_max_abs_diff (export
fidelity), op_counts, calibration, gen_seconds, reference and spec_hash.

A model is skipped when its entry, its files and its spec_hash (its manifest entry, the
generating code, torch/torchvision/onnxruntime versions) all match, so a repeated call is
cheap and editing one entry rebuilds only that model. A failure is recorded in "failures" and
on stderr and the others go on; exit status 1 only with --strict.
"""
import argparse
import hashlib
import inspect
import io
import os
import sys
import time
import traceback
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import export_models  # noqa: E402  (seeds, opset check, op counts, manifest file handling)
import zoo_manifest  # noqa: E402

OPSET = export_models.BASE_OPSET
MODEL_SEED, CALIB_SEED, INPUT_SEED = export_models.MODEL_SEED, export_models.CALIB_SEED, export_models.INPUT_SEED
DEFAULT_OUT = os.path.join(ROOT, ".cache", "zoo")


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def make_feeds(entry, seed):
    """{input name: array} for the entry's inputs; input i draws from the seed sequence (seed, i)."""
    feeds = {}
    for i, spec in enumerate(entry.inputs):
        rng = np.random.default_rng((seed, i))
        if spec.kind == "normal":
            feeds[spec.name] = rng.standard_normal(spec.shape, dtype=np.float32)
        elif spec.kind == "uniform":
            feeds[spec.name] = rng.random(spec.shape, dtype=np.float32)
        elif spec.kind == "tokens":
            feeds[spec.name] = rng.integers(0, spec.vocab, spec.shape, dtype=np.int64)
        elif spec.kind == "mask":
            mask = np.zeros(spec.shape, dtype=np.int64)
            mask[..., :spec.valid] = 1
            feeds[spec.name] = mask
        else:
            raise ValueError(f"zoo entry {entry.name}: input {spec.name} has unknown kind {spec.kind!r}")
    return feeds


def as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def zero_symbolic(g, self):
    """aten::zero (Tensor.zero_()) has no ONNX symbolic in torch 1.13: zeros of self's shape.
    torchvision's Swin V2 zeroes the key part of a clone of its qkv bias at every forward;
    the result is constant and folded away by the exporter."""
    import torch
    return g.op("ConstantOfShape", g.op("Shape", self), value_t=torch.tensor([0.0]))


def export(module, feeds, output_names):
    """torch.onnx.export of module(*feeds) at OPSET to a ModelProto (static shapes, constants
    folded), and the numpy outputs of the tracing run (tracing runs the model once anyway)."""
    import onnx
    import torch
    torch.onnx.register_custom_op_symbolic("aten::zero", zero_symbolic, OPSET)
    args = tuple(torch.from_numpy(a) for a in feeds.values())
    buf, grabbed = io.BytesIO(), []
    hook = module.register_forward_hook(lambda m, i, o: grabbed.append(o))
    # enable_grad: under no_grad, nn.MultiheadAttention takes its fused fast path,
    # aten::_native_multi_head_attention, which has no ONNX export.
    try:
        with warnings.catch_warnings(), torch.enable_grad():
            warnings.simplefilter("ignore")  # TracerWarnings on Python-int shapes are expected
            torch.onnx.export(module, args, buf, opset_version=OPSET, input_names=list(feeds),
                              output_names=list(output_names), do_constant_folding=True)
    finally:
        hook.remove()
    outs = [o.detach().numpy() for o in as_tuple(grabbed[0])]
    return onnx.load_from_string(buf.getvalue()), outs


def session(model, reference=False):
    """onnxruntime CPU session on one thread (the machine is shared); reference sessions run
    ORT's plain kernels (no graph rewrites), like export_models.ort_session."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    if reference:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


class Taps:
    """Runs the model in onnxruntime and returns the outputs of `layers` (Debian's torch runs
    Linear layers on reference BLAS: a BERT forward takes ~20 s there, ~1 s in ORT)."""

    def __init__(self, model, layers, feeds):
        import torch

        class Tap(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, *xs):
                grabbed = {}
                hooks = [l.register_forward_hook(lambda m, i, o, k=k: grabbed.__setitem__(k, o))
                         for k, l in enumerate(layers)]
                try:
                    self.model(*xs)
                finally:
                    for h in hooks:
                        h.remove()
                return tuple(grabbed[k] for k in range(len(layers)))

        proto, _ = export(Tap(), feeds, [f"tap_{k}" for k in range(len(layers))])
        self.sess = session(proto.SerializeToString())

    def __call__(self, feeds):
        import torch
        return [torch.from_numpy(a) for a in self.sess.run(None, feeds)]


def rescale(layers, taps, target_mean):
    """Affine-adjust `layers`, whose outputs are summed, so the sum has per-channel mean
    `target_mean` and pooled std 1 over the inputs: w /= std and b /= std for every layer,
    and the first layer's bias also gets - mean / std + target_mean (calibrate.py's
    rescale_last_layer, generalised to summed layers and to channels-last outputs: Linear, and
    LayerNorm, whose affine weight and bias act per channel like a Linear's)."""
    import torch
    z = torch.cat([sum(t) for t in taps])
    channels_last = isinstance(layers[0], (torch.nn.Linear, torch.nn.LayerNorm))
    channels = z.shape[-1] if channels_last else z.shape[1]
    z = z.reshape(-1, channels).T if channels_last else z.transpose(0, 1).flatten(1)
    mean = z.mean(dim=1)
    std = (z - mean[:, None]).std().clamp_min(1e-12)
    for layer in layers:
        layer.weight.div_(std)
        if layer.bias is None:
            layer.bias = torch.nn.Parameter(torch.zeros(channels))
        layer.bias.div_(std)
    layers[0].bias.add_(target_mean - mean / std)
    return float(std)


def calibrate(entry, model, layers, n_rescale=8):
    """calibrate.calibrate()'s recipe with the zoo's inputs; returns what was done."""
    import torch
    from calibrate import calibrate_batchnorm, fill_zero_params, perturb_norm_affine
    gen = torch.Generator().manual_seed(CALIB_SEED)
    with torch.no_grad():
        perturb_norm_affine(model, gen)
        for name, p in model.named_parameters():  # ConvNeXt's 1e-6 layer scales (entry.reinit)
            if entry.reinit and name.endswith("layer_scale"):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
        fill_zero_params(model, gen)
        calibrate_batchnorm(model, entry.inputs[0].shape, gen, *entry.bn_samples)
        model.eval()
        done = {"bn_samples": list(entry.bn_samples), "rescaled": [], "rescale_std": None}
        if layers:
            taps = Taps(model, layers, make_feeds(entry, CALIB_SEED))
            outs = [taps(make_feeds(entry, 100 + k)) for k in range(n_rescale)]
            done["rescale_std"] = rescale(layers, outs, entry.rescale_mean)
            names = {id(m): n for n, m in model.named_modules()}
            done["rescaled"] = [names[id(l)] for l in layers]
    return done


def output_stats(proto, entry, n=4):
    """calibrate.output_stats per output over n fresh inputs (None when the shapes vary, as a
    detector's do)."""
    from calibrate import output_stats as stats
    sess = session(proto.SerializeToString())
    runs = [sess.run(None, make_feeds(entry, 1000 + i)) for i in range(n)]
    res = {}
    for k, o in enumerate(sess.get_outputs()):
        outs = [r[k].astype(np.float32) for r in runs]
        res[o.name] = stats(outs) if len({x.shape for x in outs}) == 1 else None
    return res


def spec_hash(entry):
    """Hash of everything that determines the entry's files."""
    import onnxruntime
    import torch
    import torchvision
    h = hashlib.sha256(repr(entry).encode())
    files = ["zoo_build.py", "calibrate.py"]
    if entry.builder.startswith("custom:") or entry.reinit:
        files.append("zoo_models.py")
    for f in files:
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    # Only the code of this file that shapes the outputs: editing the CLI or the docs rebuilds nothing.
    for fn in (make_feeds, zero_symbolic, export, session, Taps, rescale, calibrate, output_stats, process,
               export_models.to_opset, export_models.op_counts):
        h.update(inspect.getsource(fn).encode())
    h.update(f"{torch.__version__} {torchvision.__version__} {onnxruntime.__version__}".encode())
    return h.hexdigest()[:16]


def files_of(e):
    return [e["path"], *e["inputs"].values(), *e["outputs"].values()]


def is_done(manifest, out_dir, entry, h):
    e = manifest.data["models"].get(entry.file)
    return bool(e) and e.get("spec_hash") == h and all(
        os.path.exists(os.path.join(out_dir, f)) for f in files_of(e))


def save_onnx(path, proto):
    import onnx
    onnx.save(proto, path + ".tmp")
    os.replace(path + ".tmp", path)  # never a half-written file under the final name


def save_npy(path, array):
    with open(path + ".tmp", "wb") as f:
        np.save(f, array)
    os.replace(path + ".tmp", path)


def process(entry, out_dir, manifest, h):
    import onnxruntime as ort
    import torch
    from zoo_build import build
    t0 = time.time()
    torch.manual_seed(MODEL_SEED)
    model, layers = build(entry)
    calib = calibrate(entry, model, layers)
    log(f"[{entry.name}] built + calibrated in {time.time() - t0:.1f}s: {calib}")
    feeds = make_feeds(entry, INPUT_SEED)
    proto, torch_outs = export(model, feeds, entry.outputs)
    del model
    proto = export_models.to_opset(proto, OPSET)  # checker (full_check) + IR version
    stats = output_stats(proto, entry)
    onnx_path = os.path.join(out_dir, entry.file)
    save_onnx(onnx_path, proto)
    in_files = {}
    for i, (name, a) in enumerate(feeds.items()):
        in_files[name] = f"{entry.name}.input_{i}.npy"
        save_npy(os.path.join(out_dir, in_files[name]), a)
    sess = session(onnx_path, reference=True)
    out_names = [o.name for o in sess.get_outputs()]
    refs = sess.run(out_names, feeds)
    del sess
    out_files, max_abs, stds, shapes = {}, {}, {}, {}
    for i, (name, r) in enumerate(zip(out_names, refs)):
        out_files[name] = f"{entry.name}.output_{i}.npy"
        save_npy(os.path.join(out_dir, out_files[name]), r)
        max_abs[name] = float(np.abs(r).max()) if r.size else 0.0
        stds[name] = float(r.std()) if r.size else 0.0
        shapes[name] = list(r.shape)
    fidelity = float(np.abs(refs[0] - torch_outs[0]).max()) \
        if refs[0].shape == torch_outs[0].shape and refs[0].size else None
    manifest.data["models"][entry.file] = {
        "model": entry.name, "order": zoo_manifest.ZOO.index(entry), "family": entry.family, "builder": entry.builder, "notes": entry.notes,
        "waits_for": entry.waits_for, "path": entry.file, "opset": OPSET,
        "ir_version": proto.ir_version, "bytes": os.path.getsize(onnx_path),
        "inputs": in_files, "input_shapes": {n: list(a.shape) for n, a in feeds.items()},
        "input_dtypes": {n: str(a.dtype) for n, a in feeds.items()}, "input_seed": INPUT_SEED,
        "outputs": out_files, "output_shapes": shapes, "max_abs": max_abs, "std": stds,
        "torch_vs_ort_max_abs_diff": fidelity, "output_stats": stats,
        "op_counts": export_models.op_counts(proto), "calibration": calib,
        "reference": f"onnxruntime {ort.__version__} CPUExecutionProvider ORT_DISABLE_ALL",
        "gen_seconds": round(time.time() - t0, 1), "spec_hash": h,
    }
    manifest.save()
    log(f"[{entry.name}] {os.path.getsize(onnx_path) / 1e6:.1f} MB in {time.time() - t0:.1f}s; "
        f"outputs {shapes}; stats {stats}")


def print_list(entries):
    print("| model | family | inputs | waits for | notes |\n|---|---|---|---|---|")
    for e in entries:
        ins = ", ".join(f"{s.name} {'x'.join(map(str, s.shape))} {s.kind}" for s in e.inputs)
        print(f"| {e.name} | {e.family} | {ins} | {e.waits_for or '-'} | {e.notes} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default %(default)s)")
    ap.add_argument("--models", default="", help="comma-separated subset (default: all)")
    ap.add_argument("--list", action="store_true", help="print the zoo as a markdown table and exit")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any model failed")
    args = ap.parse_args()
    try:
        entries = zoo_manifest.select(args.models)
    except ValueError as e:
        ap.error(str(e))
    if args.list:
        print_list(entries)
        return 0
    os.makedirs(args.out, exist_ok=True)
    import onnxruntime
    import torch
    import torchvision
    torch.set_num_threads(1)
    manifest = export_models.Manifest(args.out)
    models = manifest.data["models"]
    for stale in [f for f, e in models.items() if e.get("model") not in zoo_manifest.BY_NAME]:
        del models[stale]  # an entry dropped from the zoo
    for e in models.values():  # the zoo's order may have changed without changing the models
        e["order"] = zoo_manifest.ZOO.index(zoo_manifest.BY_NAME[e["model"]])
    manifest.data["zoo"] = {"opset": OPSET, "torch": torch.__version__, "torchvision": torchvision.__version__,
                            "onnxruntime": onnxruntime.__version__, "seeds": {
                                "model": MODEL_SEED, "calibration": CALIB_SEED, "input": INPUT_SEED}}
    t0 = time.time()
    for entry in entries:
        h = spec_hash(entry)
        if is_done(manifest, args.out, entry, h):
            log(f"[{entry.name}] up to date, skipping")
            continue
        try:
            process(entry, args.out, manifest, h)
        except Exception:
            msg = f"{entry.name}: {traceback.format_exc()}"
            log("FAILURE " + msg)
            manifest.data["failures"].append(msg)
            models.pop(entry.file, None)
    manifest.save()
    log(f"zoo: {len(entries)} model(s) in {time.time() - t0:.0f}s; manifest {manifest.path}")
    if manifest.data["failures"]:
        log(f"WARNING: {len(manifest.data['failures'])} failure(s), listed in {manifest.path}")
        return 1 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
