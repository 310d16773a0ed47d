#!/usr/bin/env python3
"""DeformConv through the layerscope CLI against the ONNX reference implementation
(onnx.reference; onnxruntime 1.20 has no DeformConv kernel) on random cases beyond the four
backend node tests: groups and offset groups, strides, dilations, padding, non-square kernels,
mask and bias, batch > 1, offsets large enough to sample outside the image.
Pass: max |layerscope - reference| <= 1e-5 * max |reference| per case.
    check_deform_conv.py --cli build/layerscope
"""
import argparse
import sys
import tempfile

import numpy as np
import onnx
import onnx.helper as h
from onnx.reference import ReferenceEvaluator

from cli_run import output, run_cli, save_case

TOLERANCE = 1e-5
FLOAT = onnx.TensorProto.FLOAT

# (N, C, H, W, out channels, kernel, stride, pad, dilation, group, offset_group, mask, bias)
CASES = [
    (1, 4, 7, 8, 6, (3, 3), 1, 1, 1, 1, 1, False, False),
    (2, 8, 9, 9, 8, (3, 3), 2, 1, 2, 2, 2, True, True),
    (1, 6, 10, 7, 4, (2, 3), 1, 0, 1, 2, 3, False, True),
    (1, 16, 12, 12, 32, (3, 3), 1, 1, 1, 4, 4, True, True),
    (1, 3, 5, 5, 2, (1, 1), 1, 0, 1, 1, 1, True, False),
]


def case_model(rng, n, c, hh, ww, oc, k, s, p, d, g, og, with_mask, with_bias):
    kh, kw = k
    oh = (hh + 2 * p - ((kh - 1) * d + 1)) // s + 1
    ow = (ww + 2 * p - ((kw - 1) * d + 1)) // s + 1
    feeds = {"X": rng.standard_normal((n, c, hh, ww)).astype(np.float32),
             "W": rng.standard_normal((oc, c // g, kh, kw)).astype(np.float32),
             "offset": (rng.standard_normal((n, og * kh * kw * 2, oh, ow)) * 2).astype(np.float32)}
    if with_bias or with_mask:  # mask is input 4: B must be given before it
        feeds["B"] = rng.standard_normal((oc,)).astype(np.float32)
    if with_mask:
        feeds["mask"] = rng.random((n, og * kh * kw, oh, ow)).astype(np.float32)
    node = h.make_node("DeformConv", list(feeds), ["Y"], strides=[s, s], pads=[p] * 4, dilations=[d, d], group=g,
                       offset_group=og)
    graph = h.make_graph([node], "deform", [h.make_tensor_value_info(k_, FLOAT, v.shape) for k_, v in feeds.items()],
                         [h.make_tensor_value_info("Y", FLOAT, None)])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 19)])
    model.ir_version = 9
    return model, feeds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(19)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(CASES):
            model, feeds = case_model(rng, *case)
            want = ReferenceEvaluator(model).run(None, feeds)[0]
            path, args = save_case(model, feeds, tmp, f"case{i}")
            r = run_cli(a.cli, "run", path, args, tmp)
            if r.returncode != 0:
                print(f"FAIL {case}: layerscope exited {r.returncode}: {r.stderr.strip()}")
                failures += 1
                continue
            got = output(tmp, "Y")
            err = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
            ok = got.shape == want.shape and err <= TOLERANCE
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {case}: max|diff| = {err:.2e} x max|ref|")
    print(f"deform_conv: {len(CASES) - failures} of {len(CASES)} cases agree with onnx.reference")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
