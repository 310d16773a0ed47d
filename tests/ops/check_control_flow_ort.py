#!/usr/bin/env python3
"""If, Loop and Scan against onnxruntime, over what the ONNX backend tests leave out: Scan with
several scan inputs and outputs on other axes and in reverse, opset 8's batch and per-entry
sequence_lens, Loop with a data-dependent cond, several carried values (one growing every
iteration) and scan outputs, Loop without a trip count, If branches of different shapes, and
bodies reading weights and inputs of the enclosing graphs (captures).

Every case is one model run with `layerscope run`; inputs are fixed-seed N(0,1).
Pass: max |layerscope - onnxruntime| <= 1e-4 * max(1, max |onnxruntime|) for every output.
    check_control_flow_ort.py --cli build/layerscope
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort
from onnx import TensorProto as TP, helper, numpy_helper

from cli_run import output, run_cli, save_case

TOLERANCE = 1e-4
F, B, I64 = TP.FLOAT, TP.BOOL, TP.INT64


def vi(name, t, shape=None):
    return helper.make_tensor_value_info(name, t, shape)


def const(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "case", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def scan9(rng):
    """2 scan inputs (axis 0 forward, axis 1 reverse), 2 scan outputs (axis 1 reversed, axis 0),
    a state updated by tanh(state @ W + a + b) with W an initializer of the outer graph."""
    body = helper.make_graph(
        [helper.make_node("MatMul", ["s_in", "W"], ["sw"]), helper.make_node("Add", ["sw", "a"], ["swa"]),
         helper.make_node("Add", ["swa", "b"], ["pre"]), helper.make_node("Tanh", ["pre"], ["s_out"]),
         helper.make_node("Mul", ["s_out", "a"], ["y1"]), helper.make_node("ReduceSum", ["pre"], ["y2"], keepdims=1)],
        "body", [vi("s_in", F, [3]), vi("a", F, [3]), vi("b", F, [3])],
        [vi("s_out", F, [3]), vi("y1", F, [3]), vi("y2", F, [1])])
    node = helper.make_node("Scan", ["s0", "xa", "xb"], ["s", "ys1", "ys2"], body=body, num_scan_inputs=2,
                            scan_input_axes=[0, 1], scan_input_directions=[0, 1], scan_output_axes=[1, 0],
                            scan_output_directions=[1, 0])
    m = model([node], [vi("s0", F, [3]), vi("xa", F, [5, 3]), vi("xb", F, [3, 5])],
              [vi("s", F, [3]), vi("ys1", F, [3, 5]), vi("ys2", F, [5, 1])],
              [const("W", rng.standard_normal((3, 3)).astype(np.float32) * 0.5)], opset=11)
    return m, {"s0": rng.standard_normal(3), "xa": rng.standard_normal((5, 3)), "xb": rng.standard_normal((3, 5))}


def scan8(rng):
    """Opset 8: batch 3, sequence 4, per-entry lengths [4, 2, 1], the scan input read backwards."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "x"], ["s_out"]), helper.make_node("Mul", ["s_out", "x"], ["y"])],
        "body", [vi("s_in", F, [2]), vi("x", F, [2])], [vi("s_out", F, [2]), vi("y", F, [2])])
    node = helper.make_node("Scan", ["lens", "s0", "x"], ["s", "ys"], body=body, num_scan_inputs=1,
                            directions=[1])
    m = model([node], [vi("lens", I64, [3]), vi("s0", F, [3, 2]), vi("x", F, [3, 4, 2])],
              [vi("s", F, [3, 2]), vi("ys", F, [3, 4, 2])], opset=8)
    return m, {"lens": np.array([4, 2, 1], np.int64), "s0": rng.standard_normal((3, 2)),
               "x": rng.standard_normal((3, 4, 2))}


def loop_growing(rng):
    """M = 6 and a data-dependent cond (stop once sum(h) > 3); h = h * 0.8 + x (x captured),
    a carried history that grows by one row per iteration (Concat), and two scan outputs."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["h_in", "decay"], ["hd"]), helper.make_node("Add", ["hd", "x"], ["h_out"]),
         helper.make_node("Unsqueeze", ["h_out", "zero"], ["row"]),
         helper.make_node("Concat", ["hist_in", "row"], ["hist_out"], axis=0),
         helper.make_node("ReduceSum", ["h_out"], ["total"], keepdims=0),
         helper.make_node("Less", ["total", "bound"], ["cond_out"]),
         helper.make_node("Cast", ["i"], ["i_f"], to=F), helper.make_node("Mul", ["h_out", "i_f"], ["scaled"])],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("h_in", F, [4]), vi("hist_in", F, None)],
        [vi("cond_out", B, []), vi("h_out", F, [4]), vi("hist_out", F, None), vi("scaled", F, [4]),
         vi("total", F, [])])
    node = helper.make_node("Loop", ["M", "go", "h0", "hist0"], ["h", "hist", "scaled_all", "totals"], body=body)
    m = model([node], [vi("go", B, []), vi("h0", F, [4]), vi("hist0", F, [1, 4]), vi("x", F, [4])],
              [vi("h", F, [4]), vi("hist", F, None), vi("scaled_all", F, None), vi("totals", F, None)],
              [const("M", np.array(6, np.int64)), const("decay", np.array(0.8, np.float32)),
               const("zero", np.array([0], np.int64)), const("bound", np.array(3.0, np.float32))])
    x = np.abs(rng.standard_normal(4)) * 0.3
    return m, {"go": np.array(True), "h0": np.zeros(4), "hist0": np.zeros((1, 4)), "x": x}


def loop_cond_only(rng):
    """No trip count: runs while the body's cond (i < 3) holds; one carried value."""
    body = helper.make_graph(
        [helper.make_node("Less", ["i", "three"], ["cond_out"]), helper.make_node("Sin", ["v_in"], ["v_out"])],
        "body", [vi("i", I64, []), vi("cond_in", B, []), vi("v_in", F, [2, 2])],
        [vi("cond_out", B, []), vi("v_out", F, [2, 2])])
    node = helper.make_node("Loop", ["", "go", "v0"], ["v"], body=body)
    m = model([node], [vi("go", B, []), vi("v0", F, [2, 2])], [vi("v", F, [2, 2])],
              [const("three", np.array(3, np.int64))])
    return m, {"go": np.array(True), "v0": rng.standard_normal((2, 2))}


def if_shapes(rng, take):
    """Branches of different output shapes, each reading an outer input; an If inside the then
    branch whose cond is computed there."""
    inner_then = helper.make_graph([helper.make_node("Neg", ["y"], ["n"])], "inner_then", [], [vi("n", F, None)])
    inner_else = helper.make_graph([helper.make_node("Abs", ["y"], ["n2"])], "inner_else", [], [vi("n2", F, None)])
    then_g = helper.make_graph(
        [helper.make_node("Transpose", ["x"], ["y"]), helper.make_node("ReduceSum", ["y"], ["ys"], keepdims=0),
         helper.make_node("Greater", ["ys", "zero_f"], ["pos"]),
         helper.make_node("If", ["pos"], ["t"], then_branch=inner_then, else_branch=inner_else)],
        "then", [], [vi("t", F, None)])
    else_g = helper.make_graph([helper.make_node("ReduceMax", ["x"], ["e"], axes=[1], keepdims=0)], "else", [],
                               [vi("e", F, None)])
    node = helper.make_node("If", ["c"], ["out"], then_branch=then_g, else_branch=else_g)
    m = model([node], [vi("c", B, []), vi("x", F, [2, 3])], [vi("out", F, None)],
              [const("zero_f", np.array(0.0, np.float32))])
    return m, {"c": np.array(take), "x": rng.standard_normal((2, 3))}


CASES = {
    "scan9_axes_directions": scan9,
    "scan8_sequence_lens": scan8,
    "loop_cond_growing_carried": loop_growing,
    "loop_without_trip_count": loop_cond_only,
    "if_then_nested_if": lambda rng: if_shapes(rng, True),
    "if_else": lambda rng: if_shapes(rng, False),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(17)
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            m, feeds = make(rng)
            feeds = {k: (v.astype(np.float32) if v.dtype == np.float64 else v) for k, v in feeds.items()}
            sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
            out_names = [o.name for o in sess.get_outputs()]
            expected = dict(zip(out_names, sess.run(None, feeds)))
            path, inputs = save_case(m, feeds, tmp, name)
            out_dir = os.path.join(tmp, name)
            r = run_cli(a.cli, "run", path, inputs, out_dir)
            if r.returncode != 0:
                failures.append(f"{name}: layerscope exited with {r.returncode}: {r.stderr.strip()}")
                continue
            for out, want in expected.items():
                got = output(out_dir, out)
                checked += 1
                if got.shape != want.shape:
                    failures.append(f"{name} {out}: shape {got.shape}, onnxruntime {want.shape}")
                    continue
                err = float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0
                bound = TOLERANCE * max(1.0, float(np.abs(want).max()) if want.size else 1.0)
                if not err <= bound:
                    failures.append(f"{name} {out}: max err {err:.3g} > {bound:.3g}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(CASES)} cases, {checked} outputs compared, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
