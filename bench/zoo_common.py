"""What bench/zoo_check.py and bench/zoo_bench.py share: the zoo's manifest, the inputs of a
model, layerscope's per-layer report of it and the shares of its time by kernel kind.

The zoo is built by scripts/models/zoo.py into .cache/zoo (manifest.json beside the models).
"""
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_ZOO = os.environ.get("LAYERSCOPE_ZOO_DIR", os.path.join(ROOT, ".cache", "zoo"))
DEFAULT_CLI = os.path.join(ROOT, "build", "layerscope")


def load_zoo(zoo_dir):
    path = os.path.join(zoo_dir, "manifest.json")
    if not os.path.exists(path):
        raise SystemExit(f"error: {path} not found; build the zoo first: "
                         f".venv/bin/python scripts/models/zoo.py --out {zoo_dir}")
    with open(path) as f:
        return json.load(f)


def select(manifest, names, include_waiting):
    """Manifest entries by model name, in manifest order. Without names: every model that does
    not wait for an issue (unless include_waiting). A named model that is not built is an error."""
    by_name = {e["model"]: e for e in manifest["models"].values()}
    wanted = [n for n in (names or "").split(",") if n]
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise SystemExit(f"error: model(s) {missing} are not in the zoo's manifest (built: "
                         f"{', '.join(sorted(by_name))}); failures recorded there: "
                         f"{len(manifest.get('failures', []))}")
    if wanted:
        return [by_name[n] for n in wanted]
    entries = sorted(by_name.values(), key=lambda e: e.get("order", 0))  # the zoo's own order
    return [e for e in entries if include_waiting or not e.get("waits_for")]


def input_args(entry, zoo_dir):
    """--input NAME=FILE.npy for each of the entry's saved inputs (all three engines take them)."""
    args = []
    for name, file in entry["inputs"].items():
        args += ["--input", f"{name}={os.path.join(zoo_dir, file)}"]
    return args


def first_error_line(text, zoo_dir=""):
    """The line of a failed command's output that says why (layerscope prints 'error: ...'),
    without the 'error: ' prefix and the zoo folder (the table names the model)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    line = next((ln for ln in lines if ln.lower().startswith("error")), lines[-1] if lines else "(no message)")
    if line.lower().startswith("error: "):
        line = line[len("error: "):]
    return line.replace(os.path.join(zoo_dir, ""), "") if zoo_dir else line


def run_json(cmd, timeout=None, zoo_dir=""):
    """The JSON object a benchmark command prints as its last stdout line (layerscope bench
    --json, ort_latency.py, openvino_latency.py); RuntimeError with the reason if it fails."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        name = next((os.path.basename(c) for c in cmd if c.endswith(".py")), os.path.basename(cmd[0]))
        raise RuntimeError(f"{name} timed out after {timeout} s")
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError(first_error_line(r.stderr or r.stdout, zoo_dir))
    return json.loads(r.stdout.strip().splitlines()[-1])


def layerscope_perf(cli, model_path, inputs, threads, warmup, runs, timeout, zoo_dir="", keep_dir=None):
    """perf.json of `layerscope perf` (per-layer profile), or raises RuntimeError with the reason.
    keep_dir: also leave the command's report files (perf.txt, perf.json, ...) there."""
    with tempfile.TemporaryDirectory(prefix="zoo_perf_") as tmp:
        out = keep_dir or tmp
        cmd = [cli, "perf", model_path, *inputs, "--threads", str(threads), "--warmup", str(warmup),
               "--runs", str(runs), "--out", out]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"layerscope perf timed out after {timeout} s")
        if r.returncode != 0:
            raise RuntimeError(first_error_line(r.stderr or r.stdout, zoo_dir))
        with open(os.path.join(out, "perf.json")) as f:
            return json.load(f)


def is_reference_kernel(kernel):
    """Same rule as is_reference_kernel() in src/analysis/findings_kernels.cpp: our reference
    kernels ('ref', 'ref(dynamic)') and oneDNN's own reference implementations."""
    return kernel == "ref" or kernel.startswith("ref(") or kernel.startswith("onednn:ref")


# The data_movement finding's threshold (kDataMovementSharePct in src/analysis/findings_kernels.cpp):
# below it the report has no data_movement finding and the share is only known to be smaller.
MOVE_FINDING_MIN_PCT = 5.0


def time_shares(perf):
    """{'ref_pct', 'move_pct', 'ref_layers': [op types]} of a perf.json: shares of layer_sum_us
    (the sum of the layers' median times) in reference kernels and in pure data movement.
    Which ops are data movement is a trait of each op in the C++ (OpDef::data_movement); the
    report's data_movement finding gives that share when it is at least 5%, so move_pct is the
    finding's share, or None ("< 5%") without the finding. ref_pct is computed from the rows and
    checked against the fallback_kernels finding when there is one."""
    total = perf["layer_sum_us"]
    ref = [l for l in perf["layers"] if is_reference_kernel(l["kernel"])]
    ref_pct = 100.0 * sum(l["time_us"]["median"] for l in ref) / total if total > 0 else 0.0
    shares = {"ref_pct": ref_pct, "move_pct": None, "layers": len(perf["layers"]),
              "ref_layers": sorted({l["op_type"] for l in ref})}
    for f in perf.get("findings", []):
        if f["kind"] == "data_movement":
            shares["move_pct"] = f["time_share_pct"]
        if f["kind"] == "fallback_kernels" and abs(f["time_share_pct"] - ref_pct) > 0.01:
            raise RuntimeError(f"ref_pct {ref_pct:.3f}% disagrees with the report's fallback_kernels finding "
                               f"({f['time_share_pct']:.3f}%): the kernel rule drifted")
    return shares
