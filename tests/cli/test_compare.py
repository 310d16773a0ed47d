#!/usr/bin/env python3
"""Tier 5: `layerscope compare` and `layerscope import` end to end. Two real profiled runs of the
bundled sample model (1 and 2 threads) are compared, a run is compared with the reference tool's
eval_perf text (tests/data/rknn/), and that text is imported.

    python tests/cli/test_compare.py --cli build/layerscope
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = None
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
RKNN_2X = os.path.join(REPO, "tests", "data", "rknn", "eval_perf_2x.txt")
RKNN_1X = os.path.join(REPO, "tests", "data", "rknn", "eval_perf_1x.txt")
VERDICTS = {"slower", "faster", "within noise", "no spread", "added", "removed"}


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=600)


def load(path):
    with open(path) as f:
        return json.load(f)


def read(path):
    with open(path) as f:
        return f.read()


class CompareAndImport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.model = os.path.join(cls.dir, "sample.onnx")
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_sample_model.py"), "--out", cls.model],
                       check=True, capture_output=True, timeout=600)
        cls.runs = {}
        for threads in (1, 2):
            out = os.path.join(cls.dir, f"t{threads}")
            r = run("perf", cls.model, "--threads", str(threads), "--runs", "5", "--warmup", "1", "--out", out)
            assert r.returncode == 0, r.stderr
            cls.runs[threads] = os.path.join(out, "perf.json")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_perf_report_has_findings(self):
        text = read(os.path.join(os.path.dirname(self.runs[1]), "perf.txt"))
        ranking = text.index("Operator Time Consuming Ranking Table")
        findings = text.index("Findings (most important first")
        memory = text.index("Memory Profile Info Dump")
        self.assertLess(ranking, findings)
        self.assertLess(findings, memory)
        report = load(self.runs[1])
        self.assertIsInstance(report["findings"], list)
        ids = {l["id"] for l in report["layers"]}
        for f in report["findings"]:
            self.assertIn(f["severity"], ("high", "medium", "info"))
            self.assertTrue(set(f["layer_ids"]) <= ids, f)

    def test_compare_one_and_two_threads(self):
        out = os.path.join(self.dir, "cmp_threads")
        r = run("compare", self.runs[1], self.runs[2], "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for section in ("Comparison (A = baseline, B = candidate)", "Layer sum", "End-to-end (profiler off)",
                        "Per op type", "Per layer", "Verdict: a time's range is [min, p90]"):
            self.assertIn(section, r.stdout)
        self.assertEqual(read(os.path.join(out, "compare.txt")), r.stdout)

        a, b, c = load(self.runs[1]), load(self.runs[2]), load(os.path.join(out, "compare.json"))
        self.assertEqual(c["schema"], "layerscope.compare")
        # The same model: every layer is matched by its node name, none added or removed.
        self.assertEqual(c["matching"]["by_name"], len(a["layers"]))
        self.assertEqual((c["matching"]["added"], c["matching"]["removed"]), (0, 0))
        self.assertEqual(len(c["layers"]), len(a["layers"]))
        time_a = {l["id"]: l["time_us"] for l in a["layers"]}
        time_b = {l["id"]: l["time_us"] for l in b["layers"]}
        for l in c["layers"]:
            self.assertIn(l["verdict"], VERDICTS - {"added", "removed", "no spread"})
            self.assertEqual(l["a"]["median_us"], time_a[l["id_a"]]["median"])
            self.assertEqual(l["b"]["median_us"], time_b[l["id_b"]]["median"])
            self.assertAlmostEqual(l["change_us"], l["b"]["median_us"] - l["a"]["median_us"])
            # The verdict follows the stated rule on the [min, p90] ranges.
            lo_a, hi_a = time_a[l["id_a"]]["min"], time_a[l["id_a"]]["p90"]
            lo_b, hi_b = time_b[l["id_b"]]["min"], time_b[l["id_b"]]["p90"]
            expected = "slower" if lo_b > hi_a else "faster" if hi_b < lo_a else "within noise"
            self.assertEqual(l["verdict"], expected, l)
        self.assertAlmostEqual(c["layer_sum"]["a"]["median_us"], a["layer_sum_us"], places=6)
        self.assertIsNotNone(c["latency"])

        html = read(os.path.join(out, "compare.html"))
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        for remote in ("http://", "https://", "src=", "<link"):
            self.assertNotIn(remote, html)
        # Totals (header, layer sum, latency), op types and layers, each table with its header row.
        self.assertEqual(html.count("<tr>"), 3 + (1 + len(c["op_types"])) + (1 + len(c["layers"])))

    @unittest.skipUnless(shutil.which("chromium"), "needs Debian's chromium to run the page's script")
    def test_compare_html_sorts_in_a_browser(self):
        """Clicks column headers of compare.html in headless Chromium and reads the row order back."""
        out = os.path.join(self.dir, "cmp_sort")
        self.assertEqual(run("compare", self.runs[1], self.runs[2], "--out", out).returncode, 0)
        page = read(os.path.join(out, "compare.html"))
        clicks = ("<script>var h = document.querySelectorAll('#layers th');"
                  "h[6].click(); document.querySelectorAll('#op-types th')[0].click();</script>\n</body>")
        clicked = os.path.join(out, "clicked.html")
        with open(clicked, "w") as f:
            f.write(page.replace("</body>", clicks))
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                              "file://" + clicked], capture_output=True, text=True, timeout=300).stdout
        layers = dom[dom.index('id="layers"'):]
        rows = re.findall(r"<tr>(.*?)</tr>", layers, re.S)[1:]
        change = [float(re.findall(r'data-v="([^"]*)"', r)[4]) for r in rows]  # ID A, ID B, A, B, Change
        self.assertEqual(len(change), len(load(self.runs[1])["layers"]))
        self.assertEqual(change, sorted(change))  # one click: ascending
        ops = dom[dom.index('id="op-types"'):dom.index('id="layers"')]
        names = re.findall(r"<tr><td>([^<]*)</td>", ops)
        self.assertEqual(len(names), len(ops.split("<tbody>")[1].split("<tr>")) - 1)
        self.assertEqual(names, sorted(names, key=str.lower))  # text column: alphabetical (localeCompare)

    def test_compare_run_with_rknn_text(self):
        out = os.path.join(self.dir, "cmp_rknn")
        r = run("compare", self.runs[1], RKNN_2X, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("B is a single run (RKNN eval_perf text, 2.x layout", r.stdout)
        self.assertIn("End-to-end latency: not compared", r.stdout)
        c = load(os.path.join(out, "compare.json"))
        self.assertFalse(c["b"]["has_spread"])
        self.assertEqual(c["b"]["layers"], 17)
        ops = {o["op_type"]: o for o in c["op_types"]}
        self.assertEqual(ops["Resize"]["calls_b"], 1)
        self.assertEqual(ops["Resize"]["b"]["median_us"], 67780)
        for l in c["layers"]:
            self.assertIn(l["verdict"], VERDICTS)
            if l["id_a"] is not None and l["id_b"] is not None:
                self.assertEqual(l["verdict"], "no spread")
        self.assertEqual(c["matching"]["added"] + c["matching"]["by_name"] + c["matching"]["by_name_prefix"]
                         + c["matching"]["by_op_and_shapes"], 17)

    def test_import_rknn_text(self):
        out = os.path.join(self.dir, "imported")
        r = run("import", RKNN_2X, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        written = [l.split("wrote ", 1)[1] for l in r.stderr.splitlines() if l.startswith("wrote ")]
        for name in ("perf.txt", "perf.json", "layers.csv", "trace.json"):
            self.assertIn(os.path.join(out, name), written)
        for path in written:
            self.assertTrue(os.path.getsize(path) > 0, path)
        text = read(os.path.join(out, "perf.txt"))
        self.assertEqual(text, r.stdout)
        self.assertIn("Cycles(DDR/NPU/Total)", text)
        self.assertIn("4 layers fell back from the NPU to the CPU", text)
        report = load(os.path.join(out, "perf.json"))
        self.assertTrue(report["imported_from"].startswith("RKNN eval_perf text, 2.x layout"))
        self.assertEqual(len(report["layers"]), 17)
        self.assertEqual({l["target"] for l in report["layers"]}, {"CPU", "NPU"})
        self.assertEqual(report["layers"][1]["total_cycles"], 28374528)
        fallback = [f for f in report["findings"] if f["kind"] == "fallback_kernels"]
        self.assertEqual(len(fallback), 1)
        self.assertEqual(fallback[0]["layer_ids"], [9, 10, 12, 15])

        r = run("import", RKNN_1X)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("RKNN eval_perf text, 1.x layout", r.stdout)

    def test_errors(self):
        r = run("compare", self.runs[1])
        self.assertEqual(r.returncode, 2)
        missing = os.path.join(self.dir, "nope.json")
        r = run("compare", self.runs[1], missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.json", r.stderr)
        bad = os.path.join(self.dir, "bad_eval_perf.txt")
        lines = read(RKNN_2X).splitlines()
        row = next(i for i, l in enumerate(lines) if l.startswith("10   Transpose"))
        lines[row] = lines[row].replace("14819", "14.8k")
        with open(bad, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = run("import", bad, "--out", os.path.join(self.dir, "bad_out"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"bad_eval_perf.txt:{row + 1}: Time(us): expected a number, got '14.8k'", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "bad_out", "perf.json")))
        r = run("compare", bad, self.runs[1])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"bad_eval_perf.txt:{row + 1}:", r.stderr)
        r = run("import", self.model)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unrecognised content", r.stderr)


if __name__ == "__main__":
    CLI = sys.argv[sys.argv.index("--cli") + 1]
    del sys.argv[sys.argv.index("--cli"):sys.argv.index("--cli") + 2]
    unittest.main(verbosity=2)
