"""How the node-level onnxruntime checks (tests/ops/check_*_ort.py) run a model through the
layerscope CLI: the model and its inputs are saved under a temporary folder, `layerscope run`
(or `perf`) runs on them, and the outputs are read back by value name."""
import os
import re
import subprocess

import numpy as np
import onnx


def safe_name(name):
    """The file name (without .npy) `layerscope run --out` gives a value."""
    s = re.sub(r"[^A-Za-z0-9._-]", "_", name or "output")
    return "_" + s[1:] if s.startswith(".") else s


def save_case(model, feeds, tmp, tag):
    """Saves `model` (a ModelProto) as tmp/<tag>.onnx and each input as .npy; returns the model's
    path and the CLI's --input arguments."""
    path = os.path.join(tmp, f"{tag}.onnx")
    onnx.save(model, path)
    args = []
    for name, a in feeds.items():
        f = os.path.join(tmp, f"{tag}.{name}.npy")
        np.save(f, a)
        args += ["--input", f"{name}={f}"]
    return path, args


def run_cli(cli, command, path, input_args, out_dir, threads=None):
    """`layerscope COMMAND path` once, without warm-up, writing into out_dir; the CompletedProcess."""
    cmd = [cli, command, path, "--warmup", "0", "--runs", "1", "--out", out_dir] + input_args
    if threads is not None:
        cmd += ["--threads", str(threads)]
    return subprocess.run(cmd, capture_output=True, text=True)


def output(out_dir, name):
    """The value `name` as `layerscope run --out out_dir` wrote it."""
    return np.load(os.path.join(out_dir, safe_name(name) + ".npy"))
