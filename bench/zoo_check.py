#!/usr/bin/env python3
"""Correctness sweep over the model zoo: layerscope against the onnxruntime references.

    .venv/bin/python bench/zoo_check.py [--models a,b,c] [--threads 1] [--zoo-dir .cache/zoo]
                                        [--cli build/layerscope] [--json check.json]

For every zoo model (scripts/models/zoo.py built it, its inputs and onnxruntime's reference
outputs): `layerscope run` on the saved inputs, every output compared with the reference by
tests/models/check_model.py's rule (max |layerscope - reference| <= TOLERANCE * max |reference|),
then `layerscope perf` (one run) for the executed layers, the kernels that fell back to the
reference implementation ('ref') and the share of layer time in them and in data movement
(zoo_common.time_shares; one run on --threads, so indicative only). Prints a markdown table
(model, status, error, layers, ref kernels, ref %, move %) and a summary line. Models marked "waits for issue N" in the zoo are checked too (the
table says when one runs after all); they do not fail the sweep.

Exit status: 0 when every model not marked waiting is ok, else 1.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import zoo_common

sys.path.insert(0, os.path.join(zoo_common.ROOT, "tests", "models"))
from check_model import TOLERANCE, safe_name  # noqa: E402  (one tolerance rule for tier 4 and the zoo)


def compare_outputs(entry, zoo_dir, out_dir):
    """(worst error relative to max|ref|, problem or ''), over every output."""
    worst = 0.0
    for name, file in entry["outputs"].items():
        ref = np.load(os.path.join(zoo_dir, file))
        got_path = os.path.join(out_dir, safe_name(name) + ".npy")
        if not os.path.exists(got_path):
            return worst, f"output {name} was not written"
        got = np.load(got_path)
        if got.shape != ref.shape:
            return worst, f"output {name}: shape {got.shape}, reference {ref.shape}"
        if ref.size == 0:
            continue
        scale = float(np.abs(ref).max())
        err = float(np.abs(got.astype(np.float64) - ref).max())
        worst = max(worst, err / scale if scale > 0 else err)
    return worst, ""


def check_model(entry, a):
    """One row: status ok / mismatch / error, the worst relative error, layers, ref kernels."""
    path = os.path.join(a.zoo_dir, entry["path"])
    inputs = zoo_common.input_args(entry, a.zoo_dir)
    row = {"model": entry["model"], "family": entry.get("family", ""), "waits_for": entry.get("waits_for", ""),
           "status": "", "rel_err": None, "message": "", "layers": None, "ref_layers": None,
           "ref_pct": None, "move_pct": None}
    with tempfile.TemporaryDirectory(prefix="zoo_check_") as out:
        cmd = [a.cli, "run", path, *inputs, "--warmup", "0", "--runs", "1", "--threads", str(a.threads),
               "--out", out]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
        except subprocess.TimeoutExpired:
            row.update(status="error", message=f"layerscope run timed out after {a.timeout} s")
            return row
        if r.returncode != 0:
            row.update(status="error", message=zoo_common.first_error_line(r.stderr or r.stdout, a.zoo_dir))
            return row
        err, problem = compare_outputs(entry, a.zoo_dir, out)
    row["rel_err"] = err
    if problem:
        row.update(status="mismatch", message=problem)
    else:
        row["status"] = "ok" if err <= TOLERANCE else "mismatch"
    try:
        perf = zoo_common.layerscope_perf(a.cli, path, inputs, a.threads, 0, 1, a.timeout, a.zoo_dir)
        ref = [l["op_type"] for l in perf["layers"] if zoo_common.is_reference_kernel(l["kernel"])]
        row["layers"] = len(perf["layers"])
        row["ref_layers"] = dict(collections.Counter(ref).most_common())
        shares = zoo_common.time_shares(perf)
        row["ref_pct"], row["move_pct"] = shares["ref_pct"], shares["move_pct"]
    except RuntimeError as e:
        row["message"] = (row["message"] + "; " if row["message"] else "") + f"perf: {e}"
    return row


def status_text(row):
    s = row["status"]
    if s == "mismatch" and row["rel_err"] is not None and not row["message"]:
        s = f"mismatch {row['rel_err']:.1e}"
    if row["message"]:
        s += f": {row['message']}"
    if row["waits_for"]:
        s += f" (was marked: waits for {row['waits_for']})" if row["status"] == "ok" \
            else f" (waits for {row['waits_for']})"
    return s.replace("|", "\\|")


def print_table(rows):
    print(f"rule: max |layerscope - onnxruntime| <= {TOLERANCE} x max |onnxruntime| per output\n")
    print("| model | family | status | max err / max\\|ref\\| | layers | ref kernels (layers per op) | ref % | move % |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        err = "-" if r["rel_err"] is None else f"{r['rel_err']:.1e}"
        layers = "-" if r["layers"] is None else str(r["layers"])
        refs = "-" if r["ref_layers"] is None else \
            (", ".join(f"{op} x{n}" for op, n in r["ref_layers"].items()) or "none")
        pct = ["-" if r["ref_pct"] is None else f"{r['ref_pct']:.1f}",
               "-" if r["ref_pct"] is None else
               (f"<{zoo_common.MOVE_FINDING_MIN_PCT:.0f}" if r["move_pct"] is None else f"{r['move_pct']:.1f}")]
        print(f"| {r['model']} | {r['family']} | {status_text(r)} | {err} | {layers} | {refs} | {pct[0]} | {pct[1]} |")


def summary(rows):
    count = collections.Counter(r["status"] for r in rows)
    waiting = [r for r in rows if r["waits_for"]]
    with_ref = [r for r in rows if r["ref_layers"]]
    return (f"zoo_check: {len(rows)} models: {count['ok']} ok, {count['mismatch']} mismatch, "
            f"{count['error']} error; {len(waiting)} marked waiting ({sum(r['status'] == 'ok' for r in waiting)} "
            f"of them ok); {len(with_ref)} run some layers on 'ref' kernels")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="", help="comma-separated subset (default: every built model)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per layerscope command")
    ap.add_argument("--zoo-dir", default=zoo_common.DEFAULT_ZOO)
    ap.add_argument("--cli", default=zoo_common.DEFAULT_CLI)
    ap.add_argument("--json", help="also write the rows to this file")
    a = ap.parse_args()
    if not os.access(a.cli, os.X_OK):
        ap.error(f"--cli {a.cli} is not an executable; build it (ninja -C build layerscope_cli)")
    entries = zoo_common.select(zoo_common.load_zoo(a.zoo_dir), a.models, include_waiting=True)
    rows = []
    for entry in entries:
        rows.append(check_model(entry, a))
        print(f"[{entry['model']}] {status_text(rows[-1])}", file=sys.stderr, flush=True)
    print_table(rows)
    line = summary(rows)
    print("\n" + line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"tolerance": TOLERANCE, "rows": rows, "summary": line}, f, indent=1)
    return 0 if all(r["status"] == "ok" for r in rows if not r["waits_for"]) else 1


if __name__ == "__main__":
    sys.exit(main())
