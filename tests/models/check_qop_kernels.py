#!/usr/bin/env python3
"""Which kernels a QOperator file's int8 layers run on, read from `layerscope perf`'s perf.json.

With LAYERSCOPE_NO_INT8_DOT=1 (a CPU without VNNI, kernels/cpu_features.h) every QLinearConv,
QLinearMatMul, QGemm, QLinearMul, QLinearSigmoid, QLinearLeakyRelu and QLinearConcat node must
have become float layers (passes/expand_qoperator.cpp): the layers whose source_names name the
node include one of the float op, DataType FLOAT, and none runs on the reference kernel ('ref')
or is still the QOperator op. Without the variable, on a CPU with VNNI, the QLinearConv and
QLinearMatMul/QGemm nodes must still run in int8 on oneDNN's kernels.
    check_qop_kernels.py --cli build/layerscope --model .cache/models/resnet50.opset17.qop.onnx
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import onnx

# QOperator op -> the float op it expands to (fused names start with it: Conv -> ConvRelu, ...).
EXPANDED = {"QLinearConv": "Conv", "QLinearMatMul": "MatMul", "QGemm": "Gemm", "QLinearMul": "Mul",
            "QLinearSigmoid": "Sigmoid", "QLinearLeakyRelu": "LeakyRelu", "QLinearConcat": "Concat"}
# The int8 layers' kernels are oneDNN's (their names are oneDNN's implementations,
# "onednn:brg:avx512_core_vnni"); only the reference serves these ops otherwise.
INT8_OPS = {"QLinearConv", "QLinearMatMul", "QGemm"}


def cpu_has_vnni():
    with open("/proc/cpuinfo") as f:
        flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    return "avx512_vnni" in flags or "avx_vnni" in flags


def profile(cli, model, hide_vnni):
    env = dict(os.environ)
    env.pop("LAYERSCOPE_NO_INT8_DOT", None)
    if hide_vnni:
        env["LAYERSCOPE_NO_INT8_DOT"] = "1"
    with tempfile.TemporaryDirectory() as out:
        cmd = [cli, "perf", model, "--warmup", "0", "--runs", "1", "--threads", "1", "--out", out]
        print(("LAYERSCOPE_NO_INT8_DOT=1 " if hide_vnni else "") + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(r.stdout, r.stderr)
            raise SystemExit(f"FAIL: layerscope exited with {r.returncode}")
        with open(os.path.join(out, "perf.json")) as f:
            return json.load(f)


def layers_by_source(report):
    by = {}
    for layer in report["layers"]:
        for name in layer.get("source_names", []):
            by.setdefault(name, []).append(layer)
    return by


def check_expanded(nodes, report):
    by = layers_by_source(report)
    errors = []
    for name, op in nodes:
        layers = by.get(name, [])
        if not layers:
            errors.append(f"{op} '{name}': no layer names it")
            continue
        for l in layers:
            if l["kernel"].startswith("ref"):
                errors.append(f"{op} '{name}': layer {l['op_type']} runs on {l['kernel']}")
            if l["op_type"] == op:
                errors.append(f"{op} '{name}': not expanded ({l['kernel']})")
        if not any(l["op_type"].startswith(EXPANDED[op]) and l["data_type"] == "FLOAT" for l in layers):
            errors.append(f"{op} '{name}': no FLOAT {EXPANDED[op]} layer among "
                          f"{[(l['op_type'], l['data_type']) for l in layers]}")
    return errors


def check_int8(nodes, report):
    by = layers_by_source(report)
    errors = []
    for name, op in nodes:
        if op not in INT8_OPS:
            continue
        kernels = [l["kernel"] for l in by.get(name, []) if l["data_type"] in ("INT8", "UINT8")]
        if not any(k.startswith("onednn:") for k in kernels):
            errors.append(f"{op} '{name}': expected an int8 oneDNN kernel, its int8 layers ran {kernels}")
    return errors


def kernel_summary(report):
    counts = {}
    for l in report["layers"]:
        key = f"{l['op_type']} {l['data_type']} {l['kernel']}"
        counts[key] = counts.get(key, 0) + 1
    return "\n".join(f"  {n:4d} x {k}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    a = ap.parse_args()
    if not os.path.exists(a.model):
        print(f"{a.model} is missing: run scripts/models/quantize_models.py")
        return 1
    graph = onnx.load(a.model, load_external_data=False).graph
    nodes = [(n.name, n.op_type) for n in graph.node if n.op_type in EXPANDED]
    if not nodes:
        print(f"FAIL: {a.model} has no QOperator nodes")
        return 1
    print(f"{len(nodes)} QOperator nodes that expand")

    hidden = profile(a.cli, a.model, True)
    print(kernel_summary(hidden))
    errors = check_expanded(nodes, hidden)
    if hidden["roofs"]["int8_macs_per_cycle_per_core"] != 0:
        errors.append("LAYERSCOPE_NO_INT8_DOT=1: the report still has an int8 roof")

    if cpu_has_vnni():
        shown = profile(a.cli, a.model, False)
        print(kernel_summary(shown))
        errors += check_int8(nodes, shown)
    else:
        print("this CPU has no VNNI: the int8 kernels cannot be checked without the variable")
    for e in errors:
        print("FAIL", e)
    print("ok" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
