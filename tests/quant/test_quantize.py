#!/usr/bin/env python3
"""`layerscope quantize` on real models (ctest `quantize`).

  test_quantize.py --cli build/layerscope --run-dataset build/tests/quant_run_dataset
                   --models .cache/models --work DIR

For the bundled sample model (ViT + DPT head) and MobileNetV2 with each calibration method, and
ResNet-50 with minmax and entropy: the written file passes onnx.checker, onnxruntime runs it, and
its outputs are compared with layerscope's fp32 outputs of the float model over the evaluation
samples (cosine per sample; top-1 agreement for the classifiers). The same float model quantized
by onnxruntime's quantize_static (QDQ, S8S8, per-channel, the same method and calibration
samples) is measured the same way: ours must be at least as close to fp32 as onnxruntime's
(cosine mean within 0.01, top-1 agreement within 3 points) for minmax and percentile; entropy
is checked against a cosine floor and printed. The issue's >= 99% top-1 target is
printed, not asserted: on these random-weight test models onnxruntime's own quantizer reaches 91%
(ResNet-50) and 8% (MobileNetV2), so it measures the models, not the quantizer. Calibration
uses the first 20 samples of the generated dataset (scripts/models/make_dataset.py), evaluation
the 100 after them (10 for the sample model). Also: --keep-float leaves the named nodes reading float tensors, and the
CLI's errors (missing dataset, empty folder, a sample of the wrong shape, unknown node names,
an already quantized model, usage errors) exit non-zero with the file or node named and write
nothing. Prints every number it checks.
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

ort.set_default_logger_severity(3)  # onnxruntime's warnings about unused Constant initializers drown the report

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CALIB, EVAL = 20, 100


def run(cmd, expect=0):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit("FAIL: %s\nexit %d (expected %d)\nstdout: %s\nstderr: %s"
                 % (" ".join(cmd), p.returncode, expect, p.stdout, p.stderr))
    return p


def check(cond, what):
    if not cond:
        sys.exit("FAIL: " + what)
    print("ok:", what, flush=True)


def dataset(model, work, count):
    run([sys.executable, os.path.join(REPO, "scripts", "models", "make_dataset.py"), model, "--count", str(count),
         "--out-root", os.path.join(work, "datasets")])
    stem = os.path.basename(model)[:-5]
    return os.path.join(work, "datasets", stem, "dataset.txt")


def samples(list_file):
    base = os.path.dirname(list_file)
    with open(list_file) as f:
        return [[os.path.join(base, w) for w in line.split()] for line in f if line.strip()]


def fp32_outputs(args, model, list_file, work, name):
    out = os.path.join(work, "fp32", name)
    # Reused only for the same model file: the shared model cache may be regenerated meanwhile.
    st = os.stat(model)
    stamp = "%d %d" % (st.st_size, st.st_mtime_ns)
    stamp_file = os.path.join(out, "model.stamp")
    if not os.path.exists(stamp_file) or open(stamp_file).read() != stamp:
        shutil.rmtree(out, ignore_errors=True)
        run([args.run_dataset, model, list_file, out, str(CALIB)])
        with open(stamp_file, "w") as f:
            f.write(stamp)
    return {i: np.load(os.path.join(out, "%d.npy" % i)) for i in range(CALIB, CALIB + EVAL)
            if os.path.exists(os.path.join(out, "%d.npy" % i))}


def quantize(args, model, list_file, out, *extra):
    p = run([args.cli, "quantize", model, "--dataset", list_file, "--out", out, "--max-samples", str(CALIB)]
            + list(extra))
    print("   ", p.stdout.strip())
    onnx.checker.check_model(onnx.load(out), full_check=True)
    return onnx.load(out)


def compare(args, qmodel_path, list_file, reference, classifier):
    sess = ort.InferenceSession(qmodel_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    rows = samples(list_file)
    cos, agree = [], 0
    for i, ref in reference.items():
        feeds = {n: np.load(f) for n, f in zip(names, rows[i])}
        q = sess.run(None, feeds)[0]
        a, b = ref.ravel().astype(np.float64), q.ravel().astype(np.float64)
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30)))
        if classifier:
            agree += int(np.argmax(ref.reshape(ref.shape[0], -1), 1)[0] == np.argmax(q.reshape(q.shape[0], -1), 1)[0])
    return float(np.mean(cos)), float(np.min(cos)), agree / len(reference) if classifier else None


def ort_quantized(path, list_file, method, out):
    """The peer: onnxruntime's quantize_static on the same calibration samples."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)
    rows = samples(list_file)[:CALIB]
    names = [i.name for i in ort.InferenceSession(path, providers=["CPUExecutionProvider"]).get_inputs()]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(rows)

        def get_next(self):
            row = next(self.it, None)
            return None if row is None else {n: np.load(f) for n, f in zip(names, row)}

    calib = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
             "entropy": CalibrationMethod.Entropy}[method]
    quantize_static(path, out, Reader(), quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                    weight_type=QuantType.QInt8, per_channel=True, calibrate_method=calib,
                    extra_options={"CalibPercentile": 99.999})


def model_checks(args, work, name, path, methods, classifier, min_cosine):
    list_file = dataset(path, work, CALIB + EVAL if classifier else CALIB + 10)
    reference = fp32_outputs(args, path, list_file, work, name)
    for method in methods:
        out = os.path.join(work, "%s.%s.int8.onnx" % (name, method))
        m = quantize(args, path, list_file, out, "--method", method)
        ops = [n.op_type for n in m.graph.node]
        check(ops.count("QuantizeLinear") > 0 and ops.count("DequantizeLinear") > ops.count("QuantizeLinear"),
              "%s %s: %d QuantizeLinear, %d DequantizeLinear, opset %d" % (
                  name, method, ops.count("QuantizeLinear"), ops.count("DequantizeLinear"),
                  [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]))
        weights = [i for i in m.graph.initializer if i.name.endswith("_quantized")]
        check(all(w.data_type in (onnx.TensorProto.INT8, onnx.TensorProto.INT32) for w in weights) and weights,
              "%s %s: %d int8/int32 initializers" % (name, method, len(weights)))
        mean_cos, min_cos, top1 = compare(args, out, list_file, reference, classifier)
        if method == "entropy":
            # No peer bound: KL thresholds clip harder than minmax by design, which costs accuracy on
            # these random-weight models (and onnxruntime's entropy calibration is slow); printed.
            what = "%s entropy, onnxruntime runs the file, vs layerscope fp32 over %d samples: cosine mean %.5f min %.5f" % (
                name, len(reference), mean_cos, min_cos)
            if classifier:
                what += "; top-1 agreement %.1f%%" % (100 * top1)
            check(min_cos >= min_cosine, what)
            continue
        peer = os.path.join(work, "%s.%s.ort.int8.onnx" % (name, method))
        ort_quantized(path, list_file, method, peer)
        p_mean, p_min, p_top1 = compare(args, peer, list_file, reference, classifier)
        what = ("%s %s, onnxruntime runs both files, vs layerscope fp32 over %d samples: layerscope quantize "
                "cosine mean %.5f min %.5f; onnxruntime quantize_static cosine mean %.5f min %.5f" % (
                    name, method, len(reference), mean_cos, min_cos, p_mean, p_min))
        ok = mean_cos >= p_mean - 0.01
        if classifier:
            what += "; top-1 agreement %.1f%% vs %.1f%% (issue target 99%%: %s)" % (
                100 * top1, 100 * p_top1, "met" if top1 >= 0.99 else "not met")
            ok = ok and top1 >= p_top1 - 0.03
        check(ok and min_cos >= min_cosine, what)
    return list_file


def keep_float_checks(args, work, path, list_file):
    m = onnx.load(path)
    convs = [n.name for n in m.graph.node if n.op_type == "Conv"]
    keep = [convs[1], convs[5]]
    out = os.path.join(work, "keep.int8.onnx")
    q = quantize(args, path, list_file, out, "--keep-float", ",".join(keep))
    producer = {o: n for n in q.graph.node for o in n.output}
    by_name = {n.name: n for n in q.graph.node}
    for k in keep:
        ins = [i for i in by_name[k].input if i]
        check(all(i in producer or i in {t.name for t in q.graph.initializer} or i in {g.name for g in q.graph.input}
                  for i in ins), "keep-float %s: inputs exist" % k)
        check(not any(producer.get(i) is not None and producer[i].op_type == "DequantizeLinear" for i in ins),
              "keep-float %s reads float tensors (weight %s is %s)" % (
                  k, by_name[k].input[1],
                  onnx.TensorProto.DataType.Name(next(t.data_type for t in q.graph.initializer
                                                      if t.name == by_name[k].input[1]))))
    other = by_name[convs[2]]
    check(producer[other.input[0]].op_type == "DequantizeLinear" and producer[other.input[1]].op_type ==
          "DequantizeLinear", "a Conv not kept (%s) reads dequantized input and weight" % convs[2])
    ort.InferenceSession(out, providers=["CPUExecutionProvider"])


def error_checks(args, work, path, list_file):
    out = os.path.join(work, "err.int8.onnx")

    def fails(extra, code, *needles):
        p = run([args.cli, "quantize", path, "--out", out] + extra, expect=code)
        check(all(n in p.stderr for n in needles) and not os.path.exists(out),
              "error %r: %s" % (" ".join(extra), p.stderr.strip().splitlines()[0]))

    fails(["--dataset", os.path.join(work, "missing.txt")], 1, "missing.txt", "does not exist")
    empty = os.path.join(work, "empty_dir")
    os.makedirs(empty, exist_ok=True)
    fails(["--dataset", empty], 1, "empty_dir", "no .npy")
    bad = os.path.join(work, "bad")
    os.makedirs(bad, exist_ok=True)
    np.save(os.path.join(bad, "wrong.npy"), np.zeros((1, 3, 32, 32), np.float32))
    with open(os.path.join(bad, "list.txt"), "w") as f:
        f.write("# a comment\n\nwrong.npy\n")
    fails(["--dataset", os.path.join(bad, "list.txt")], 1, "wrong.npy", "input 'input'", "(1,3,32,32)")
    with open(os.path.join(bad, "two.txt"), "w") as f:
        f.write("wrong.npy wrong.npy\n")
    fails(["--dataset", os.path.join(bad, "two.txt")], 1, "two.txt:1", "2 file(s)")
    fails(["--dataset", list_file, "--keep-float", "no_such_node,other"], 1, "'no_such_node'", "'other'")
    fails(["--dataset", list_file, "--method", "mse"], 2, "--method")
    fails(["--dataset", list_file, "--method", "percentile", "--percentile", "101"], 2, "--percentile")
    fails([], 2, "--dataset")
    quantized = os.path.join(work, "keep.int8.onnx")
    p = run([args.cli, "quantize", quantized, "--dataset", list_file, "--out", out], expect=1)
    check("already quantized" in p.stderr and not os.path.exists(out), "already quantized: " + p.stderr.strip())
    p = run([args.cli, "quantize", path, "--dataset", list_file, "--out", os.path.join(work, "nodir", "q.onnx")],
            expect=1)
    check("nodir" in p.stderr, "missing output folder: " + p.stderr.strip())


def sample_model(work):
    path = os.path.join(work, "sample.onnx")
    if not os.path.exists(path):
        run([sys.executable, os.path.join(REPO, "scripts", "make_sample_model.py"), "--out", path])
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--run-dataset", required=True)
    ap.add_argument("--models", default=os.path.join(REPO, ".cache", "models"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--skip-resnet", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    methods = ["minmax", "percentile", "entropy"]
    model_checks(args, args.work, "sample", sample_model(args.work), methods, False, 0.9)
    mobilenet = os.path.join(args.models, "mobilenetv2.opset17.onnx")
    mlist = model_checks(args, args.work, "mobilenetv2", mobilenet, methods, True, -1.0)
    keep_float_checks(args, args.work, mobilenet, mlist)
    error_checks(args, args.work, mobilenet, mlist)
    if not args.skip_resnet:
        model_checks(args, args.work, "resnet50", os.path.join(args.models, "resnet50.opset17.onnx"),
                     ["minmax", "percentile", "entropy"], True, 0.9)
    print("all quantize checks passed")


if __name__ == "__main__":
    main()
