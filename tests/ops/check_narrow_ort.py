#!/usr/bin/env python3
"""The float8 and 4-bit integer conversions against onnxruntime, bit for bit, beyond the backend
node tests (a dozen values each): Cast to each float8 type and back with and without saturate,
QuantizeLinear / DequantizeLinear to and from every float8 type and INT4/UINT4 per tensor, per
axis and blocked with zero points, and every bit pattern of every type decoded by Cast and
DequantizeLinear.

onnxruntime 1.20 hands no float8 or 4-bit tensor to NumPy and has no Cast to INT4/UINT4, so each
case ends in FLOAT (or FLOAT16): a Cast or DequantizeLinear back, exact for these types. Every
output must equal onnxruntime's exactly (NaN where it has NaN, the sign of zeros too).

The float8 data avoid two windows where onnxruntime (like onnx.helper) departs from the Cast
spec's tables without saturate: |x| in [480, 496) to FLOAT8E4M3FN (448 there, NaN by the table)
and |x| in [61440, 65536) to FLOAT8E5M2 (NaN there, infinity by the table), also after division
by the float8 cases' scales (powers of two, so the division is exact and the windows scale with
them); tests/unit/float8_test.cpp checks layerscope's values in them. The INT4/UINT4 cases read
finite data of moderate size: onnxruntime converts NaN, infinities and values beyond int32 to
integers with undefined casts, and with the float8 cases' data (+-1e30, +-inf, NaN among 1208
values) its blocked UINT4 case differed from the spec's formula in 106 ordinary elements too,
where layerscope matched the formula. docs/ops.md, "float8 and 4-bit integers".
    check_narrow_ort.py --cli build/layerscope
"""
import argparse
import sys
import tempfile

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from cli_run import output, run_cli, save_case

RNG = np.random.default_rng(21)
FLOAT8 = (TensorProto.FLOAT8E4M3FN, TensorProto.FLOAT8E4M3FNUZ, TensorProto.FLOAT8E5M2, TensorProto.FLOAT8E5M2FNUZ)
INT4 = (TensorProto.INT4, TensorProto.UINT4)


SCALE_EXPONENTS = (-2, -1, 0, 1, 2)  # the float8 cases' scales are 2^k


def float_data(n):
    """Values across every float8 range: normals of several magnitudes, values near the smallest
    subnormals, exact ties of the grids (k/16, k/8 times powers of two), zeros, infinities, NaN."""
    v = [RNG.standard_normal(n) * s for s in (1, 30, 3000, 1e-3, 1e-5)]
    ties = (RNG.integers(-64, 64, n) + 0.5) / 16 * np.exp2(RNG.integers(-12, 16, n))
    v += [ties, np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 240, 248, 464, 57344, -57344])]
    x = np.concatenate(v).astype(np.float32)
    a = np.abs(x)
    outside = np.ones(x.shape, bool)
    for k in SCALE_EXPONENTS:
        for lo, hi in ((480, 496), (61440, 65536)):
            outside &= ~((a >= lo * 2.0**k) & (a < hi * 2.0**k))
    return x[outside]


def int_data(n):
    """Finite values around the 4-bit ranges, and exact halves (ties to even)."""
    v = np.concatenate([RNG.standard_normal(n) * 8, RNG.integers(-40, 40, n) + 0.5, [0.0, -0.0, 1e6, -1e6]])
    return v.astype(np.float32)


def powers_of_two(shape):
    return np.exp2(RNG.choice(SCALE_EXPONENTS, shape)).astype(np.float32)


class Cases:
    def __init__(self):
        self.nodes, self.inits, self.outputs, self.n = [], [], [], 0

    def const(self, value, t=None, dims=None):
        name = f"c{len(self.inits)}"
        if t is None:
            self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        else:  # float8 / 4-bit: values as onnx.helper takes them (floats or ints; raw bits with vals_raw)
            self.inits.append(helper.make_tensor(name, t, dims, value))
        return name

    def raw(self, t, dims, data):
        name = f"c{len(self.inits)}"
        self.inits.append(helper.make_tensor(name, t, dims, data, raw=True))
        return name

    def node(self, op, inputs, out_type=None, **attrs):
        out = f"case{self.n}_{op}"
        self.n += 1
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        if out_type is not None:
            self.outputs.append(helper.make_tensor_value_info(out, out_type, None))
        return out


def build(x_shape, xi_shape):
    c = Cases()
    x, xi = "x", "xi"
    for t in FLOAT8:
        for sat in (1, 0):
            f8 = c.node("Cast", [x], to=t, saturate=sat)
            c.node("Cast", [f8], TensorProto.FLOAT, to=TensorProto.FLOAT)
            c.node("Cast", [f8], TensorProto.FLOAT16, to=TensorProto.FLOAT16)
            # Per tensor, per axis (axis 1 of [rows, 8]) and blocked (block 3 along axis 1).
            for scale, zp_dims, attrs in ((np.float32(0.25), [], {}), (powers_of_two(8), [8], {"axis": 1}),
                                          (powers_of_two((x_shape[0], 3)), [x_shape[0], 3],
                                           {"axis": 1, "block_size": 3})):
                s = c.const(scale)
                z = c.const([0.0] * int(np.prod(zp_dims)), t, zp_dims)
                q = c.node("QuantizeLinear", [x, s, z], saturate=sat, **attrs)
                c.node("DequantizeLinear", [q, s, z], TensorProto.FLOAT, **attrs)
    # INT4 / UINT4 with zero points, per axis and blocked.
    for t in INT4:
        lo, hi = (-8, 7) if t == TensorProto.INT4 else (0, 15)
        for scale, zp_dims, attrs in ((RNG.uniform(0.05, 2, 8).astype(np.float32), [8], {"axis": 1}),
                                      (RNG.uniform(0.05, 2, (xi_shape[0], 3)).astype(np.float32), [xi_shape[0], 3],
                                       {"axis": 1, "block_size": 3})):
            s = c.const(scale)
            z = c.const(RNG.integers(lo, hi + 1, int(np.prod(zp_dims))).tolist(), t, zp_dims)
            q = c.node("QuantizeLinear", [xi, s, z], **attrs)
            c.node("DequantizeLinear", [q, s, z], TensorProto.FLOAT, **attrs)
    # Every bit pattern of every type, decoded (as constants: folded at load by layerscope).
    for t in FLOAT8:
        bits = c.raw(t, [256], np.arange(256, dtype=np.uint8).tobytes())
        c.node("Cast", [bits], TensorProto.FLOAT, to=TensorProto.FLOAT)
        c.node("DequantizeLinear", [bits, c.const(np.float32(0.5))], TensorProto.FLOAT)
    for t in INT4:
        v = list(range(-8, 8)) if t == TensorProto.INT4 else list(range(16))
        q = c.const(v + v[:1], t, [17])  # odd count
        c.node("DequantizeLinear", [q, c.const(np.float32(1.5)), c.const([v[3]], t, [])], TensorProto.FLOAT)
    g = helper.make_graph(c.nodes, "narrow_cases", [helper.make_tensor_value_info(x, TensorProto.FLOAT, x_shape),
                                                    helper.make_tensor_value_info(xi, TensorProto.FLOAT, xi_shape)],
                          c.outputs, c.inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    return m


def same(got, want):
    """Exactly equal: NaN where NaN, the sign of every zero too."""
    if got.dtype != want.dtype or got.shape != want.shape:
        return False, f"{got.dtype}{got.shape} vs onnxruntime {want.dtype}{want.shape}"
    g, w = got.astype(np.float64).ravel(), want.astype(np.float64).ravel()
    bad = ~((g == w) & (np.signbit(g) == np.signbit(w)) | (np.isnan(g) & np.isnan(w)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return False, f"{int(bad.sum())} of {bad.size} differ, first at {i}: {g[i]!r} vs onnxruntime {w[i]!r}"
    return True, f"{g.size} values"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    x, xi = float_data(200), int_data(100)
    x, xi = x[: x.size // 8 * 8].reshape(-1, 8), xi[: xi.size // 8 * 8].reshape(-1, 8)
    model = build(list(x.shape), list(xi.shape))
    feeds = {"x": x, "xi": xi}
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    expected = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path, args = save_case(model, feeds, tmp, "narrow")
        r = run_cli(a.cli, "run", path, args, tmp + "/out")
        if r.returncode != 0:
            print(r.stdout, r.stderr, sep="\n")
            return 1
        for name, want in expected.items():
            good, what = same(output(tmp + "/out", name), want)
            print(f"{'ok' if good else 'FAIL'} {name}: {what}")
            failures += not good
    print(f"{failures} failures of {len(expected)} outputs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
