#!/usr/bin/env python3
"""The quantization ops against onnxruntime, node by node: onnxruntime's com.microsoft ops
(QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool,
QLinearConcat, QLinearSoftmax, QGemm), which have no ONNX backend tests, and the ONNX ones beyond what their
backend tests cover (per-channel QLinearConv with groups, strides and bias, batched
QLinearMatMul, per-axis QuantizeLinear / DequantizeLinear, negative axes, uint8 and int8).

All cases are nodes of one model per opset, side by side; every data tensor is a graph input
(random over the type's whole range), scales and zero points are initializers. Each model runs
once in onnxruntime and once in `layerscope run` (the reference kernels).

Pass: every integer output identical to onnxruntime's; float outputs within 1e-5 relative.
QLinearSoftmax alone may differ by one step: onnxruntime approximates it (its output scale is
floor(1 / y_scale) and its exponentials come from a float table shifted by a bias), where
layerscope computes q(softmax(dq(x))) as the op's definition says.
    check_quant_ort.py --cli build/layerscope
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

from cli_run import safe_name

RNG = np.random.default_rng(14)
NP = {TensorProto.INT8: np.int8, TensorProto.UINT8: np.uint8, TensorProto.INT32: np.int32,
      TensorProto.FLOAT: np.float32}


class Model:
    def __init__(self):
        self.nodes, self.inputs, self.outputs, self.inits, self.feeds = [], [], [], [], {}
        self.n = 0

    def data(self, t, shape, lo=None, hi=None):
        """A graph input of type t with random values (the type's range, or [lo, hi])."""
        name = f"in{len(self.feeds)}"
        if t == TensorProto.FLOAT:
            v = RNG.standard_normal(shape).astype(np.float32) * 3
        else:
            info = np.iinfo(NP[t])
            v = RNG.integers(info.min if lo is None else lo, (info.max if hi is None else hi) + 1, shape).astype(NP[t])
        self.feeds[name] = v
        self.inputs.append(helper.make_tensor_value_info(name, t, shape))
        return name

    def const(self, value):
        name = f"c{len(self.inits)}"
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op, inputs, out_type, domain="", **attrs):
        out = f"case{self.n}_{op}"
        self.n += 1
        self.nodes.append(helper.make_node(op, inputs, [out], domain=domain, **attrs))
        self.outputs.append(helper.make_tensor_value_info(out, out_type, None))
        return out

    def save(self, path, opset):
        g = helper.make_graph(self.nodes, "quant_cases", self.inputs, self.outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)])
        m.ir_version = 8
        onnx.save(m, path)


def f32(v):
    return np.float32(v)


def contrib_cases(m):
    ms = "com.microsoft"
    for t in (TensorProto.INT8, TensorProto.UINT8):
        z = NP[t]
        zp = lambda v: z(v if t == TensorProto.UINT8 else v - 128)  # noqa: E731
        a, b = m.data(t, [2, 3, 4, 5]), m.data(t, [1, 3, 1, 1])
        for op in ("QLinearAdd", "QLinearMul"):
            m.node(op, [a, m.const(f32(0.05)), m.const(zp(120)), b, m.const(f32(0.08)), m.const(zp(131)),
                        m.const(f32(0.11 if op == "QLinearAdd" else 0.3)), m.const(zp(125))], t, domain=ms)
        x = m.data(t, [3, 7, 11])
        m.node("QLinearSigmoid", [x, m.const(f32(0.06)), m.const(zp(128)), m.const(f32(1 / 256)), m.const(zp(0))], t,
               domain=ms)
        m.node("QLinearLeakyRelu", [x, m.const(f32(0.06)), m.const(zp(100)), m.const(f32(0.05)), m.const(zp(30))], t,
               domain=ms, alpha=0.1)
        m.node("QLinearLeakyRelu", [x, m.const(f32(0.06)), m.const(zp(100)), m.const(f32(0.05)), m.const(zp(30))], t,
               domain=ms)  # default alpha 0.01
        p = m.data(t, [2, 6, 5, 7])
        for cl in (0, 1):
            m.node("QLinearGlobalAveragePool", [p, m.const(f32(0.07)), m.const(zp(110)), m.const(f32(0.03)),
                                                m.const(zp(140))], t, domain=ms, channels_last=cl)
        c1, c2, c3 = m.data(t, [2, 3, 4]), m.data(t, [2, 5, 4]), m.data(t, [2, 1, 4])
        m.node("QLinearConcat", [m.const(f32(0.05)), m.const(zp(128)), c1, m.const(f32(0.05)), m.const(zp(128)),
                                 c2, m.const(f32(0.02)), m.const(zp(100)), c3, m.const(f32(0.09)), m.const(zp(140))],
               t, domain=ms, axis=1)
        m.node("QLinearConcat", [m.const(f32(0.04)), m.const(zp(120)), c1, m.const(f32(0.05)), m.const(zp(128)),
                                 m.data(t, [2, 3, 2]), m.const(f32(0.02)), m.const(zp(100))], t, domain=ms, axis=-1)
        # QLinearSoftmax: opset 12 semantics (flattened from axis 1), 13 (one axis: last, inner).
        # Inputs within 2.4 of each other keep every probability below 1 - 1/256: onnxruntime's int8
        # kernel wraps a quantized 1.0 (128 with zero point -128) around to -128.
        sm = m.data(t, [2, 3, 4, 5], int(zp(108)), int(zp(148)))
        sm_params = lambda: [m.const(f32(0.06)), m.const(zp(128)), m.const(f32(1 / 256)), m.const(zp(0))]  # noqa: E731
        m.node("QLinearSoftmax", [sm] + sm_params(), t, domain=ms, opset=12, axis=1)
        m.node("QLinearSoftmax", [sm] + sm_params(), t, domain=ms, opset=13)
        m.node("QLinearSoftmax", [sm] + sm_params(), t, domain=ms, opset=13, axis=1)
        # QGemm: A [M, K] (or transposed), B [N, K] with transB, per-column B scales, int32 C.
        # uint8 A stays below 128: on CPUs without VNNI, onnxruntime's u8 x s8 kernel adds products
        # in saturating 16-bit pairs (2 x 255 x 127 overflows), where the spec (and layerscope) is exact.
        a_hi = 127 if t == TensorProto.UINT8 else None
        A, B = m.data(t, [5, 16], hi=a_hi), m.data(TensorProto.INT8, [7, 16])
        b_scale = m.const((RNG.uniform(0.001, 0.01, 7)).astype(np.float32))
        b_zp = m.const(np.zeros(7, np.int8))
        C = m.const(RNG.integers(-2000, 2000, [7]).astype(np.int32))
        m.node("QGemm", [A, m.const(f32(0.04)), m.const(zp(128)), B, b_scale, b_zp, C, m.const(f32(0.05)),
                         m.const(zp(120))], t, domain=ms, transB=1)
        m.node("QGemm", [A, m.const(f32(0.04)), m.const(zp(128)), B, b_scale, b_zp, C], TensorProto.FLOAT, domain=ms,
               transB=1, alpha=0.5)
        At = m.data(t, [16, 5], hi=a_hi)
        m.node("QGemm", [At, m.const(f32(0.04)), m.const(zp(100)), m.data(TensorProto.INT8, [16, 7]),
                         m.const(f32(0.006)), m.const(np.int8(0)), "", m.const(f32(0.03)), m.const(zp(128))], t,
               domain=ms, transA=1)


def onnx_cases(m):
    for xt, wt in ((TensorProto.UINT8, TensorProto.INT8), (TensorProto.INT8, TensorProto.INT8),
                   (TensorProto.UINT8, TensorProto.UINT8)):
        zx = NP[xt](128 if xt == TensorProto.UINT8 else 3)
        x = m.data(xt, [1, 8, 9, 10])
        w = m.data(wt, [6, 4, 3, 3], -30, 30)  # group 2: 4 input channels per group
        w_scale = m.const(RNG.uniform(0.002, 0.02, 6).astype(np.float32))
        w_zp = m.const(np.full(6, 0 if wt == TensorProto.INT8 else 128, NP[wt]))
        bias = m.const(RNG.integers(-500, 500, 6).astype(np.int32))
        m.node("QLinearConv", [x, m.const(f32(0.05)), m.const(zx), w, w_scale, w_zp, m.const(f32(0.2)),
                               m.const(NP[xt](5)), bias], xt, group=2, strides=[2, 1], pads=[1, 0, 1, 2])
        # uint8 x int8: 7-bit weights keep onnxruntime's 16-bit pairs from saturating (see QGemm).
        u8s8 = (xt, wt) == (TensorProto.UINT8, TensorProto.INT8)
        a, b = m.data(xt, [2, 4, 16]), m.data(wt, [16, 5], *((-64, 63) if u8s8 else (None, None)))
        m.node("QLinearMatMul", [a, m.const(f32(0.03)), m.const(zx), b, m.const(f32(0.01)),
                                 m.const(NP[wt](0 if wt == TensorProto.INT8 else 128)), m.const(f32(0.1)),
                                 m.const(NP[xt](7))], xt)
    # Per-axis quantize / dequantize, a negative axis, and the float32 arithmetic of rounding.
    x = m.data(TensorProto.FLOAT, [2, 3, 4])
    for t, axis in ((TensorProto.INT8, 1), (TensorProto.UINT8, -1)):
        n = 3 if axis == 1 else 4
        scale = m.const(RNG.uniform(0.01, 0.05, n).astype(np.float32))
        zp = m.const(RNG.integers(0 if t == TensorProto.UINT8 else -20, 20 if t == TensorProto.INT8 else 200, n)
                     .astype(NP[t]))
        q = m.node("QuantizeLinear", [x, scale, zp], t, axis=axis)
        m.node("DequantizeLinear", [q, scale, zp], TensorProto.FLOAT, axis=axis)
    m.node("QuantizeLinear", [x, m.const(f32(0.02))], TensorProto.UINT8)  # no zero point: uint8
    m.node("DequantizeLinear", [m.data(TensorProto.INT32, [10], -10**6, 10**6), m.const(f32(0.001))],
           TensorProto.FLOAT)


def run(cli, model, opset, tmp, label):
    path = os.path.join(tmp, f"{label}.onnx")
    model.save(path, opset)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    expected = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, model.feeds)))
    cmd = [cli, "run", path, "--warmup", "0", "--runs", "1", "--out", os.path.join(tmp, label)]
    for name, value in model.feeds.items():
        f = os.path.join(tmp, f"{label}_{name}.npy")
        np.save(f, value)
        cmd += ["--input", f"{name}={f}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(" ".join(cmd), r.stdout, r.stderr, sep="\n")
        return 1
    failures = 0
    for name, want in expected.items():
        got = np.load(os.path.join(tmp, label, safe_name(name) + ".npy"))
        if got.dtype != want.dtype or got.shape != want.shape:
            print(f"FAIL {name}: {got.dtype}{got.shape}, onnxruntime {want.dtype}{want.shape}")
            failures += 1
            continue
        if want.dtype == np.float32:
            err = float(np.abs(got - want).max() / max(1.0, np.abs(want).max()))
            good, what = err <= 1e-5, f"max rel diff {err:.2e}"
        else:
            diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
            allowed = 1 if "QLinearSoftmax" in name else 0
            good, what = diff.max() <= allowed, f"{int((diff > 0).sum())} of {diff.size} differ (max {int(diff.max())})"
        print(f"{'ok' if good else 'FAIL'} {name} {want.dtype}{list(want.shape)}: {what}")
        failures += not good
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        contrib, std = Model(), Model()
        contrib_cases(contrib)
        onnx_cases(std)
        failures += run(a.cli, contrib, 17, tmp, "contrib")
        failures += run(a.cli, std, 13, tmp, "onnx")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
