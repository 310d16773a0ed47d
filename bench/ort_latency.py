#!/usr/bin/env python3
"""onnxruntime latency peer for layerscope benchmarks.

    python bench/ort_latency.py MODEL.onnx [--threads N] [--warmup W] [--runs R]
                                [--input NAME=FILE.npy ...] [--seed S]

Runs MODEL with the CPU execution provider, ORT_ENABLE_ALL graph optimisations,
intra_op_num_threads=N, inter_op_num_threads=1 and sequential execution (the
configuration comparable to layerscope's single-stream executor). Inputs not
given with --input are fixed-seed random tensors (N(0,1) for floats). Prints ONE
JSON object on stdout:
  {"runtime": "onnxruntime", "version", "model", "threads", "warmup", "runs",
   "load_ms", "latency_ms": {"median", "min", "max", "p90", "mean"}, "peak_rss_mb"}
load_ms covers InferenceSession creation (parsing + graph optimisation); each run
is timed with time.perf_counter() around session.run(); peak_rss_mb is the
process's ru_maxrss (Linux reports KiB).
"""
import argparse
import json
import resource
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

# ONNX tensor type string -> numpy dtype, for synthesising inputs.
DTYPES = {
    "tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
}


def make_feeds(sess, given, seed):
    rng = np.random.default_rng(seed)
    names = {i.name for i in sess.get_inputs()}
    unknown = set(given) - names
    if unknown:
        sys.exit(f"error: --input names {sorted(unknown)} not in model inputs {sorted(names)}")
    feeds = {}
    for inp in sess.get_inputs():
        if inp.name in given:
            feeds[inp.name] = np.load(given[inp.name])
            continue
        if inp.type not in DTYPES:
            sys.exit(f"error: cannot synthesise input {inp.name!r} of type {inp.type}; "
                     f"pass it with --input {inp.name}=FILE.npy")
        # Symbolic/unknown dims become 1 (exported test models are fully static).
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
        dtype = np.dtype(DTYPES[inp.type])
        if dtype.kind == "f":
            feeds[inp.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[inp.name] = rng.integers(0, 2, shape).astype(dtype)
        else:  # small non-negative ints: safe-ish for index-like inputs
            feeds[inp.name] = rng.integers(0, 10, shape).astype(dtype)
    return feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--seed", type=int, default=0, help="seed for synthesised inputs")
    args = ap.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.threads < 1:
        ap.error("need --runs >= 1, --warmup >= 0, --threads >= 1")
    given = {}
    for spec in args.input:
        name, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"--input expects NAME=FILE.npy, got {spec!r}")
        given[name] = path

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - t0) * 1e3

    feeds = make_feeds(sess, given, args.seed)
    outputs = [o.name for o in sess.get_outputs()]
    for _ in range(args.warmup):
        sess.run(outputs, feeds)
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        sess.run(outputs, feeds)
        times.append((time.perf_counter() - t) * 1e3)

    result = {
        "runtime": "onnxruntime", "version": ort.__version__, "model": args.model,
        "threads": args.threads, "warmup": args.warmup, "runs": args.runs,
        "load_ms": round(load_ms, 3),
        "latency_ms": {
            "median": round(statistics.median(times), 3), "min": round(min(times), 3),
            "max": round(max(times), 3), "p90": round(float(np.percentile(times, 90)), 3),
            "mean": round(statistics.fmean(times), 3),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
