#!/usr/bin/env python3
"""RNN, GRU and LSTM nodes against onnxruntime, over what the ONNX backend tests leave out:
directions, per-batch sequence_lens (zero included), initial states, peepholes,
linear_before_reset, the spec's activations with activation_alpha/beta, clip, input_forget,
absent outputs and layout 1 (batch-major; onnxruntime runs the same node in layout 0 on
transposed data, since its CPU kernels take only layout 0).

Every case is one node of one model, all cases side by side. Each model is built twice: once
with W, R, B, P and sequence_lens as graph inputs (so layerscope runs the reference kernel: the
fast kernels take constant weights only) and once with them as initializers (a fast kernel,
native:recurrent or onednn:rnn, wherever one accepts the node; the Kernel of `layerscope perf`
shows which ran, and the script checks that a fast kernel did run for the cases it should take,
and only for those).

Pass: max |layerscope - onnxruntime| <= 1e-4 * max(1, max |onnxruntime|) for every output.
    check_recurrent_ort.py --cli build/layerscope
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from cli_run import run_cli, save_case

TOLERANCE = 1e-4
FAST_KERNELS = ("native:", "onednn:")  # every kernel but the reference ("ref")
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
INPUTS = ["X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"]
WEIGHTS = {"W", "R", "B", "P"}


def case(op, T=5, N=3, I=4, H=3, direction="forward", layout=0, opset=14, inputs=("B", "initial_h"), lens=None,
         outputs=(True, True, True), fast=None, **attrs):
    """One node. `lens` per-batch sequence lengths; `fast`: a fast (native or oneDNN) kernel must take it."""
    return dict(op=op, T=T, N=N, I=I, H=H, direction=direction, layout=layout, opset=opset, inputs=set(inputs),
                lens=lens, outputs=outputs, fast=fast, attrs=attrs)


def cases():
    out = []
    for op in ("RNN", "GRU", "LSTM"):
        extra = ("initial_c",) if op == "LSTM" else ()
        for direction in ("forward", "reverse", "bidirectional"):
            for layout in (0, 1):
                out.append(case(op, direction=direction, layout=layout, inputs=("B", "initial_h") + extra, fast=True))
            # An empty sequence gives Y_h = Y_c = 0, as onnxruntime's GRU and LSTM (and its RNN
            # forward) do; its RNN's reverse direction returns initial_h instead, hence 1 there.
            lens = [5, 2, 1] if op == "RNN" else [5, 2, 0]
            # native:recurrent takes constant lengths (not GRU's default linear_before_reset = 0).
            out.append(case(op, direction=direction, lens=lens, inputs=("B", "initial_h") + extra, fast=op != "GRU"))
            out.append(case(op, direction=direction, layout=1, lens=[1, 5, 3], inputs=("B", "initial_h") + extra))
        out.append(case(op, inputs=(), fast=True))                                   # no B, zero initial state
        out.append(case(op, lens=[5, 5, 5], inputs=("B",), fast=True))              # lengths all full
        out.append(case(op, direction="bidirectional", outputs=(False, True, True), fast=True))
        out.append(case(op, direction="bidirectional", layout=1, outputs=(True, False, False), fast=True))
        out.append(case(op, clip=0.4, fast=False))
        out.append(case(op, opset=7, direction="bidirectional", fast=True))
        out.append(case(op, T=1, N=1, I=1, H=1, fast=True))
        out.append(case(op, T=7, N=2, I=17, H=19, direction="bidirectional", inputs=("B", "initial_h") + extra, fast=True))
    per_dir = {"RNN": 1, "GRU": 2, "LSTM": 3}
    acts = ["Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu",
            "Softsign", "Softplus"]
    uses_alpha = ("Affine", "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu")
    uses_beta = ("Affine", "ScaledTanh", "HardSigmoid")
    for op in ("RNN", "GRU", "LSTM"):
        # Every activation once per op, with explicit alpha/beta, consumed in order by the
        # activations that take one. (onnxruntime's RNN instead reads alpha[k] for the k-th
        # activation and crashes on a shorter list, so RNN cases pair equal activations, where
        # both readings agree.)
        k = per_dir[op]
        groups = [[a, a] for a in acts] if op == "RNN" else \
            [(acts[start:] + acts)[: 2 * k] for start in range(0, len(acts), 2 * k)]
        for names in groups:
            alpha = [0.3, 0.7, 1.3, 0.2, 0.9, 0.5][: sum(n in uses_alpha for n in names)]
            beta = [0.1, 0.6, 0.4, 0.8][: sum(n in uses_beta for n in names)]
            out.append(case(op, direction="bidirectional", activations=names, activation_alpha=alpha,
                            activation_beta=beta))
        # ... and with their defaults (the spec's: those of the ONNX operators of the same name;
        # onnxruntime's RNN takes alpha = 0 instead, so only GRU and LSTM are compared).
        if op != "RNN":
            names = (["LeakyRelu", "HardSigmoid", "Elu"] * 2)[: 2 * k]
            out.append(case(op, direction="bidirectional", activations=names))
    for name in ("Relu", "Sigmoid"):
        out.append(case("RNN", direction="bidirectional", activations=[name, name], fast=True))
    out.append(case("RNN", activations=["LeakyRelu"], activation_alpha=[0.2], fast=True))
    out.append(case("GRU", linear_before_reset=1, direction="bidirectional", fast=True))
    out.append(case("GRU", linear_before_reset=1, layout=1, lens=[4, 5, 1]))
    out.append(case("LSTM", inputs=("B", "initial_h", "initial_c", "P"), direction="bidirectional", fast=True))
    out.append(case("LSTM", inputs=("B", "initial_h", "initial_c", "P"), layout=1, fast=True))
    out.append(case("LSTM", input_forget=1, fast=False))
    out.append(case("LSTM", input_forget=1, inputs=("B", "P"), clip=0.7, direction="reverse", fast=False))
    return out


def inputs_of(c, rng):
    """name -> array in layout 0 (time-major), for the case's present inputs."""
    D = 2 if c["direction"] == "bidirectional" else 1
    G, T, N, I, H = GATES[c["op"]], c["T"], c["N"], c["I"], c["H"]
    s = 1.0 / np.sqrt(H)
    arrays = {"X": rng.uniform(-1, 1, (T, N, I)), "W": rng.uniform(-s, s, (D, G * H, I)),
              "R": rng.uniform(-s, s, (D, G * H, H))}
    if "B" in c["inputs"]:
        arrays["B"] = rng.uniform(-0.5, 0.5, (D, 2 * G * H))
    if c["lens"] is not None:
        arrays["sequence_lens"] = np.array(c["lens"], dtype=np.int32)
    for k in ("initial_h", "initial_c"):
        if k in c["inputs"]:
            arrays[k] = rng.uniform(-1, 1, (D, N, H))
    if "P" in c["inputs"]:
        arrays["P"] = rng.uniform(-0.5, 0.5, (D, 3 * H))
    return {k: v if v.dtype == np.int32 else v.astype(np.float32) for k, v in arrays.items()}


def batch_major(name, a):
    """Layout-0 array -> layout 1 (X [N,T,I], Y [N,T,D,H], states [N,D,H])."""
    if name in ("X",):
        return a.transpose(1, 0, 2)
    if name == "Y":
        return a.transpose(2, 0, 1, 3)
    if name in ("initial_h", "initial_c", "Y_h", "Y_c"):
        return a.transpose(1, 0, 2)
    return a


def node_of(c, k, layout):
    n_out = GATES[c["op"]] == 4 and 3 or 2
    ins = [f"c{k}_{n}" if n in c["arrays"] else "" for n in INPUTS[: 8 if c["op"] == "LSTM" else 6]]
    while ins and not ins[-1]:
        ins.pop()
    outs = [f"c{k}_{n}" if c["outputs"][i] else "" for i, n in enumerate(["Y", "Y_h", "Y_c"][:n_out])]
    attrs = {k: v for k, v in c["attrs"].items() if not (isinstance(v, list) and not v)}  # no empty lists
    attrs.update(hidden_size=c["H"], direction=c["direction"])
    if layout:
        attrs["layout"] = 1
    return helper.make_node(c["op"], ins, outs, name=f"case{k}", **attrs), [o for o in outs if o]


def build_model(cs, opset, layout_of, weights_as_inputs):
    nodes, g_in, g_out, inits, feeds = [], [], [], [], {}
    for k, c in cs:
        layout = layout_of(c)
        node, outs = node_of(c, k, layout)
        nodes.append(node)
        for name, a in c["arrays"].items():
            full = f"c{k}_{name}"
            a = batch_major(name, a) if layout else a
            if (name in WEIGHTS or name == "sequence_lens") and not weights_as_inputs:
                inits.append(numpy_helper.from_array(a, full))
            else:
                dt = TensorProto.INT32 if a.dtype == np.int32 else TensorProto.FLOAT
                g_in.append(helper.make_tensor_value_info(full, dt, a.shape))
                feeds[full] = a
        for o in outs:
            g_out.append(helper.make_tensor_value_info(o, TensorProto.FLOAT, None))
    graph = helper.make_graph(nodes, "recurrent_cases", g_in, g_out, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model, feeds


def run_layerscope(cli, model, feeds, tmp, tag):
    path, inputs = save_case(model, feeds, tmp, tag)
    r = run_cli(cli, "run", path, inputs, os.path.join(tmp, tag), threads=2)
    if r.returncode != 0:
        sys.exit(f"FAIL: layerscope run {path} exited with {r.returncode}\n{r.stdout}\n{r.stderr}")
    perf_dir = os.path.join(tmp, f"{tag}.perf")
    r = run_cli(cli, "perf", path, inputs, perf_dir, threads=1)
    if r.returncode != 0:
        sys.exit(f"FAIL: layerscope perf exited with {r.returncode}\n{r.stdout}\n{r.stderr}")
    with open(os.path.join(perf_dir, "perf.json")) as f:
        kernels = {name: l["kernel"] for l in json.load(f)["layers"] for name in l["source_names"]}
    return os.path.join(tmp, tag), kernels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(13)
    cs = list(enumerate(cases()))
    for _, c in cs:
        c["arrays"] = inputs_of(c, rng)
    failures, checked, fast_ran, worst, kernel_names = [], 0, 0, {}, set()
    with tempfile.TemporaryDirectory() as tmp:
        for opset in sorted({c["opset"] for _, c in cs}):
            group = [(k, c) for k, c in cs if c["opset"] == opset]
            # onnxruntime, always in layout 0 (its CPU kernels take no other).
            ref_model, ref_feeds = build_model(group, opset, lambda c: 0, True)
            sess = ort.InferenceSession(ref_model.SerializeToString(), providers=["CPUExecutionProvider"])
            names = [o.name for o in sess.get_outputs()]
            expected = dict(zip(names, sess.run(None, ref_feeds)))
            for weights_as_inputs in (True, False):
                tag = f"opset{opset}_{'ref' if weights_as_inputs else 'fast'}"
                model, feeds = build_model(group, opset, lambda c: c["layout"], weights_as_inputs)
                out_dir, kernels = run_layerscope(a.cli, model, feeds, tmp, tag)
                for k, c in group:
                    kernel = kernels.get(f"case{k}", "?")
                    label = f"case{k} {c['op']} {c['direction']} layout {c['layout']} {c['attrs']} lens {c['lens']} [{kernel}]"
                    if weights_as_inputs and kernel != "ref":
                        failures.append(f"{label}: weights are run-time inputs, expected the reference kernel")
                    if not weights_as_inputs and c["fast"] is not None and c["fast"] != kernel.startswith(FAST_KERNELS):
                        failures.append(f"{label}: expected {'a fast' if c['fast'] else 'the reference'} kernel")
                    fast_ran += kernel.startswith(FAST_KERNELS)
                    for name in ("Y", "Y_h", "Y_c"):
                        full = f"c{k}_{name}"
                        if full not in expected:
                            continue
                        want = batch_major(name, expected[full]) if c["layout"] else expected[full]
                        got = np.load(os.path.join(out_dir, full + ".npy"))
                        err = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else np.inf
                        bound = TOLERANCE * max(1.0, float(np.abs(want).max()))
                        checked += 1
                        which = kernel.split(":")[0] if kernel.startswith(FAST_KERNELS) else "reference"
                        worst[which] = max(worst.get(which, 0.0), err / max(1.0, float(np.abs(want).max())))
                        kernel_names.add(kernel)
                        if not err <= bound:
                            failures.append(f"{label} {name}: shape {got.shape} vs {want.shape}, max err {err:.3g} > {bound:.3g}")
    for which, err in sorted(worst.items()):
        print(f"worst error of the {which} kernel: {err:.2e} x max(1, max|onnxruntime|)")
    print("kernels that ran:", ", ".join(sorted(kernel_names)))
    for f in failures:
        print("FAIL", f)
    print(f"{len(cs)} cases, {checked} outputs compared (each case with the reference kernel, and with constant "
          f"weights: {fast_ran} ran on a fast kernel), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
