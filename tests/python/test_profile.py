"""Session.profile / memory: the same layer rows as `layerscope perf`, the report's forms (text,
JSON, CSV/DataFrame, files, HTML for notebooks), WorkLoad, and the progress callback."""
import html
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import layerscope

from conftest import run_cli

# What a layer row is, apart from its times (which differ from run to run).
ROW_FIELDS = ("id", "op_type", "data_type", "target", "kernel", "source_names", "input_shapes", "output_shapes",
              "macs", "other_ops", "bytes_read", "bytes_written", "live_activation_bytes")


def row(layer):
    values = {f: getattr(layer, f) for f in ROW_FIELDS}
    values["input_shapes"] = [list(s) for s in values["input_shapes"]]
    values["output_shapes"] = [list(s) for s in values["output_shapes"]]
    return values


@pytest.fixture(scope="module")
def report(sample_model):
    return layerscope.Session(sample_model).profile(warmup=1, runs=3)


@pytest.fixture(scope="module")
def cli_report(sample_model, cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("perf")
    run_cli(cli, "perf", sample_model, "--warmup", "1", "--runs", "3", "--out", out)
    with open(out / "perf.json", encoding="utf-8") as f:
        return json.load(f)


def test_layer_rows_equal_the_cli(report, cli_report):
    assert len(report.layers) == len(cli_report["layers"]) > 50
    for layer, expected in zip(report.layers, cli_report["layers"]):
        assert row(layer) == {f: expected[f] for f in ROW_FIELDS}
    assert [r.op_type for r in report.ranking] == sorted((r.op_type for r in report.ranking),
                                                         key=lambda t: -next(x.total_us for x in report.ranking
                                                                             if x.op_type == t))
    assert {r["op_type"] for r in cli_report["ranking"]} == {r.op_type for r in report.ranking}
    assert sum(r.calls for r in report.ranking) == len(report.layers)
    assert report.memory.weight_bytes == cli_report["memory"]["weight_bytes"]


def test_statistics_and_run_settings(report, sample_model):
    assert report.runs == 3 and report.warmup == 1 and report.model_path == sample_model
    for layer in report.layers:
        t = layer.time_us
        assert t.count == 3 and 0 <= t.min <= t.median <= t.max and t.p90 <= t.max
    assert report.latency_ms.count == 3 and report.latency_ms.median > 0
    assert report.layer_sum_us == pytest.approx(sum(l.time_us.median for l in report.layers))
    assert report.roofs.measured and report.roofs.clock_ghz > 0


def test_text_has_the_reference_tables(report):
    text = report.text
    for title in ("Network Layer Information Table", "Operator Time Consuming Ranking Table", "Findings",
                  "Memory Profile Info Dump", "Total Operator Elapsed Per Frame Time(us)"):
        assert title in text
    assert report.tables in text and report.findings_text in text and report.memory.text in text
    assert "Network Layer Information Table" in report.tables and "Memory Profile Info Dump" not in report.tables
    for layer in report.layers[:5]:
        assert layer.op_type + ":" + "+".join(layer.source_names) in text


def test_findings(report):
    findings = report.findings
    assert findings, "the sample model has data movement and fallback findings"
    ids = {l.id for l in report.layers}
    for f in findings:
        assert f.severity in ("high", "medium", "info") and f.title and f.kind
        assert set(f.layer_ids) <= ids
    assert findings[0].title in report.findings_text


def test_json_round_trip_and_files(report, tmp_path):
    doc = json.loads(report.to_json())
    assert doc["schema"] == "layerscope.perf" and len(doc["layers"]) == len(report.layers)
    report.save(tmp_path / "out")
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        ["perf.txt", "perf.json", "layers.csv", "trace.json", "report.html"])
    back = layerscope.read_report(str(tmp_path / "out" / "perf.json"))
    assert [row(l) for l in back.layers] == [row(l) for l in report.layers]
    assert [l.time_us.median for l in back.layers] == pytest.approx([l.time_us.median for l in report.layers],
                                                                    rel=1e-6, abs=1e-3)
    with open(tmp_path / "out" / "perf.txt", encoding="utf-8") as f:
        assert f.read() == report.text
    json.loads(report.to_trace())
    with pytest.raises(layerscope.Error, match="cannot create the folder"):
        report.save("/proc/layerscope-cannot-be-here")


def test_dataframe_has_one_row_per_layer(report):
    df = report.to_dataframe()
    assert list(df["id"]) == [l.id for l in report.layers]
    assert list(df["op_type"]) == [l.op_type for l in report.layers]
    assert list(df["kernel"]) == [l.kernel for l in report.layers]
    assert list(df["macs"]) == pytest.approx([l.macs for l in report.layers])
    assert list(df["time_median_us"]) == pytest.approx([l.time_us.median for l in report.layers], rel=1e-3, abs=1e-2)
    assert list(df.columns) == report.to_csv().splitlines()[0].split(",")


def test_workload_is_measured_from_python(report, sample_model):
    assert layerscope.workload_measurement is True
    threads = report.threads
    assert threads >= 1
    for layer in report.layers:
        assert len(layer.workload) == threads
        assert sum(layer.workload) == pytest.approx(1.0, abs=1e-6)
    off = layerscope.Session(sample_model).profile(warmup=0, runs=1, workload=False)
    assert all(layer.workload == [] for layer in off.layers)


def test_workload_unknown_when_libgomp_is_global_first(sample_model):
    # A process that put libgomp in the global symbol scope before layerscope was imported
    # (here: loaded with RTLD_GLOBAL) keeps its own GOMP_parallel: measurement is not possible,
    # layerscope says so and profiles report WorkLoad as unknown instead of wrong shares.
    code = ("import ctypes, os, sys; ctypes.CDLL('libgomp.so.1', mode=os.RTLD_GLOBAL)\n"
            "import layerscope\n"
            "r = layerscope.Session(sys.argv[1]).profile(warmup=0, runs=1)\n"
            "print(layerscope.workload_measurement, sum(1 for l in r.layers if l.workload))")
    r = subprocess.run([sys.executable, "-c", code, sample_model], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "0"]


def test_progress_callback(matmul_model):
    s = layerscope.Session(matmul_model)
    calls = []
    s.profile({"x": np.ones((8, 64), np.float32)}, warmup=2, runs=3, progress=lambda *a: calls.append(a))
    assert calls == [("warm-up", 1, 2), ("warm-up", 2, 2), ("run", 1, 3), ("run", 2, 3), ("run", 3, 3)]

    def fails(phase, done, total):
        raise ValueError("stop at %s %d" % (phase, done))
    with pytest.raises(ValueError, match="stop at warm-up 1"):
        s.profile({"x": np.ones((8, 64), np.float32)}, warmup=2, runs=3, progress=fails)


def test_memory_report_equals_the_cli(sample_model, cli):
    mem = layerscope.Session(sample_model).memory()
    printed = run_cli(cli, "mem", sample_model)
    assert printed.startswith(mem.text)
    assert mem.total_bytes == mem.weight_bytes + mem.internal_bytes + mem.other_bytes
    d = mem.to_dict()
    assert d == json.loads(mem.to_json())
    assert d["weight_bytes"] == mem.weight_bytes and d["model_file_bytes"] == os.path.getsize(sample_model)
    assert list(mem.to_dataframe().iloc[0]) == list(d.values())
    assert mem.text in mem._repr_html_()


def test_notebook_html_repr_is_the_report_page(report):
    shown = report._repr_html_()
    m = re.fullmatch(r'<iframe sandbox="allow-scripts" style="[^"]*" srcdoc="([^"]*)"></iframe>', shown)
    assert m, shown[:200]
    page = html.unescape(m.group(1))
    assert page == report.html()
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    blob = json.loads(data.group(1))
    assert [l["op_type"] for l in blob["report"]["layers"]] == [l.op_type for l in report.layers]
    assert len(blob["findings"]) == len(report.findings)


def test_notebook_html_repr_runs_in_a_browser(report, tmp_path):
    # The notebook's view: the repr inside a page, as Jupyter inserts it, loaded by headless
    # Chromium. Inside the frame, the report's own script ran (charts drawn, no script error,
    # every layer row built) in an opaque origin, i.e. sandboxed away from the notebook.
    from browser import Browser
    page = tmp_path / "notebook.html"
    page.write_text("<!doctype html><html><body>%s</body></html>" % report._repr_html_(), encoding="utf-8")
    browser = Browser()
    try:
        browser.open("file://%s" % page)
        frames = browser.evaluate_in_frames(
            "JSON.stringify({charts: document.documentElement.getAttribute('data-charts'),"
            " error: document.documentElement.getAttribute('data-script-error'),"
            " rows: document.querySelectorAll('#layer-table tbody tr').length, origin: self.origin})")
    finally:
        browser.close()
    assert [json.loads(f) for f in frames] == [
        {"charts": "drawn", "error": None, "rows": len(report.layers), "origin": "null"}]


def test_reading_the_reference_tools_text(tmp_path):
    sample = os.path.join(os.path.dirname(__file__), "..", "data", "rknn", "eval_perf_2x.txt")
    imported = layerscope.import_rknn(sample)
    assert "RKNN eval_perf text" in imported.imported_from and imported.layers
    assert imported.layers[0].target in ("CPU", "NPU")
    same = layerscope.read_report(sample)
    assert [row(l) for l in same.layers] == [row(l) for l in imported.layers]
    bad = tmp_path / "bad.txt"
    bad.write_text("not a report\n")
    with pytest.raises(layerscope.Error, match="bad.txt"):
        layerscope.import_rknn(str(bad))
