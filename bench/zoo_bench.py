#!/usr/bin/env python3
"""The zoo benchmark: layerscope, onnxruntime and OpenVINO on every zoo model, in the same run.

    .venv/bin/python bench/zoo_bench.py [--models a,b,c] [--threads 1,2] [--runs 30] [--warmup 5]
                                        [--rounds 3] [--perf-runs 10] [--json results.json]
                                        [--keep-perf DIR]

For every model of the zoo (scripts/models/zoo.py; models marked "waits for issue N" only when
named with --models) and every thread count, each engine runs as its own process on the
model's saved inputs: `layerscope bench --json`, bench/ort_latency.py (ORT_ENABLE_ALL,
intra-op threads N) and bench/openvino_latency.py (CPU plugin, f32 inference precision,
LATENCY hint, N inference threads), each with --warmup untimed then --runs timed runs.
The engines are interleaved: --rounds rounds, each running all three in a rotated order
(round r starts with engine r mod 3), so a slow phase of the machine hits every engine. An
engine's latency is the median over rounds of each round's median of --runs runs; its RSS is
the largest peak RSS of its processes. Then `layerscope perf` (--perf-runs profiled runs) gives
layerscope's share of layer time in reference kernels ('ref', the fallback_kernels finding's
rule) and in pure data movement (the op types of the data_movement finding), see zoo_common.py;
--keep-perf keeps those reports (the profile rows that explain a model's ratio).

Prints a markdown table (model, threads, ms x3, layerscope/onnxruntime and layerscope/OpenVINO
(< 1: layerscope faster), peak RSS x3, ref %, move %), the geometric mean and the worst ratio
against each peer (overall and per thread count), and one summary line; --json writes all of it.
Timings are only meaningful on a quiet machine.
"""
import argparse
import json
import math
import os
import statistics
import sys

import zoo_common

ENGINES = ("layerscope", "onnxruntime", "openvino")
PEERS = ("onnxruntime", "openvino")
SHORT = {"layerscope": "ls", "onnxruntime": "ort", "openvino": "ov"}


def engine_cmd(engine, a, path, inputs, threads):
    common = ["--threads", str(threads), "--warmup", str(a.warmup), "--runs", str(a.runs)]
    if engine == "layerscope":
        return [a.cli, "bench", path, *inputs, *common, "--json"]
    script = {"onnxruntime": "ort_latency.py", "openvino": "openvino_latency.py"}[engine]
    return [sys.executable, os.path.join(zoo_common.HERE, script), path, *inputs, *common]


def rotated(r):
    k = r % len(ENGINES)
    return ENGINES[k:] + ENGINES[:k]


def measure(entry, threads, a):
    """One row: per engine the median over rounds of the round medians, peak RSS, errors."""
    path = os.path.join(a.zoo_dir, entry["path"])
    inputs = zoo_common.input_args(entry, a.zoo_dir)
    rounds = {e: [] for e in a.engines}
    errors = {}
    for r in range(a.rounds):
        for engine in (e for e in rotated(r) if e in a.engines and e not in errors):
            try:
                res = zoo_common.run_json(engine_cmd(engine, a, path, inputs, threads), a.timeout, a.zoo_dir)
                rounds[engine].append(res)
            except RuntimeError as err:
                errors[engine] = str(err)
    row = {"model": entry["model"], "family": entry.get("family", ""), "threads": threads, "errors": errors}
    for e in a.engines:
        ok = rounds[e]
        row[f"{e}_ms"] = statistics.median(x["latency_ms"]["median"] for x in ok) if ok and e not in errors else None
        row[f"{e}_rss_mb"] = max(x["peak_rss_mb"] for x in ok) if ok else None
        row[f"{e}_round_medians_ms"] = [x["latency_ms"]["median"] for x in ok]
    for p in PEERS:
        ls, peer = row.get("layerscope_ms"), row.get(f"{p}_ms")
        row[f"ls_over_{SHORT[p]}"] = ls / peer if ls and peer else None
    row["ref_pct"] = row["move_pct"] = None
    if "layerscope" in a.engines and "layerscope" not in errors and a.perf_runs > 0:
        try:
            keep = os.path.join(a.keep_perf, f"{entry['model']}.T{threads}") if a.keep_perf else None
            perf = zoo_common.layerscope_perf(a.cli, path, inputs, threads, a.warmup, a.perf_runs, a.timeout,
                                              a.zoo_dir, keep)
            row.update({k: v for k, v in zoo_common.time_shares(perf).items() if k in ("ref_pct", "move_pct")})
        except RuntimeError as err:
            errors["layerscope perf"] = str(err)
    return row


def geomean_and_worst(rows, key):
    """(geometric mean, worst = largest ratio, its row, count) over rows that have the ratio."""
    have = [r for r in rows if r.get(key)]
    if not have:
        return None, None, None, 0
    worst = max(have, key=lambda r: r[key])
    return math.exp(statistics.fmean(math.log(r[key]) for r in have)), worst[key], worst, len(have)


def fmt(x, spec=".2f"):
    return "-" if x is None else format(x, spec)


def print_table(rows, a):
    print(f"engines interleaved in {a.rounds} round(s); per round {a.warmup} warm-up + {a.runs} timed runs "
          f"per process; ms = median of the round medians; ratios < 1: layerscope faster; RSS = peak MB; "
          f"ref/move = layerscope's share of layer time in 'ref' kernels / data movement\n")
    print("| model | threads | ls ms | ort ms | ov ms | ls/ort | ls/ov | ls RSS | ort RSS | ov RSS | ref % | move % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['threads']} | {fmt(r.get('layerscope_ms'))} | {fmt(r.get('onnxruntime_ms'))} "
              f"| {fmt(r.get('openvino_ms'))} | {fmt(r.get('ls_over_ort'))} | {fmt(r.get('ls_over_ov'))} "
              f"| {fmt(r.get('layerscope_rss_mb'), '.0f')} | {fmt(r.get('onnxruntime_rss_mb'), '.0f')} "
              f"| {fmt(r.get('openvino_rss_mb'), '.0f')} | {fmt(r['ref_pct'], '.1f')} | {move_text(r['move_pct'])} |")
    failed = [r for r in rows if r["errors"]]
    if failed:
        print("\nfailures:")
        for r in failed:
            for engine, msg in r["errors"].items():
                print(f"- {r['model']} threads={r['threads']} {engine}: {msg}")


def move_text(pct):
    """A data-movement share; None: under the data_movement finding's 5% threshold."""
    return f"<{zoo_common.MOVE_FINDING_MIN_PCT:.0f}" if pct is None else f"{pct:.1f}"


def summarise(rows, threads):
    """Per peer: geomean + worst overall and per thread count; the one-line summary."""
    out, parts = {}, []
    for p in PEERS:
        key = f"ls_over_{SHORT[p]}"
        g, w, wr, n = geomean_and_worst(rows, key)
        per = {t: geomean_and_worst([r for r in rows if r["threads"] == t], key)[0] for t in threads}
        out[p] = {"geomean": g, "worst": w, "worst_model": wr and wr["model"], "worst_threads": wr and wr["threads"],
                  "rows": n, "geomean_by_threads": per}
        if g is not None:
            by = ", ".join(f"{t}T {fmt(v)}" for t, v in per.items())
            parts.append(f"layerscope/{p} geomean {g:.2f} ({by}), worst {w:.2f} ({wr['model']} @{wr['threads']}T)")
    ref = [r["ref_pct"] for r in rows if r["ref_pct"] is not None]
    move = [r["move_pct"] or 0.0 for r in rows if r["ref_pct"] is not None]  # < 5% counted as 0
    out["mean_ref_pct"] = statistics.fmean(ref) if ref else None
    out["mean_move_pct"] = statistics.fmean(move) if move else None
    models = len({r["model"] for r in rows})
    failures = sum(len(r["errors"]) for r in rows)
    line = (f"zoo bench: {models} models x threads {','.join(map(str, threads))}: " +
            ("; ".join(parts) or "no layerscope/peer ratio (a run failed in every pair)") +
            f"; layer time in ref kernels {fmt(out['mean_ref_pct'], '.1f')}%, in data movement "
            f"{fmt(out['mean_move_pct'], '.1f')}% (mean over rows, shares under 5% as 0); {failures} failure(s) (< 1: layerscope faster)")
    return out, line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="", help="comma-separated subset (default: every zoo model "
                    "that does not wait for an issue)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=30, help="timed runs per process (per round)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--perf-runs", type=int, default=10, help="layerscope perf runs for ref/move %% (0: skip)")
    ap.add_argument("--keep-perf", metavar="DIR", help="keep each `layerscope perf` report in DIR/<model>.T<threads>/")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per process")
    ap.add_argument("--zoo-dir", default=zoo_common.DEFAULT_ZOO)
    ap.add_argument("--cli", default=zoo_common.DEFAULT_CLI)
    ap.add_argument("--json", help="also write rows and summary to this file")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",") if t]
    a.engines = tuple(e for e in ENGINES if e in a.engines.split(","))
    if a.runs < 1 or a.warmup < 0 or a.rounds < 1 or not threads or min(threads) < 1 or not a.engines:
        ap.error("need --runs >= 1, --warmup >= 0, --rounds >= 1, --threads >= 1, engines from " + ",".join(ENGINES))
    if "layerscope" in a.engines and not os.access(a.cli, os.X_OK):
        ap.error(f"--cli {a.cli} is not an executable; build it (ninja -C build layerscope_cli)")
    entries = zoo_common.select(zoo_common.load_zoo(a.zoo_dir), a.models, include_waiting=False)
    rows = []
    for entry in entries:
        for t in threads:
            rows.append(measure(entry, t, a))
            r = rows[-1]
            print(f"[{r['model']} @{t}T] " + ", ".join(f"{SHORT[e]} {fmt(r.get(e + '_ms'))} ms" for e in a.engines) +
                  (f"; errors {r['errors']}" if r["errors"] else ""), file=sys.stderr, flush=True)
    print_table(rows, a)
    summary, line = summarise(rows, threads)
    print("\n" + line)
    if a.json:
        config = {k: v for k, v in vars(a).items() if k != "json"}
        with open(a.json, "w") as f:
            json.dump({"config": config, "rows": rows, "summary": summary, "summary_line": line}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
