#!/usr/bin/env python3
"""report.html in a real browser: profiles the bundled sample model with `layerscope perf --out`,
opens DIR/report.html in Debian's headless Chromium and checks, from the DOM after the page's
script ran, that every chart was drawn with the right number of marks, the tables and findings
are complete, sorting and filtering work (driven through the page's query string), and keeps a
screenshot as a test artifact.

    python tests/html/test_html_report.py --cli build/layerscope --out-dir build/test-artifacts/html_report \
        [--screenshot build/test-artifacts/report.png] [--chromium /usr/bin/chromium]
"""
import argparse
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ARGS = None
CHARTS = ("chart-layer-time", "chart-optype-time", "chart-roofline", "chart-activation-memory")


class Dom(html.parser.HTMLParser):
    """The parts of a dumped DOM the tests look at: attributes by id, table rows with their
    attributes, cell sort values and text, and finding items."""

    def __init__(self, text):
        super().__init__()
        self.by_id, self.rows, self.findings, self.layer_links = {}, {}, [], []
        self.root_attrs = {}
        self._table, self._in_tbody, self._row, self._finding = None, False, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root_attrs = a
        if "id" in a:
            self.by_id[a["id"]] = a
        if tag == "table" and "data-table" in a:
            self._table = a["id"]
            self.rows[self._table] = []
        elif tag == "tbody" and self._table:
            self._in_tbody = True
        elif tag == "tr" and self._in_tbody:
            self._row = {"attrs": a, "cells": [], "text": ""}
            self.rows[self._table].append(self._row)
        elif tag == "td" and self._row is not None:
            self._row["cells"].append(a.get("data-v"))
        elif tag == "li" and "finding" in a.get("class", "").split():
            self._finding = a
            self.findings.append(a)
        elif tag == "a" and a.get("href", "").startswith("#layer-") and self._finding is not None:
            self.layer_links.append(a["href"][1:])

    def handle_endtag(self, tag):
        if tag == "table":
            self._table, self._in_tbody = None, False
        elif tag == "tbody":
            self._in_tbody = False
        elif tag == "tr":
            self._row = None
        elif tag == "li":
            self._finding = None

    def handle_data(self, data):
        if self._row is not None:
            self._row["text"] += data


def chromium():
    return ARGS.chromium or shutil.which("chromium") or shutil.which("chromium-browser")


def browse(url, *extra):
    """Runs headless Chromium on `url` with its own throw-away profile; returns stdout."""
    profile = tempfile.mkdtemp(prefix="ls-chromium-")
    try:
        cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--user-data-dir=" + profile, *extra, url]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            raise AssertionError("chromium failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
        return r.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class HtmlReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not chromium():
            raise AssertionError("no chromium found: install it with scripts/setup (apt package 'chromium')")
        os.makedirs(ARGS.out_dir, exist_ok=True)
        cls.model = os.path.join(ARGS.out_dir, "sample.onnx")
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_sample_model.py"), "--out", cls.model],
                       check=True, capture_output=True, timeout=600)
        cls.perf_dir = os.path.join(ARGS.out_dir, "perf")
        r = subprocess.run([ARGS.cli, "perf", cls.model, "--runs", "3", "--warmup", "1", "--out", cls.perf_dir],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise AssertionError("layerscope perf failed: " + r.stderr)
        cls.page_path = os.path.join(cls.perf_dir, "report.html")
        with open(cls.page_path, encoding="utf-8") as f:
            cls.page = f.read()
        with open(os.path.join(cls.perf_dir, "perf.json"), encoding="utf-8") as f:
            cls.report = json.load(f)
        blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', cls.page, re.S)
        cls.data = json.loads(blob.group(1))
        cls.url = "file://" + os.path.abspath(cls.page_path)
        cls.dom = Dom(browse(cls.url, "--dump-dom"))

    def test_script_ran_without_errors(self):
        self.assertEqual(self.dom.root_attrs.get("data-charts"), "drawn")
        self.assertNotIn("data-script-error", self.dom.root_attrs)

    def test_every_chart_is_drawn_with_its_marks(self):
        layers = self.report["layers"]
        plotted = [l for l in layers if (2 * l["macs"] + l["other_ops"]) > 0
                   and l["bytes_read"] + l["bytes_written"] > 0 and l["time_us"]["median"] > 0]
        # The per-layer charts draw the top-level layers (a body layer's time is in its control layer's).
        top = [l for l in layers if not l.get("parent", 0)]
        expected = {"chart-layer-time": len(top), "chart-optype-time": len(self.report["ranking"]),
                    "chart-roofline": len(plotted), "chart-activation-memory": len(top)}
        for chart in CHARTS:
            with self.subTest(chart=chart):
                attrs = self.dom.by_id.get(chart)
                self.assertIsNotNone(attrs, "no element #" + chart)
                self.assertEqual(attrs.get("data-rendered"), "1")
                self.assertNotIn("data-error", attrs)
                self.assertGreater(int(attrs["data-marks"]), 0)
                self.assertEqual(int(attrs["data-marks"]), expected[chart])

    def test_layer_table_has_one_row_per_layer(self):
        rows = self.dom.rows["layer-table"]
        ids = [l["id"] for l in self.report["layers"]]
        self.assertEqual([r["attrs"]["id"] for r in rows], ["layer-%d" % i for i in ids])
        self.assertTrue(all("hidden" not in r["attrs"] for r in rows))
        self.assertEqual(len(self.dom.rows["optype-table"]), len(self.report["ranking"]))
        for layer, row in zip(self.report["layers"], rows):
            self.assertIn(layer["op_type"] + ":" + "+".join(layer["source_names"]), row["text"])

    def test_findings_section_lists_the_findings_with_links_to_rows(self):
        self.assertIn("findings", self.dom.by_id)
        findings = self.data["findings"]
        self.assertEqual(len(self.dom.findings), len(findings))
        if not findings:
            self.assertIn("no-findings", self.dom.by_id)
        self.assertEqual(self.dom.layer_links,
                         ["layer-%d" % i for f in findings for i in f["layer_ids"]
                          if any(l["id"] == i for l in self.report["layers"])])
        for target in self.dom.layer_links:
            self.assertIn(target, self.dom.by_id)

    def test_sort_and_filter_from_the_query_string(self):
        op = self.report["ranking"][0]["op_type"].lower()
        dom = Dom(browse(self.url + "?layers.sort=time&layers.dir=desc&layers.q=" + op +
                         "&optypes.sort=calls&optypes.dir=asc", "--dump-dom"))
        self.assertNotIn("data-script-error", dom.root_attrs)
        self.assertEqual(dom.by_id["layer-table"].get("data-sorted"), "time:desc")
        rows = dom.rows["layer-table"]
        self.assertEqual(len(rows), len(self.report["layers"]))
        time_col = 7  # ID, OpType, DataType, Target, InputShape, OutputShape, Cycles, Time
        times = [float(r["cells"][time_col]) for r in rows]
        self.assertEqual(times, sorted(times, reverse=True))
        shown = [r for r in rows if "hidden" not in r["attrs"]]
        self.assertGreater(len(shown), 0)
        for r in rows:
            self.assertEqual("hidden" in r["attrs"], op not in r["text"].lower(), r["attrs"]["id"])
        self.assertEqual(dom.by_id["layer-table"].get("data-shown"), str(len(shown)))
        calls = [int(r["cells"][1]) for r in dom.rows["optype-table"]]
        self.assertEqual(calls, sorted(calls))

    def test_page_is_self_contained(self):
        for needle in ("http://", "https://", "//cdn", " src=", "<link", "@import", "url("):
            self.assertNotIn(needle, self.page)

    def test_screenshot_is_a_real_picture(self):
        path = os.path.abspath(ARGS.screenshot)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            os.remove(path)
        browse(self.url, "--screenshot=" + path, "--window-size=1400,3000", "--hide-scrollbars")
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", data[16:24])
        self.assertEqual((width, height), (1400, 3000))
        self.assertGreater(len(data), 100_000, "a nearly blank page compresses to far less")
        try:
            from PIL import Image
        except ImportError:
            return
        with Image.open(path) as im:
            colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
        self.assertGreater(len(colours), 200, "too few distinct colours for text, tables and charts")
        print("screenshot kept at", path, file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True, help="the layerscope executable")
    parser.add_argument("--out-dir", required=True, help="where the model, reports and screenshot go")
    parser.add_argument("--screenshot", help="PNG to keep (default: OUT_DIR/report.png)")
    parser.add_argument("--chromium", help="browser executable (default: chromium on PATH)")
    ARGS, rest = parser.parse_known_args()
    ARGS.screenshot = ARGS.screenshot or os.path.join(ARGS.out_dir, "report.png")
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
