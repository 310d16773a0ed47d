#!/usr/bin/env python3
"""The ONNX backend node tests of QLinearConv and QLinearMatMul as a CPU without VNNI runs a
QOperator file (LAYERSCOPE_NO_INT8_DOT=1: passes/expand_qoperator.cpp).

The backend harness (ctest backend.*) feeds every input at run time, so scales and zero points
are unknown when the plan is made and no pass can rewrite the node: the reference kernel runs.
A quantized model has them (and the weights) as initializers. So here each case's inputs after
the first become initializers (for QLinearMatMul also once with B left a run-time input,
attention's activation x activation product), the model runs with the variable set, and:
- the output is within one quantization step of the test's expected output (the spec's
  tolerance for a float sum against the exact int32 sum); where the harness excludes a case
  because its expected output wraps int8 overflow (exclusions/quant.txt), within one step of
  the definition computed here in exact integers, which saturates;
- perf.json shows the node as a FLOAT Conv/MatMul with its conversions, none on 'ref'.
    check_qlinear_expanded.py --cli build/layerscope --data .venv/.../onnx/backend/test/data
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

CASES = ["test_qlinearconv", "test_qlinearmatmul_2D_uint8_float32", "test_qlinearmatmul_2D_int8_float32",
         "test_qlinearmatmul_3D_uint8_float32", "test_qlinearmatmul_3D_int8_float32", "test_qlinearmatmul_2D",
         "test_qlinearmatmul_3D"]
FLOAT_OP = {"QLinearConv": "Conv", "QLinearMatMul": "MatMul"}
EXCLUSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exclusions")


def excluded_cases():
    names = set()
    for f in os.listdir(EXCLUSIONS):
        with open(os.path.join(EXCLUSIONS, f)) as lines:
            names.update(line.split()[0].split("/")[-1] for line in lines if line.strip() and not line.startswith("#"))
    return names


def qlinear_matmul_definition(x):
    """QLinearMatMul in exact integers, per-tensor parameters: requantize and saturate."""
    a, sa, za, b, sb, zb, sy, zy = x
    acc = np.matmul(a.astype(np.int64) - za.astype(np.int64), b.astype(np.int64) - zb.astype(np.int64))
    y = np.rint(acc * (sa.astype(np.float64) * sb / sy)) + zy.astype(np.int64)  # rint: half to even
    info = np.iinfo(zy.dtype)
    return np.clip(y, info.min, info.max).astype(zy.dtype)


def load_case(case_dir):
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    data = os.path.join(case_dir, "test_data_set_0")
    inputs = []
    for i in range(len(model.graph.input)):
        t = onnx.TensorProto()
        with open(os.path.join(data, f"input_{i}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        inputs.append(numpy_helper.to_array(t))
    t = onnx.TensorProto()
    with open(os.path.join(data, "output_0.pb"), "rb") as f:
        t.ParseFromString(f.read())
    return model, inputs, numpy_helper.to_array(t)


def with_constants(model, inputs, runtime):
    """The model with every input not in `runtime` (positions) turned into an initializer."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    keep = []
    for i, vi in enumerate(model.graph.input):
        if i in runtime:
            keep.append(vi)
        else:
            m.graph.initializer.append(numpy_helper.from_array(inputs[i], vi.name))
    del m.graph.input[:]
    m.graph.input.extend(keep)
    return m


def run(cli, args, env):
    r = subprocess.run([cli] + args, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit(f"FAIL: layerscope {' '.join(args)} exited with {r.returncode}")


def check(cli, name, model, inputs, want, runtime, work):
    env = dict(os.environ, LAYERSCOPE_NO_INT8_DOT="1")
    path = os.path.join(work, f"{name}.onnx")
    onnx.save(with_constants(model, inputs, runtime), path)
    feeds = []
    for i in runtime:
        npy = os.path.join(work, f"{name}.input_{i}.npy")
        np.save(npy, inputs[i])
        feeds += ["--input", f"{model.graph.input[i].name}={npy}"]
    out = os.path.join(work, name + ".out")
    run(cli, ["run", path, "--warmup", "0", "--runs", "1", "--out", out] + feeds, env)
    got = np.load(os.path.join(out, model.graph.output[0].name + ".npy"))
    errors = []
    if got.shape != want.shape or got.dtype != want.dtype:
        errors.append(f"output {got.dtype}{got.shape}, expected {want.dtype}{want.shape}")
    else:
        diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
        print(f"{name}: {int((diff > 0).sum())} of {diff.size} elements differ, by at most {int(diff.max())} step(s)")
        if diff.max() > 1:
            errors.append(f"differs by {int(diff.max())} steps")

    perf = os.path.join(work, name + ".perf")
    run(cli, ["perf", path, "--warmup", "0", "--runs", "1", "--out", perf] + feeds, env)
    with open(os.path.join(perf, "perf.json")) as f:
        layers = json.load(f)["layers"]
    op = model.graph.node[0].op_type
    print("  " + ", ".join(f"{l['op_type']} {l['data_type']} {l['kernel']}" for l in layers))
    for l in layers:
        if l["kernel"].startswith("ref") or l["op_type"] == op:
            errors.append(f"layer {l['op_type']} on {l['kernel']}: not expanded")
    if not any(l["op_type"] == FLOAT_OP[op] and l["data_type"] == "FLOAT" for l in layers):
        errors.append(f"no FLOAT {FLOAT_OP[op]} layer")
    return [f"{name}: {e}" for e in errors]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--data", required=True, help="a backend test data folder (with node/)")
    a = ap.parse_args()
    errors, ran = [], 0
    excluded = excluded_cases()
    with tempfile.TemporaryDirectory() as work:
        for case in CASES:
            case_dir = os.path.join(a.data, "node", case)
            if not os.path.isdir(case_dir):
                continue
            model, inputs, want = load_case(case_dir)
            if case in excluded:
                if model.graph.node[0].op_type != "QLinearMatMul":
                    continue
                print(f"{case}: excluded from the harness (its expected output wraps); against the definition")
                want = qlinear_matmul_definition(inputs)
            errors += check(a.cli, case, model, inputs, want, [0], work)
            if model.graph.node[0].op_type == "QLinearMatMul":
                errors += check(a.cli, case + "_activation_b", model, inputs, want, [0, 3], work)
            ran += 1
    if ran < 3:
        errors.append(f"only {ran} of the QLinearConv/QLinearMatMul cases found under {a.data}/node")
    for e in errors:
        print("FAIL", e)
    print("ok" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
