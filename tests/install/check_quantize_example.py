#!/usr/bin/env python3
"""Runs the quantize -> profile -> compare example (examples/quantize_workflow.cpp) end to end.

    python tests/install/check_quantize_example.py --example BUILD/quantize_workflow --workdir DIR

Builds a small residual conv net (onnx.helper, fixed seed) and a calibration dataset of .npy
samples with its list file, runs the example, then checks: exit code 0; the int8 model it wrote
passes onnx.checker and runs in onnxruntime with outputs close to the float model's; the float
report's layers are FLOAT and the int8 report's convolutions are int8 layers (QLinearConv,
DataType INT8/UINT8); the comparison pairs every float convolution with its int8 layer(s) by node
name, with speed-up = A / B; the printed memory line shows smaller int8 weights. Also the
example's failure modes: a missing dataset (exit 1, the file named) and a usage error (exit 2).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CHANNELS, SIZE, CLASSES, SAMPLES = 32, 32, 10, 8


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def make_model(path):
    """x (1,3,32,32) -> Conv+Relu -> Conv -> Add(residual) -> Relu -> GlobalAveragePool -> Flatten
    -> Gemm (10): the float layers the int8 passes fuse (QLinearConv, QLinearAdd, ...)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(11)

    def conv_w(cout, cin, k):
        return (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)

    inits = [
        numpy_helper.from_array(conv_w(CHANNELS, 3, 3), "w1"),
        numpy_helper.from_array((rng.standard_normal(CHANNELS) * 0.1).astype(np.float32), "b1"),
        numpy_helper.from_array(conv_w(CHANNELS, CHANNELS, 3), "w2"),
        numpy_helper.from_array((rng.standard_normal(CHANNELS) * 0.1).astype(np.float32), "b2"),
        numpy_helper.from_array((rng.standard_normal((CLASSES, CHANNELS)) / np.sqrt(CHANNELS)).astype(np.float32),
                                "wfc"),
        numpy_helper.from_array((rng.standard_normal(CLASSES) * 0.1).astype(np.float32), "bfc"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c2", "r1"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["p"], name="pool"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "wfc", "bfc"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "small_resnet",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, CLASSES])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def make_dataset(folder):
    os.makedirs(folder)
    rng = np.random.default_rng(5)
    lines = []
    for i in range(SAMPLES):
        name = "sample_%d.npy" % i
        np.save(os.path.join(folder, name), rng.standard_normal((1, 3, SIZE, SIZE)).astype(np.float32))
        lines.append(name)
    with open(os.path.join(folder, "dataset.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return os.path.join(folder, "dataset.txt")


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", required=True, help="the built quantize_workflow executable")
    ap.add_argument("--workdir", required=True, help="scratch folder (emptied first)")
    args = ap.parse_args()
    work = os.path.abspath(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    model = os.path.join(work, "small.onnx")
    make_model(model)
    dataset = make_dataset(os.path.join(work, "data"))
    out = os.path.join(work, "out")

    r = subprocess.run([args.example, model, dataset, out, "--threads", "1", "--runs", "3"], capture_output=True,
                       text=True, timeout=600)
    print(r.stdout)
    if r.returncode != 0:
        fail("the example failed (%d): %s" % (r.returncode, r.stderr))

    # The quantized model: valid ONNX that onnxruntime runs close to the float model.
    import onnx
    import onnxruntime as ort
    int8_model = os.path.join(out, "model.int8.onnx")
    onnx.checker.check_model(onnx.load(int8_model))
    x = np.load(os.path.join(work, "data", "sample_0.npy"))
    y = {}
    for name, path in (("fp32", model), ("int8", int8_model)):
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y[name] = sess.run(None, {"x": x})[0].ravel()
    cosine = float(np.dot(y["fp32"], y["int8"]) / (np.linalg.norm(y["fp32"]) * np.linalg.norm(y["int8"])))
    if cosine < 0.99:
        fail("the int8 model's output is far from the float model's (cosine %.4f)" % cosine)

    fp32, int8 = load(os.path.join(out, "fp32", "perf.json")), load(os.path.join(out, "int8", "perf.json"))
    if {l["data_type"] for l in fp32["layers"]} != {"FLOAT"}:
        fail("float report with non-float layers: %s" % sorted({l["data_type"] for l in fp32["layers"]}))
    # The two convolutions run in int8 (QLinearConv, or QLinearConvAdd with the residual Add);
    # on a CPU without VNNI (no int8 peak) in float between their conversions (cpu_features.h).
    has_int8 = int8["roofs"]["int8_macs_per_cycle_per_core"] > 0
    conv_op, conv_types = ("QLinearConv", ("INT8", "UINT8")) if has_int8 else ("Conv", ("FLOAT",))
    qconv = [l for l in int8["layers"] if l["op_type"].startswith(conv_op)]
    if len(qconv) != 2 or any(l["data_type"] not in conv_types for l in qconv):
        fail("expected the two convolutions as %s* layers in %s, got %s" %
             (conv_op, "/".join(conv_types), [(l["op_type"], l["data_type"]) for l in int8["layers"]]))
    for d in ("fp32", "int8"):
        for f in ("perf.txt", "perf.json", "layers.csv", "trace.json", "report.html"):
            if not os.path.isfile(os.path.join(out, d, f)):
                fail("%s/%s was not written" % (d, f))

    cmp = load(os.path.join(out, "compare", "compare.json"))
    a_by_id = {l["id"]: l for l in fp32["layers"]}
    b_by_id = {l["id"]: l for l in int8["layers"]}
    convs = 0
    for row in cmp["layers"]:
        if not row["id_a"] or not a_by_id[row["id_a"]]["op_type"].startswith("Conv"):
            continue
        convs += 1
        if row["match"] != "name" or not b_by_id[row["id_b"]]["op_type"].startswith(conv_op):
            fail("float %s not paired by name with an int8 layer: %s" % (row["op_type_a"], row))
        if abs(row["speedup"] - row["a"]["median_us"] / row["b"]["median_us"]) > 1e-9 * row["speedup"]:
            fail("speed-up is not A / B: %s" % row)
    if convs != sum(1 for l in fp32["layers"] if l["op_type"].startswith("Conv")) or convs == 0:
        fail("not every float convolution has a row in the comparison")
    for f in ("compare.txt", "compare.json", "compare.html"):
        if not os.path.isfile(os.path.join(out, "compare", f)):
            fail("compare/%s was not written" % f)

    m = re.search(r"Memory: weights ([\d.]+) MiB \(float\) -> ([\d.]+) MiB \(int8\)", r.stdout)
    if not m or (has_int8 and not float(m.group(2)) < float(m.group(1))):
        fail("no memory line with smaller int8 weights in the output")
    if not re.search(r"--> \d+ matched layer\(s\) are slower in int8 than in float", r.stdout):
        fail("no summary of the layers that got slower")

    # Failure modes: a missing dataset is named (exit 1); bad arguments print the usage (exit 2).
    r = subprocess.run([args.example, model, os.path.join(work, "nope.txt"), os.path.join(work, "bad")],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 1 or "nope.txt" not in r.stderr:
        fail("missing dataset: expected exit 1 naming nope.txt, got %d: %s" % (r.returncode, r.stderr))
    r = subprocess.run([args.example, model], capture_output=True, text=True, timeout=60)
    if r.returncode != 2 or "usage: quantize_workflow" not in r.stderr:
        fail("usage error: expected exit 2 with the usage, got %d: %s" % (r.returncode, r.stderr))
    print("OK: quantize_workflow example (int8 output cosine %.5f)" % cosine)


if __name__ == "__main__":
    main()
