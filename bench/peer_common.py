"""What the peer latency scripts (bench/ort_latency.py, bench/openvino_latency.py) share: the
command line, the model's inputs (given .npy files or fixed-seed synthesised ones), the timing
loop and the JSON they print, so both peers are measured and reported the same way."""
import argparse
import json
import resource
import statistics
import sys
import time

import numpy as np


def arg_parser(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--seed", type=int, default=0, help="seed for synthesised inputs")
    return ap


def parse_args(ap):
    """(args, {input name: .npy path}) with the checks both peers need."""
    args = ap.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.threads < 1:
        ap.error("need --runs >= 1, --warmup >= 0, --threads >= 1")
    given = {}
    for spec in args.input:
        name, sep, path = spec.partition("=")
        if not sep:
            ap.error(f"--input expects NAME=FILE.npy, got {spec!r}")
        given[name] = path
    return args, given


def make_feeds(inputs, given, seed):
    """{name: array} for the model's inputs [(name, shape, numpy dtype or None, type as the
    runtime names it)]: the --input file where given, else a fixed-seed tensor (N(0,1) floats,
    0/1 bools, ints in [0, 10))."""
    rng = np.random.default_rng(seed)
    names = {inp[0] for inp in inputs}
    unknown = set(given) - names
    if unknown:
        sys.exit(f"error: --input names {sorted(unknown)} not in model inputs {sorted(names)}")
    feeds = {}
    for name, shape, dtype, type_name in inputs:
        if name in given:
            feeds[name] = np.load(given[name])
            continue
        if dtype is None:
            sys.exit(f"error: cannot synthesise input {name!r} of type {type_name}; "
                     f"pass it with --input {name}=FILE.npy")
        # Symbolic/unknown dims become 1 (exported test models are fully static).
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in shape]
        dtype = np.dtype(dtype)
        if dtype.kind == "f":
            feeds[name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[name] = rng.integers(0, 2, shape).astype(dtype)
        else:  # small non-negative ints: safe-ish for index-like inputs
            feeds[name] = rng.integers(0, 10, shape).astype(dtype)
    return feeds


def time_runs(run, warmup, runs):
    """Milliseconds of each of `runs` calls of run(), after `warmup` untimed ones
    (time.perf_counter() around each call)."""
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1e3)
    return times


def report(runtime, version, args, load_ms, times, **extra):
    """Prints the one JSON object the peers print (see bench/ort_latency.py's docstring)."""
    result = {
        "runtime": runtime, "version": version, "model": args.model,
        "threads": args.threads, "warmup": args.warmup, "runs": args.runs,
        "load_ms": round(load_ms, 3),
        "latency_ms": {
            "median": round(statistics.median(times), 3), "min": round(min(times), 3),
            "max": round(max(times), 3), "p90": round(float(np.percentile(times, 90)), 3),
            "mean": round(statistics.fmean(times), 3),
        },
        # ru_maxrss is KiB on Linux.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **extra,
    }
    print(json.dumps(result))
