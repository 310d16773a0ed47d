#!/usr/bin/env python3
"""`layerscope accuracy` and Runtime::accuracy_analysis on real models (ctest `accuracy`).

  test_accuracy.py --cli build/layerscope --api build/tests/quant_accuracy_api --work DIR

MobileNetV2 and ResNet-50 (the repo's opset-17 exports) are quantized by `layerscope quantize` on a
generated dataset (scripts/models/make_dataset.py); then:
- the final outputs' entire cosine equals the cosine of the two models' outputs computed here from
  `layerscope run --no-optimize` (same arithmetic: 1e-6) and `layerscope run` (int8 kernels: 1e-2);
- deep layers (second half of the graph) lose less alone (single SQNR) than accumulated (entire);
- a copy of the quantized MobileNetV2 with one Conv's weight scales multiplied by 10 ranks that
  Conv first, and --sensitivity puts it first in the keep-float list and its output cosine rises;
- on the unchanged model the greedy keep-float list raises the output cosine, and
  `layerscope quantize --keep-float` with that list improves it too, close to the prediction;
- onnxruntime's own QDQ file (its T_QuantizeLinear_Output names, Relu/Clip folded into the Conv's
  output) matches every tensor;
- a small model with an all-zero and a constant tensor: the undefined metrics carry their reason,
  never a bare nan;
- --out writes accuracy.json/.csv/.html, --tensors the matched pairs, --perf adds the time shares;
- the C++ Runtime (build(true) then accuracy_analysis) writes the same files;
- CLI errors: a missing file, models with different inputs, usage errors.
Prints every number it checks.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(REPO, ".cache", "models")


def run(cmd, expect=0):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit("FAIL: %s\nexit %d (expected %d)\nstdout: %s\nstderr: %s"
                 % (" ".join(cmd), p.returncode, expect, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what, flush=True)


def dataset(model, work, count):
    run([sys.executable, os.path.join(REPO, "scripts", "models", "make_dataset.py"), model, "--count", str(count),
         "--out-root", os.path.join(work, "datasets")])
    return os.path.join(work, "datasets", os.path.basename(model)[:-5], "dataset.txt")


def samples(list_file):
    base = os.path.dirname(list_file)
    with open(list_file) as f:
        return [[os.path.join(base, w) for w in line.split()] for line in f if line.strip()]


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def run_output(cli, model, npy, out, *extra):
    shutil.rmtree(out, ignore_errors=True)
    run([cli, "run", model, "--input", npy, "--out", out, "--runs", "1", "--warmup", "0"] + list(extra))
    files = sorted(os.listdir(out))
    return np.load(os.path.join(out, files[0]))


def accuracy(cli, fmodel, qmodel, out, *extra):
    shutil.rmtree(out, ignore_errors=True)
    p = run([cli, "accuracy", fmodel, qmodel, "--out", out] + list(extra))
    with open(os.path.join(out, "accuracy.json")) as f:
        return json.load(f), p.stdout


def layer(report, node):
    return next(l for l in report["layers"] if l["node"] == node)


def val(metric):
    return metric["value"]


def check_direct(cli, fmodel, qmodel, rows, report, work, name):
    """The outputs' entire cosine against the cosine of the two models run directly."""
    exact, fast = [], []
    for i, row in enumerate(rows):
        f = run_output(cli, fmodel, row[0], os.path.join(work, "o_f"))
        q_plain = run_output(cli, qmodel, row[0], os.path.join(work, "o_q"), "--no-optimize")
        q_int8 = run_output(cli, qmodel, row[0], os.path.join(work, "o_q8"))
        exact.append(cosine(f, q_plain))
        fast.append(cosine(f, q_int8))
    reported = val(report["outputs"][0]["error"]["cosine"])
    print("   %s output cosine: reported %.7f, direct --no-optimize %.7f, direct int8 kernels %.7f"
          % (name, reported, np.mean(exact), np.mean(fast)))
    check(abs(reported - np.mean(exact)) < 1e-6, name + ": entire output cosine equals the direct unoptimized runs'")
    check(abs(reported - np.mean(fast)) < 1e-2, name + ": and the int8-kernel runs' within 1e-2")
    worst = report["outputs"][0]["error"]["cosine"]["worst"]
    check(abs(worst - min(exact)) < 1e-6, name + ": worst output cosine is the worst sample's (%.6f)" % worst)


def check_deep_layers(report, name):
    deep = report["layers"][len(report["layers"]) // 2:]
    pairs = [(val(l["single"]["sqnr_db"]), val(l["entire"]["sqnr_db"])) for l in deep
             if l["single"] and val(l["single"]["sqnr_db"]) is not None and val(l["entire"]["sqnr_db"]) is not None]
    better = sum(1 for s, e in pairs if s > e)
    print("   %s deep layers: single SQNR > entire SQNR in %d of %d; mean single %.2f dB, mean entire %.2f dB"
          % (name, better, len(pairs), np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])))
    check(len(pairs) >= 10 and better >= 0.8 * len(pairs), name + ": deep layers lose less alone than accumulated")
    check(np.mean([p[0] for p in pairs]) > np.mean([p[1] for p in pairs]) + 3,
          name + ": mean single SQNR of deep layers > mean entire SQNR + 3 dB")


def break_one_conv(qmodel_path, out_path):
    """A copy with one mid-network Conv's weight scales multiplied by 10: its int8 weights then
    dequantize to 10x the trained values."""
    m = onnx.load(qmodel_path)
    producers = {o: n for n in m.graph.node for o in n.output}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    victim = convs[len(convs) // 2]
    dq = producers[victim.input[1]]
    inits = {t.name: t for t in m.graph.initializer}
    scale = inits[dq.input[1]]
    scale.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(scale) * 10, scale.name))
    # the bias scale is input scale x weight scale: keep the bias as it was, like a wrong weight scale alone
    onnx.save(m, out_path)
    return victim.name


def tiny_model(path):
    """x -> Conv -> Relu -> (Conv with zero weights and bias 0.5: a constant tensor) and
    (Conv with negative weights -> Relu: all zero, since the first Relu's output is >= 0) -> Add."""
    rng = np.random.default_rng(3)
    w1 = rng.uniform(0.1, 1, (4, 3, 3, 3)).astype(np.float32)
    w2 = np.zeros((1, 4, 1, 1), np.float32)
    b2 = np.full((1,), 0.5, np.float32)
    w3 = -rng.uniform(0.1, 1, (1, 4, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["const_half"], name="conv_const"),
        helper.make_node("Conv", ["r1", "w3"], ["c3"], name="conv_neg"),
        helper.make_node("Relu", ["c3"], ["zeros"], name="relu_zero"),
        helper.make_node("Add", ["const_half", "zeros"], ["y"], name="add"),
    ]
    g = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 8, 8])],
                          [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"),
                           numpy_helper.from_array(b2, "b2"), numpy_helper.from_array(w3, "w3")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    cli, work = args.cli, args.work
    os.makedirs(work, exist_ok=True)

    # ---- MobileNetV2: quantized by layerscope quantize on 8 samples, analysed on 3 others ----
    fm = os.path.join(MODELS, "mobilenetv2.opset17.onnx")
    ds = dataset(fm, work, 12)
    rows = samples(ds)
    calib = os.path.join(work, "mnv2_calib.txt")
    with open(calib, "w") as f:
        f.writelines(r[0] + "\n" for r in rows[:8])
    evals = os.path.join(work, "mnv2_eval.txt")
    with open(evals, "w") as f:
        f.writelines(r[0] + "\n" for r in rows[8:11])
    qm = os.path.join(work, "mnv2.int8.onnx")
    run([cli, "quantize", fm, "--dataset", calib, "--out", qm])
    rep, text = accuracy(cli, fm, qm, os.path.join(work, "acc_mnv2"), "--dataset", evals,
                         "--tensors", os.path.join(work, "tensors_mnv2"))
    print("\n".join(text.splitlines()[:14]))
    check(rep["samples"] == 3, "mnv2: 3 samples analysed")
    check(not rep["unmatched"] and rep["matched_tensors"] > 100,
          "mnv2: every tensor matched (%d), none unmatched" % rep["matched_tensors"])
    check(all(l["single"] for l in rep["layers"]), "mnv2: every layer has a single error (%d layers)"
          % len(rep["layers"]))
    check(sorted(l["rank"] for l in rep["layers"]) == list(range(1, len(rep["layers"]) + 1)), "mnv2: ranks 1..n")
    check_direct(cli, fm, qm, [r for r in rows[8:11]], rep, work, "mnv2")
    check_deep_layers(rep, "mnv2")
    for l in rep["layers"]:
        for part in ("entire", "single"):
            for k, m in (l[part] or {}).items():
                check_ok = m["defined"] or m["note"]
                if not check_ok:
                    sys.exit("FAIL: %s %s %s undefined without a reason" % (l["node"], part, k))
    print("ok: mnv2: no undefined metric without a reason")
    # the files
    out = os.path.join(work, "acc_mnv2")
    with open(os.path.join(out, "accuracy.csv")) as f:
        rows_csv = list(csv.DictReader(f))
    check(len(rows_csv) == len(rep["layers"]) and rows_csv[0]["rank"] == "1", "mnv2: accuracy.csv has a row per layer")
    html = open(os.path.join(out, "accuracy.html")).read()
    check("layer-table" in html and "</html>" in html and rep["layers"][0]["node"] in html,
          "mnv2: accuracy.html carries the layer table")
    tq, tf = os.path.join(work, "tensors_mnv2", "quant"), os.path.join(work, "tensors_mnv2", "float")
    check(sorted(os.listdir(tq)) == sorted(os.listdir(tf)) and len(os.listdir(tq)) == rep["matched_tensors"],
          "mnv2: --tensors wrote %d float/quant pairs" % len(os.listdir(tq)))
    last = layer(rep, rep["layers"][-2]["node"])
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in last["quant_tensor"])
    a, b = np.load(os.path.join(tf, stem + ".npy")), np.load(os.path.join(tq, stem + ".npy"))
    check(a.shape == b.shape, "mnv2: a dumped pair has one shape %s" % (a.shape,))

    # ---- a broken weight scale ranks first; sensitivity keeps it in float ----
    broken = os.path.join(work, "mnv2.broken.onnx")
    victim = break_one_conv(qm, broken)
    rep_b, _ = accuracy(cli, fm, broken, os.path.join(work, "acc_broken"), "--dataset", evals, "--max-samples", "2",
                        "--sensitivity", "--target", "0.9999")
    top = min(rep_b["layers"], key=lambda l: l["rank"])
    print("   broken: %s; ranked first: [%s] %s single SQNR %.2f dB" % (victim, top["op_type"], top["node"],
                                                                       val(top["single"]["sqnr_db"])))
    check(top["node"] == victim, "broken: the Conv with the 10x weight scale ranks first")
    sens = rep_b["sensitivity"]
    print("   broken: baseline output cosine %.6f; %s in float alone: %.6f; keep-float list %s -> %.6f"
          % (sens["baseline_output_cosine"], sens["layers"][0]["node"], sens["layers"][0]["output_cosine"],
             sens["keep_float"], sens["keep_float_output_cosine"]))
    check(sens["layers"][0]["node"] == victim and sens["keep_float"][0] == victim,
          "broken: sensitivity puts the broken Conv first")
    check(sens["keep_float_output_cosine"] > sens["baseline_output_cosine"] + 0.01,
          "broken: keeping it in float raises the output cosine")

    # ---- the unchanged model: keep-float list, and quantize --keep-float reproduces the prediction ----
    rep_s, text_s = accuracy(cli, fm, qm, os.path.join(work, "acc_sens"), "--dataset", evals, "--max-samples", "2",
                             "--sensitivity", "--target", "0.99999", "--no-single")
    sens = rep_s["sensitivity"]
    print("   mnv2: baseline output cosine %.6f, keep-float %d layer(s) -> %.6f (target reached: %s)"
          % (sens["baseline_output_cosine"], len(sens["keep_float"]), sens["keep_float_output_cosine"],
             sens["target_reached"]))
    print("   " + sens["quantize_command"])
    check(abs(sens["baseline_output_cosine"] - val(rep_s["outputs"][0]["error"]["cosine"])) < 1e-9,
          "mnv2: the sensitivity baseline is the outputs' entire cosine")
    check(sens["keep_float"] and sens["keep_float_output_cosine"] > sens["baseline_output_cosine"],
          "mnv2: keeping the top layers in float improves the output cosine")
    check("layerscope quantize" in text_s and "--keep-float" in sens["quantize_command"],
          "mnv2: the ready-to-paste quantize command is printed")
    kept = os.path.join(work, "mnv2.kept.onnx")
    run([cli, "quantize", fm, "--dataset", calib, "--out", kept, "--keep-float", ",".join(sens["keep_float"])])
    rep_k, _ = accuracy(cli, fm, kept, os.path.join(work, "acc_kept"), "--dataset", evals, "--max-samples", "2",
                        "--no-single")
    got = val(rep_k["outputs"][0]["error"]["cosine"])
    print("   mnv2: quantize --keep-float output cosine %.7f, predicted %.7f" % (got, sens["keep_float_output_cosine"]))
    # Not identical: for a kept Conv whose Relu/Clip was absorbed, `quantize --keep-float` puts a
    # pair between them (the Clip becomes a quantized node of its own); the edit cannot (that
    # tensor has no range in the quantized file). docs/quantize.md says so.
    check(got > sens["baseline_output_cosine"] and abs(got - sens["keep_float_output_cosine"]) < 5e-3,
          "mnv2: quantize --keep-float improves on the baseline, within 5e-3 of the prediction")

    # ---- onnxruntime's QDQ file: its names and folded activations match ----
    ort_q = os.path.join(MODELS, "mobilenetv2.opset17.qdq.onnx")
    if os.path.exists(ort_q):
        rep_o, _ = accuracy(cli, fm, ort_q, os.path.join(work, "acc_ort"), "--dataset", evals, "--max-samples", "1")
        by = {l["matched_by"] for l in rep_o["layers"]}
        check(not rep_o["unmatched"] and all(l["single"] for l in rep_o["layers"]),
              "onnxruntime QDQ: %d tensors matched (%s), every layer has a single error"
              % (rep_o["matched_tensors"], ",".join(sorted(by))))

    # ---- undefined metrics carry their reason ----
    tiny = os.path.join(work, "tiny.onnx")
    tiny_model(tiny)
    tdir = os.path.join(work, "tiny_ds")
    os.makedirs(tdir, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        np.save(os.path.join(tdir, "s%d.npy" % i), rng.uniform(0, 1, (1, 3, 8, 8)).astype(np.float32))
    tq_model = os.path.join(work, "tiny.int8.onnx")
    run([cli, "quantize", tiny, "--dataset", tdir, "--out", tq_model])
    rep_t, text_t = accuracy(cli, tiny, tq_model, os.path.join(work, "acc_tiny"), "--dataset", tdir)
    zero = next(l for l in rep_t["layers"] if l["float_tensor"] == "zeros")
    const = next(l for l in rep_t["layers"] if l["float_tensor"] == "const_half")
    print("   tiny: zeros entire cosine %s; const_half cosine %s"
          % (zero["entire"]["cosine"], const["entire"]["cosine"]))
    check(zero["entire"]["cosine"]["value"] is None and "all zero" in zero["entire"]["cosine"]["note"],
          "tiny: an all-zero tensor's cosine is undefined, with the reason")
    check(zero["entire"]["sqnr_db"].get("infinite") and "equals the float tensor" in zero["entire"]["sqnr_db"]["note"],
          "tiny: identical tensors' SQNR is infinite, with the reason")
    check("constant" in const["entire"]["cosine"]["note"], "tiny: a constant tensor's cosine carries a note")
    check("nan" not in text_t.lower().replace("nan-", ""), "tiny: no bare nan in the text")
    check("n/a*" in text_t and "all zero" in text_t, "tiny: the text shows n/a* and the reason")

    # ---- --perf: each layer's share of the quantized model's time ----
    perf_dir = os.path.join(work, "perf_mnv2")
    shutil.rmtree(perf_dir, ignore_errors=True)
    run([cli, "perf", qm, "--input", rows[8][0], "--runs", "2", "--warmup", "1", "--out", perf_dir])
    rep_p, text_p = accuracy(cli, fm, qm, os.path.join(work, "acc_perf"), "--input", rows[8][0], "--no-single",
                             "--perf", os.path.join(perf_dir, "perf.json"))
    shares = [l["time_share_pct"] for l in rep_p["layers"] if l["time_share_pct"] is not None]
    print("   mnv2 --perf: %d of %d layers have a time share, summing to %.1f%%"
          % (len(shares), len(rep_p["layers"]), sum(shares)))
    check(len(shares) >= 0.9 * len(rep_p["layers"]) and "Time%" in text_p, "mnv2: --perf gives the layers' time shares")

    # ---- ResNet-50: quantized on 4 samples, analysed on 1 ----
    fr = os.path.join(MODELS, "resnet50.opset17.onnx")
    dsr = dataset(fr, work, 5)
    rrows = samples(dsr)
    rcal = os.path.join(work, "r50_calib.txt")
    with open(rcal, "w") as f:
        f.writelines(r[0] + "\n" for r in rrows[:4])
    qr = os.path.join(work, "r50.int8.onnx")
    run([cli, "quantize", fr, "--dataset", rcal, "--out", qr])
    rep_r, text_r = accuracy(cli, fr, qr, os.path.join(work, "acc_r50"), "--input", rrows[4][0])
    print("\n".join(text_r.splitlines()[:14]))
    check(not rep_r["unmatched"], "r50: every tensor matched (%d)" % rep_r["matched_tensors"])
    check_direct(cli, fr, qr, [rrows[4]], rep_r, work, "r50")
    check_deep_layers(rep_r, "r50")

    # ---- the C++ Runtime API: build(true) then accuracy_analysis ----
    api_out = os.path.join(work, "api")
    shutil.rmtree(api_out, ignore_errors=True)
    p = run([args.api, fm, calib, rows[8][0], api_out])
    print("   " + p.stdout.strip())
    check(all(os.path.exists(os.path.join(api_out, n)) for n in ("accuracy.json", "accuracy.csv", "accuracy.html"))
          and os.path.isdir(os.path.join(api_out, "float")) and os.path.isdir(os.path.join(api_out, "quant")),
          "api: Runtime::accuracy_analysis wrote the reports and the tensor folders")
    with open(os.path.join(api_out, "accuracy.json")) as f:
        rep_api = json.load(f)
    single_run = run_output(cli, fm, rows[8][0], os.path.join(work, "o_f"))
    q_run = run_output(cli, qm, rows[8][0], os.path.join(work, "o_q"), "--no-optimize")
    check(abs(val(rep_api["outputs"][0]["error"]["cosine"]) - cosine(single_run, q_run)) < 1e-6,
          "api: build(true)'s model (same dataset as `quantize`) has the CLI's output cosine")

    # ---- errors ----
    p = run([cli, "accuracy", fm, os.path.join(work, "missing.onnx")], expect=1)
    check("missing.onnx" in p.stderr, "error: a missing model is named")
    p = run([cli, "accuracy", fm, tq_model, "--input", rows[8][0]], expect=1)
    check("different inputs" in p.stderr and "tiny.int8.onnx" in p.stderr,
          "error: models with different inputs are refused, naming both")
    out_e = os.path.join(work, "acc_err")
    shutil.rmtree(out_e, ignore_errors=True)
    run([cli, "accuracy", fm, tq_model, "--input", rows[8][0], "--out", out_e], expect=1)
    check(not os.path.exists(out_e), "error: a failed analysis leaves no --out folder")
    p = run([cli, "accuracy", fm, qm, "--target", "0.99"], expect=2)
    check("--sensitivity" in p.stderr, "usage: --target needs --sensitivity")
    p = run([cli, "accuracy", fm, qm, "--sensitivity", "--target", "1.5"], expect=2)
    check("(0, 1]" in p.stderr, "usage: --target outside (0, 1]")
    p = run([cli, "accuracy", fm], expect=2)
    check("two arguments" in p.stderr, "usage: one model only")
    p = run([cli, "accuracy", fm, qm, "--dataset", evals, "--input", rows[8][0]], expect=2)
    check("not both" in p.stderr, "usage: --dataset with --input")
    print("all accuracy checks passed")


if __name__ == "__main__":
    main()
