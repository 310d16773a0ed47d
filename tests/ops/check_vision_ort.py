#!/usr/bin/env python3
"""NonMaxSuppression, RoiAlign, GridSample, MaxRoiPool and Unique nodes against onnxruntime on
random inputs, over what the ONNX backend tests leave out: NMS with both box formats, several
batches and classes, every threshold input present or absent; RoiAlign with both coordinate
transformation modes (and opset 10), avg and max, adaptive and fixed sampling, a spatial scale;
GridSample with every mode, padding mode and align_corners at opsets 16 and 20, 4-D and (opset
20) 5-D; MaxRoiPool (no backend data at all) at several scales; Unique's four outputs.

Every case is one node of one model per opset, all cases side by side, every input a graph input
(NMS and the data-dependent shapes run per call). layerscope runs the file with `layerscope run`.

Pass: integer outputs and Unique's values equal; float outputs within
1e-4 * max(1, max |onnxruntime|).
    check_vision_ort.py --cli build/layerscope
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

from cli_run import run_cli, save_case

TOLERANCE = 1e-4
FLOAT, INT64 = TensorProto.FLOAT, TensorProto.INT64


def nms_cases(rng):
    out = []
    for k, (center, iou, score, max_out) in enumerate(
            [(0, 0.5, None, 5), (1, 0.5, None, 5), (0, 0.3, 0.4, 100), (1, 0.7, 0.2, 3), (0, 0.0, None, 10),
             (1, 1.0, 0.5, 100), (0, 0.5, "absent", None)]):
        b, n, c = 2, 40, 3
        xy = rng.uniform(0, 10, (b, n, 2))
        wh = rng.uniform(0.5, 4, (b, n, 2))
        if center:
            boxes = np.concatenate([xy, wh], axis=2)
        else:  # corners, some given as the other diagonal
            boxes = np.concatenate([xy, xy + wh], axis=2)
            flip = rng.uniform(size=(b, n)) < 0.3
            boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
        arrays = {"boxes": boxes.astype(np.float32), "scores": rng.uniform(0, 1, (b, c, n)).astype(np.float32)}
        names = ["boxes", "scores"]
        if max_out is not None:
            arrays["max"] = np.array(max_out, dtype=np.int64)
            arrays["iou"] = np.array(iou, dtype=np.float32)
            names += ["max", "iou"]
            if score is not None and score != "absent":
                arrays["score"] = np.array(score, dtype=np.float32)
                names.append("score")
        out.append(dict(op="NonMaxSuppression", opset=11, arrays=arrays, inputs=names, out_types=[INT64],
                        attrs={"center_point_box": center}, label=f"nms center={center} iou={iou} score={score} max={max_out}"))
    return out


def roi_align_cases(rng):
    out = []
    x = rng.uniform(-1, 1, (2, 3, 10, 12)).astype(np.float32)
    for opset, ct, mode, ratio, scale, size in [
            (16, "half_pixel", "avg", 0, 1.0, (3, 4)), (16, "output_half_pixel", "avg", 0, 1.0, (3, 4)),
            (16, "half_pixel", "avg", 2, 0.5, (2, 2)), (16, "output_half_pixel", "max", 2, 1.0, (3, 3)),
            (16, "half_pixel", "max", 0, 0.5, (4, 2)), (10, None, "avg", 0, 1.0, (3, 4)),
            (10, None, "max", 1, 0.5, (2, 5))]:
        r = 6
        lo = rng.uniform(-2, 14 / scale, (r, 2))
        rois = np.concatenate([lo, lo + rng.uniform(0, 9 / scale, (r, 2))], axis=1).astype(np.float32)
        attrs = {"mode": mode, "sampling_ratio": ratio, "spatial_scale": scale, "output_height": size[0],
                 "output_width": size[1]}
        if ct:
            attrs["coordinate_transformation_mode"] = ct
        arrays = {"X": x, "rois": rois, "batch": rng.integers(0, 2, r).astype(np.int64)}
        out.append(dict(op="RoiAlign", opset=opset, arrays=arrays, inputs=["X", "rois", "batch"], attrs=attrs, out_types=[FLOAT],
                        label=f"roialign opset {opset} {attrs}"))
    return out


def grid_sample_cases(rng):
    out = []
    for opset, modes in [(16, ("bilinear", "nearest", "bicubic")), (20, ("linear", "nearest", "cubic"))]:
        for mode in modes:
            for padding in ("zeros", "border", "reflection"):
                for align in (0, 1):
                    dims = [(5, 6)] + ([(3, 4, 5)] if opset == 20 and mode != "cubic" else [])
                    for spatial in dims:
                        x = rng.uniform(-1, 1, (2, 3) + spatial).astype(np.float32)
                        grid = rng.uniform(-1.4, 1.4, (2,) + tuple(d + 1 for d in spatial) + (len(spatial),))
                        arrays = {"X": x, "grid": grid.astype(np.float32)}
                        attrs = {"mode": mode, "padding_mode": padding, "align_corners": align}
                        out.append(dict(op="GridSample", opset=opset, arrays=arrays, inputs=["X", "grid"], out_types=[FLOAT],
                                        attrs=attrs, label=f"gridsample opset {opset} {len(spatial)}-D {attrs}"))
    return out


def max_roi_pool_cases(rng):
    """MaxRoiPool (no backend test data): rounded regions, bins that are empty or clipped at the edge."""
    out = []
    x = rng.uniform(-1, 1, (2, 3, 9, 11)).astype(np.float32)
    for scale, pooled in [(1.0, [2, 2]), (0.5, [3, 4]), (0.25, [5, 3])]:
        r = 6
        lo = rng.uniform(-3, 12 / scale, (r, 2))
        boxes = np.concatenate([lo, lo + rng.uniform(0, 10 / scale, (r, 2))], axis=1)
        rois = np.concatenate([rng.integers(0, 2, (r, 1)), boxes], axis=1).astype(np.float32)
        out.append(dict(op="MaxRoiPool", opset=11, arrays={"X": x, "rois": rois}, inputs=["X", "rois"],
                        attrs={"pooled_shape": pooled, "spatial_scale": scale}, out_types=[FLOAT],
                        label=f"maxroipool scale {scale} pooled {pooled}"))
    return out


def unique_cases(rng):
    """Unique with all four outputs, sorted or not, flat or along an axis (repeated rows)."""
    out = []
    flat = rng.integers(-3, 4, (5, 4)).astype(np.float32)
    rows = flat[rng.integers(0, 5, 7)]
    for x, attrs in [(flat, {}), (flat, {"sorted": 0}), (rows, {"axis": 0}), (rows, {"axis": 0, "sorted": 0}),
                     (rows.T.copy(), {"axis": -1})]:
        out.append(dict(op="Unique", opset=11, arrays={"X": x}, inputs=["X"], attrs=attrs,
                        out_types=[FLOAT, INT64, INT64, INT64], label=f"unique {x.shape} {attrs}"))
    return out


def build_model(cases, opset):
    nodes, g_in, g_out, feeds = [], [], [], {}
    for k, c in cases:
        ins = []
        for name in c["inputs"]:
            full = f"c{k}_{name}"
            a = c["arrays"][name]
            g_in.append(helper.make_tensor_value_info(full, INT64 if a.dtype == np.int64 else FLOAT, a.shape))
            feeds[full] = a
            ins.append(full)
        outs = [f"c{k}_y{i}" for i in range(len(c["out_types"]))]
        nodes.append(helper.make_node(c["op"], ins, outs, name=f"case{k}", **c["attrs"]))
        g_out += [helper.make_tensor_value_info(y, t, None) for y, t in zip(outs, c["out_types"])]
    graph = helper.make_graph(nodes, "vision_cases", g_in, g_out)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model, feeds


def run_layerscope(cli, model, feeds, tmp, tag):
    path, inputs = save_case(model, feeds, tmp, tag)
    r = run_cli(cli, "run", path, inputs, os.path.join(tmp, tag), threads=2)
    if r.returncode != 0:
        sys.exit(f"FAIL: layerscope run exited with {r.returncode}\n{r.stdout}\n{r.stderr}")
    return os.path.join(tmp, tag)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(13)
    cs = list(enumerate(nms_cases(rng) + roi_align_cases(rng) + grid_sample_cases(rng) + max_roi_pool_cases(rng) +
                        unique_cases(rng)))
    failures, worst, selected = [], {}, 0
    with tempfile.TemporaryDirectory() as tmp:
        for opset in sorted({c["opset"] for _, c in cs}):
            group = [(k, c) for k, c in cs if c["opset"] == opset]
            model, feeds = build_model(group, opset)
            sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
            expected = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
            out_dir = run_layerscope(a.cli, model, feeds, tmp, f"opset{opset}")
            for k, c in group:
                for i, t in enumerate(c["out_types"]):
                    want = expected[f"c{k}_y{i}"]
                    got = np.load(os.path.join(out_dir, f"c{k}_y{i}.npy"))
                    if c["op"] == "NonMaxSuppression":
                        selected += len(want)
                    if t == INT64 or c["op"] == "Unique":  # indices, counts, unique values: exact
                        if got.shape != want.shape or not np.array_equal(got, want):
                            failures.append(f"{c['label']} output {i}: {got.shape} differs from onnxruntime's {want.shape}")
                        continue
                    scale = max(1.0, float(np.abs(want).max()) if want.size else 0.0)
                    err = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else np.inf
                    worst[c["op"]] = max(worst.get(c["op"], 0.0), err / scale)
                    if not err <= TOLERANCE * scale:
                        failures.append(f"{c['label']} output {i}: shape {got.shape} vs {want.shape}, max err {err:.3g}")
    for op, err in sorted(worst.items()):
        print(f"worst error of {op}: {err:.2e} x max(1, max|onnxruntime|)")
    for f in failures:
        print("FAIL", f)
    print(f"{len(cs)} cases ({selected} boxes selected by onnxruntime's NMS), {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
