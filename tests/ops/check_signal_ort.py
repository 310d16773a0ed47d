#!/usr/bin/env python3
"""DFT, STFT, the window functions and MelWeightMatrix against onnxruntime, over what the ONNX
backend tests leave out: lengths with odd and prime factors (the mixed-radix FFT's radices),
complex input, onesided, inverse, dft_length padding and truncation, opset 20's axis input
(negative too), double precision, STFT with a frame_length instead of a window, symmetric
windows in other output types, other mel bands.

One node per model, its parameters as initializers. Complex-input STFT is compared with onnx's
own reference implementation (onnx.reference) instead: onnxruntime 1.20's STFT returns garbage
(values near 1e31) for a complex signal.

Pass: max |layerscope - expected| <= 1e-4 * max(1, max |expected|) for every case: layerscope
transforms in double, onnxruntime's float32 transforms carry about n * 6e-8 relative rounding
(1.1e-5 seen at n = 49); a wrong bin, sign or scale is off by O(1). The double cases agree to
about 1e-15.
    check_signal_ort.py --cli build/layerscope
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

TOLERANCE = 1e-4


def model(op, opset, x, params, attrs):
    """One `op` node: graph input x (None: no graph input), then `params` (name -> array, or
    None for an omitted optional input) as initializers."""
    names, inits, inputs = [], [], []
    if x is not None:
        elem = helper.np_dtype_to_tensor_dtype(x.dtype)
        inputs.append(helper.make_tensor_value_info("x", elem, x.shape))
        names.append("x")
    for name, value in params:
        names.append("" if value is None else name)
        if value is not None:
            inits.append(numpy_helper.from_array(np.asarray(value), name))
    while names and names[-1] == "":
        names.pop()
    node = helper.make_node(op, names, ["y"], **attrs)
    g = helper.make_graph([node], op, inputs, [helper.make_empty_tensor_value_info("y")], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 9
    return m


def cases():
    rng = np.random.default_rng(3)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
    i64 = lambda v: np.array(v, np.int64)
    for n in (5, 7, 12, 16, 30, 49):
        yield f"dft real n={n}", model("DFT", 17, f32(2, n, 3, 1), [], {"axis": 1}), None
        yield f"dft complex axis 2 n={n}", model("DFT", 17, f32(2, 3, n, 2), [], {"axis": 2}), None
        yield f"dft onesided n={n}", model("DFT", 17, f32(2, n, 1), [], {"onesided": 1}), None
        yield f"dft inverse n={n}", model("DFT", 17, f32(1, n, 2), [], {"inverse": 1}), None
        yield f"dft dft_length {n + 5} n={n}", model("DFT", 17, f32(1, n, 1), [("len", i64(n + 5))], {}), None
        yield f"dft dft_length {max(1, n - 3)} n={n}", model("DFT", 17, f32(1, n, 2), [("len", i64(max(1, n - 3)))], {}), None
        yield f"dft opset 20 axis -3 n={n}", model("DFT", 20, f32(2, n, 4, 1), [("len", None), ("axis", i64(-3))], {}), None
        yield f"dft double n={n}", model("DFT", 17, rng.standard_normal((1, n, 2)), [], {}), None
    yield "stft window", model("STFT", 17, f32(2, 64, 1), [("step", i64(5)), ("w", np.hanning(16).astype(np.float32))], {}), None
    yield "stft frame_length two-sided", model("STFT", 17, f32(1, 50, 1),
                                               [("step", i64(7)), ("w", None), ("len", i64(12))], {"onesided": 0}), None
    yield "stft complex signal", model("STFT", 17, f32(1, 50, 2),
                                       [("step", i64(7)), ("w", None), ("len", i64(12))], {"onesided": 0}), "onnx.reference"
    for op in ("HannWindow", "HammingWindow", "BlackmanWindow"):
        for periodic in (0, 1):
            for dtype in (TensorProto.FLOAT, TensorProto.DOUBLE):
                yield f"{op} periodic={periodic} type {dtype}", model(op, 17, None, [("size", i64(11))],
                                                                        {"periodic": periodic, "output_datatype": dtype}), None
    for bins, dft, rate, lo, hi in ((10, 64, 16000, 100.0, 7000.0), (5, 31, 8000, 0.0, 3900.0), (20, 512, 22050, 30.0, 11000.0)):
        params = [("bins", i64(bins)), ("dft", i64(dft)), ("rate", i64(rate)),
                  ("lo", np.array(lo, np.float32)), ("hi", np.array(hi, np.float32))]
        yield f"MelWeightMatrix {bins} bins dft {dft} {rate} Hz [{lo}, {hi}]", model("MelWeightMatrix", 17, None, params, {}), None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    bad = count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, m, oracle) in enumerate(cases()):
            path = os.path.join(tmp, f"case{i}.onnx")
            onnx.save(m, path)
            feeds = {}
            cmd = [a.cli, "run", path, "--runs", "1", "--warmup", "0", "--out", os.path.join(tmp, f"out{i}")]
            if m.graph.input:
                shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim]
                dt = helper.tensor_dtype_to_np_dtype(m.graph.input[0].type.tensor_type.elem_type)
                feeds["x"] = rng.standard_normal(shape).astype(dt)
                np.save(os.path.join(tmp, f"x{i}.npy"), feeds["x"])
                cmd += ["--input", f"x={os.path.join(tmp, f'x{i}.npy')}"]
            if oracle == "onnx.reference":
                want = ReferenceEvaluator(m).run(None, feeds)[0]
            else:
                want = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
            r = subprocess.run(cmd, capture_output=True, text=True)
            count += 1
            if r.returncode != 0:
                print(f"FAIL {name}: layerscope exited {r.returncode}: {r.stderr.strip()[-300:]}")
                bad += 1
                continue
            got = np.load(os.path.join(tmp, f"out{i}", "y.npy"))
            if got.shape != want.shape or got.dtype != want.dtype:
                print(f"FAIL {name}: {got.dtype}{got.shape}, expected {want.dtype}{want.shape}")
                bad += 1
                continue
            err = float(np.abs(got.astype(np.float64) - want).max()) if got.size else 0.0
            limit = TOLERANCE * max(1.0, float(np.abs(want).max()) if want.size else 1.0)
            ok = err <= limit
            bad += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: max|diff| {err:.2e} (limit {limit:.2e}, {oracle or 'onnxruntime'})")
    print(f"{count - bad}/{count} cases match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
