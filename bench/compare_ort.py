#!/usr/bin/env python3
"""layerscope vs onnxruntime on the benchmark models, in the same run.

For every model and thread count, both runtimes run as separate processes on the same
inputs (the references' inputs from scripts/models/export_models.py), each with W warm-up
and R timed runs; the table reports medians, the ratio layerscope/ORT (< 1 = layerscope
faster) and the peak RSS of each process.

    .venv/bin/python bench/compare_ort.py [--models resnet50,...] [--opset 17] [--threads 1,2]
                                          [--warmup 5] [--runs 30] [--json results.json]
"""
import argparse
import json
import os
import sys

from zoo_common import run_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="resnet50,mobilenetv2,vit_b_16,depth_anything_like")
    ap.add_argument("--opset", default="17")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--models-dir", default=os.environ.get("LAYERSCOPE_MODELS_DIR", os.path.join(ROOT, ".cache/models")))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/layerscope"))
    ap.add_argument("--json", help="also write all results to this file")
    a = ap.parse_args()

    with open(os.path.join(a.models_dir, "manifest.json")) as f:
        manifest = json.load(f)
    rows = []
    for model in a.models.split(","):
        entry = manifest["models"][f"{model}.opset{a.opset}.onnx"]
        path = os.path.join(a.models_dir, entry["path"])
        inputs = []
        for name, file in entry["inputs"].items():
            inputs += ["--input", f"{name}={os.path.join(a.models_dir, file)}"]
        for threads in a.threads.split(","):
            common = ["--threads", threads, "--warmup", str(a.warmup), "--runs", str(a.runs)]
            ls = run_json([a.cli, "bench", path, *inputs, *common, "--json"])
            ort = run_json([sys.executable, os.path.join(HERE, "ort_latency.py"), path, *inputs, *common])
            row = {"model": model, "opset": int(a.opset), "threads": int(threads),
                   "layerscope_ms": ls["latency_ms"]["median"], "ort_ms": ort["latency_ms"]["median"],
                   "ratio": ls["latency_ms"]["median"] / ort["latency_ms"]["median"],
                   "layerscope_rss_mb": ls["peak_rss_mb"], "ort_rss_mb": ort["peak_rss_mb"],
                   "layerscope": ls, "onnxruntime": ort}
            rows.append(row)
            print(f"{model:22s} threads={threads}: layerscope {row['layerscope_ms']:9.2f} ms  ORT {row['ort_ms']:9.2f} ms"
                  f"  ratio {row['ratio']:.2f}  RSS {row['layerscope_rss_mb']:.0f} / {row['ort_rss_mb']:.0f} MB",
                  file=sys.stderr, flush=True)

    print(f"\nmedians of {a.runs} runs after {a.warmup} warm-up; ratio = layerscope / onnxruntime (< 1: layerscope faster)\n")
    print(f"| model | threads | layerscope ms | ORT ms | ratio | layerscope RSS MB | ORT RSS MB |")
    print(f"|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['threads']} | {r['layerscope_ms']:.2f} | {r['ort_ms']:.2f} | {r['ratio']:.2f} "
              f"| {r['layerscope_rss_mb']:.0f} | {r['ort_rss_mb']:.0f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
