#!/usr/bin/env python3
"""The int8 benchmark: quantized models on layerscope, onnxruntime and OpenVINO, in the same run.

    .venv/bin/python bench/int8_bench.py [--models resnet50,mobilenetv2,vit_b_16,bert_base_like]
        [--threads 1,2] [--runs 30] [--warmup 5] [--rounds 3] [--samples 100] [--calibration 20]
        [--work DIR] [--json results.json] [--skip-accuracy]

For every model (the float test models of scripts/models/export_models.py in .cache/models, the
BERT-like encoder of the zoo in .cache/zoo):
  1. a dataset: --calibration + --samples inputs, fixed seeds (images: scripts/models/
     make_dataset.py's smooth fields; the encoder: random token ids, all-ones mask);
  2. two int8 files from the same calibration samples: onnxruntime's quantize_static (QDQ,
     S8S8, per-channel weights, MinMax) and `layerscope quantize` (minmax, per-channel);
  3. latency: layerscope, onnxruntime and OpenVINO on each int8 file, and layerscope on the
     float model, at each thread count; each engine a separate process (`layerscope bench
     --json`, bench/ort_latency.py, bench/openvino_latency.py: --warmup untimed, --runs timed),
     interleaved over --rounds rounds in a rotated order; latency = median over rounds of each
     round's median;
  4. accuracy on the --samples evaluation inputs (not the calibration ones): each int8 file run
     by layerscope against the float model run by layerscope: top-1 agreement for classifiers,
     mean output cosine for the encoder; and layerscope against onnxruntime on the same int8
     file (mean / min output cosine).
Prints markdown tables and one summary line; --json writes everything. Timings are only
meaningful on a quiet machine; compare ratios of the same run, never numbers across machines.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = {
    "resnet50": (os.path.join(ROOT, ".cache", "models", "resnet50.opset17.onnx"), "classifier"),
    "mobilenetv2": (os.path.join(ROOT, ".cache", "models", "mobilenetv2.opset17.onnx"), "classifier"),
    "vit_b_16": (os.path.join(ROOT, ".cache", "models", "vit_b_16.opset17.onnx"), "classifier"),
    "bert_base_like": (os.path.join(ROOT, ".cache", "zoo", "bert_base_like.onnx"), "encoder"),
}
ENGINES = ("layerscope", "onnxruntime", "openvino")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}...: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    return r


def model_inputs(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return [(i.name, [d.dim_value for d in i.type.tensor_type.shape.dim], i.type.tensor_type.elem_type)
            for i in m.graph.input if i.name not in inits]


def make_dataset(name, path, count, work):
    """[{input name: .npy path}] for `count` samples, and the list file (one sample per line)."""
    out = os.path.join(work, "data", name)
    os.makedirs(out, exist_ok=True)
    inputs = model_inputs(path)
    samples = []
    if MODELS[name][1] == "classifier":
        run([sys.executable, os.path.join(ROOT, "scripts", "models", "make_dataset.py"), path, "--count", str(count),
             "--out-root", out])
        stem = os.path.basename(path)[:-len(".onnx")]
        with open(os.path.join(out, stem, "dataset.txt")) as f:
            for line in f:
                files = [os.path.join(out, stem, p) for p in line.split()]
                samples.append(dict(zip([i[0] for i in inputs], files)))
    else:
        rng = np.random.default_rng(7)
        for k in range(count):
            s = {}
            for iname, shape, _ in inputs:
                x = np.ones(shape, np.int64) if "mask" in iname else rng.integers(1000, 30000, shape, dtype=np.int64)
                p = os.path.join(out, f"sample_{k:04d}.{iname}.npy")
                np.save(p, x)
                s[iname] = p
            samples.append(s)
    return samples


def write_list(samples, path):
    with open(path, "w") as f:
        for s in samples:
            f.write(" ".join(s.values()) + "\n")


def quantize_ort(src, dst, calib):
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{k: np.load(v) for k, v in s.items()} for s in calib])

        def get_next(self):
            return next(self.it, None)

    quantize_static(src, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)


def engine_cmd(engine, a, path, sample, threads):
    ins = [x for k, v in sample.items() for x in ("--input", f"{k}={v}")]
    common = ["--threads", str(threads), "--warmup", str(a.warmup), "--runs", str(a.runs)]
    if engine == "layerscope":
        return [a.cli, "bench", path, *ins, *common, "--json"]
    script = {"onnxruntime": "ort_latency.py", "openvino": "openvino_latency.py"}[engine]
    return [sys.executable, os.path.join(HERE, script), path, *ins, *common]


def latency(jobs, a):
    """{(label, engine, threads): median ms} over interleaved rounds; jobs = [(label, engine, path)]."""
    per = {}
    for r in range(a.rounds):
        k = r % len(jobs)
        for label, engine, path, sample in jobs[k:] + jobs[:k]:
            for t in a.threads:
                try:
                    out = run(engine_cmd(engine, a, path, sample, t), timeout=1800).stdout.strip().splitlines()[-1]
                    per.setdefault((label, engine, t), []).append(json.loads(out)["latency_ms"]["median"])
                except (RuntimeError, ValueError, KeyError) as e:
                    log(f"  {label} {engine} T{t}: {e}")
    return {k: statistics.median(v) for k, v in per.items()}


def layerscope_outputs(cli, path, samples, work, tag):
    """Output 0 of each sample, by layerscope (one process per sample)."""
    outs = []
    for k, s in enumerate(samples):
        d = os.path.join(work, "out", tag, str(k))
        ins = [x for n, v in s.items() for x in ("--input", f"{n}={v}")]
        run([cli, "run", path, *ins, "--runs", "1", "--warmup", "0", "--threads", "2", "--out", d])
        files = sorted(os.listdir(d))
        outs.append(np.load(os.path.join(d, files[0])).astype(np.float64))
    return outs


def ort_outputs(path, samples):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return [sess.run(None, {k: np.load(v) for k, v in s.items()})[0].astype(np.float64) for s in samples]


def cosine(a, b):
    a, b = a.ravel(), b.ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-300))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--calibration", type=int, default=20)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "layerscope"))
    ap.add_argument("--work", default=None, help="where datasets and int8 files go (default: a temporary folder)")
    ap.add_argument("--json", default=None)
    ap.add_argument("--skip-accuracy", action="store_true")
    a = ap.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    work = a.work or tempfile.mkdtemp(prefix="int8_bench_")
    os.makedirs(work, exist_ok=True)
    results = {"threads": a.threads, "runs": a.runs, "rounds": a.rounds, "models": {}}
    for name in a.models.split(","):
        src, kind = MODELS[name]
        if not os.path.exists(src):
            log(f"{name}: {src} missing (scripts/models/export_models.py or zoo.py makes it); skipped")
            continue
        log(f"{name}: dataset, quantizing")
        samples = make_dataset(name, src, a.calibration + a.samples, work)
        calib, evals = samples[:a.calibration], samples[a.calibration:]
        lst = os.path.join(work, f"{name}.calibration.txt")
        write_list(calib, lst)
        ort_q = os.path.join(work, f"{name}.ort.qdq.onnx")
        ls_q = os.path.join(work, f"{name}.ls.int8.onnx")
        quantize_ort(src, ort_q, calib)
        run([a.cli, "quantize", src, "--dataset", lst, "--out", ls_q])
        log(f"{name}: latency")
        jobs = [("fp32", "layerscope", src, evals[0])]
        for label, path in (("ort-qdq", ort_q), ("ls-int8", ls_q)):
            jobs += [(label, e, path, evals[0]) for e in ENGINES]
        lat = latency(jobs, a)
        entry = {"latency_ms": {f"{l}|{e}|{t}": v for (l, e, t), v in lat.items()}}
        if not a.skip_accuracy:
            log(f"{name}: accuracy over {len(evals)} samples")
            f32 = layerscope_outputs(a.cli, src, evals, work, f"{name}.fp32")
            acc = {}
            for label, path in (("ort-qdq", ort_q), ("ls-int8", ls_q)):
                q = layerscope_outputs(a.cli, path, evals, work, f"{name}.{label}")
                o = ort_outputs(path, evals)
                agree = [cosine(x, y) for x, y in zip(q, o)]
                acc[label] = {
                    "cosine_vs_fp32": statistics.mean(cosine(x, y) for x, y in zip(q, f32)),
                    "cosine_vs_onnxruntime_mean": statistics.mean(agree),
                    "cosine_vs_onnxruntime_min": min(agree),
                }
                if kind == "classifier":
                    acc[label]["top1_agreement"] = statistics.mean(
                        float(np.argmax(x) == np.argmax(y)) for x, y in zip(q, f32))
            entry["accuracy"] = acc
        results["models"][name] = entry
        print_model(name, entry, a.threads)
    summary(results, a.threads)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


def print_model(name, e, threads):
    lat = e["latency_ms"]
    print(f"\n### {name}\n")
    print("| file | threads | layerscope ms | onnxruntime ms | OpenVINO ms | ls/ort | ls/ov | ls fp32 ms | fp32/int8 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label in ("ort-qdq", "ls-int8"):
        for t in threads:
            ls, o, v, f = (lat.get(f"{label}|layerscope|{t}"), lat.get(f"{label}|onnxruntime|{t}"),
                           lat.get(f"{label}|openvino|{t}"), lat.get(f"fp32|layerscope|{t}"))
            fmt = lambda x: f"{x:.2f}" if x else "-"
            ratio = lambda x, y: f"{x / y:.2f}" if x and y else "-"
            print(f"| {label} | {t} | {fmt(ls)} | {fmt(o)} | {fmt(v)} | {ratio(ls, o)} | {ratio(ls, v)} | {fmt(f)} | "
                  f"{ratio(f, ls)} |")
    if "accuracy" in e:
        print("\n| file | top-1 vs fp32 | cosine vs fp32 | cosine vs onnxruntime (mean / min) |")
        print("|---|---|---|---|")
        for label, r in e["accuracy"].items():
            top1 = f"{100 * r['top1_agreement']:.0f}%" if "top1_agreement" in r else "-"
            print(f"| {label} | {top1} | {r['cosine_vs_fp32']:.4f} | {r['cosine_vs_onnxruntime_mean']:.5f} / "
                  f"{r['cosine_vs_onnxruntime_min']:.5f} |")


def summary(results, threads):
    worst = {"onnxruntime": (0, ""), "openvino": (0, "")}
    logs = {"onnxruntime": [], "openvino": []}
    for name, e in results["models"].items():
        lat = e["latency_ms"]
        for t in threads:
            ls = lat.get(f"ort-qdq|layerscope|{t}")
            for peer in worst:
                p = lat.get(f"ort-qdq|{peer}|{t}")
                if ls and p:
                    logs[peer].append(math.log(ls / p))
                    if ls / p > worst[peer][0]:
                        worst[peer] = (ls / p, f"{name} T{t}")
    parts = []
    for peer, v in logs.items():
        if v:
            parts.append(f"ls/{peer} geomean {math.exp(statistics.mean(v)):.2f}, worst {worst[peer][0]:.2f} "
                         f"({worst[peer][1]})")
    print("\nint8 (onnxruntime's QDQ files): " + "; ".join(parts))


if __name__ == "__main__":
    main()
