#!/usr/bin/env python3
"""Profiles of a quantized model, end to end on ResNet-50 (issue 14, item 5): the model is
quantized in the test (`layerscope quantize` on a fixed-seed dataset), the float and the int8
model are profiled for real (`layerscope perf`), then compared (`layerscope compare`).

Checked: every report (perf.txt, perf.json, layers.csv, trace.json, report.html) states each
layer's DataType by the documented rule (include/layerscope/profile.h); int8 layers' Cycles and
MacUsage use the measured int8 peak (Roofs::int8_macs_per_cycle_per_core) and float layers the
fp32 one, by their formulas (no timing is asserted); eval_memory holds int8 weights at one byte;
the comparison pairs every float convolution with the int8 layer(s) it became by node name, sums
a float layer's time against the int8 layers it was split into, never pairs QuantizeLinear/
DequantizeLinear with a float layer, and states each row's speed-up; the findings flag float
convolutions left between DequantizeLinear and QuantizeLinear (the int8 model run with graph
rewrites off) and the conversions' time. On a CPU without VNNI (no measured int8 peak) the int8
passes fuse nothing (kernels/cpu_features.h): the checks then are that the model runs as written,
in float between its conversions, and that the finding says why.

    python tests/cli/test_quantized_profile.py --cli build/layerscope [--models-dir .cache/models]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

CLI = None
MODELS_DIR = None
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODEL = "resnet50.opset17.onnx"
# onnxruntime's quantize_static QDQ files (scripts/models/quantize_models.py): a CNN whose
# classifier and pooling sit at the edge of what the int8 passes fuse, and an encoder whose
# float LayerNorm/Softmax/GELU put QuantizeLinear/DequantizeLinear pairs around every MatMul.
ORT_QDQ_MODELS = ("mobilenetv2.opset17.qdq.onnx", "vit_b_16.opset17.qdq.onnx")
# Layers the int8_fallback rule walks through between a float layer and its DequantizeLinear /
# QuantizeLinear (data movement and absorbable activations), as far as these models have them.
PASS_THROUGH = {"Reorder", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Relu", "Clip"}
QUANT_CONVERSION_SHARE_PCT = 5.0  # analysis/findings_quant.cpp kQuantConversionSharePct
CONVERSIONS = {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear"}
QUANTIZED_TYPES = {"INT8", "UINT8", "INT16", "UINT16"}


def run(*args):
    r = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        raise AssertionError("layerscope %s failed (%d): %s" % (" ".join(map(str, args)), r.returncode, r.stderr))
    return r.stdout


def load(path):
    with open(path) as f:
        return json.load(f)


def read(path):
    with open(path) as f:
        return f.read()


def close(x, y, rel=1e-9):
    return abs(x - y) <= rel * max(abs(x), abs(y), 1e-300)


class QuantizedProfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = cls.tmp.name
        model = os.path.join(MODELS_DIR, MODEL)
        if not os.path.isfile(model):
            raise AssertionError("%s is missing: generate the test models with scripts/models/export_models.py"
                                 % model)
        subprocess.run([sys.executable, os.path.join(REPO, "scripts", "models", "make_dataset.py"), model,
                        "--count", "4", "--out-root", d], check=True, capture_output=True, timeout=600)
        dataset = os.path.join(d, MODEL[:-len(".onnx")], "dataset.txt")
        cls.int8_model = os.path.join(d, "resnet50.int8.onnx")
        run("quantize", model, "--dataset", dataset, "--out", cls.int8_model, "--threads", "1")
        # One thread: MacUsage has one value per layer. Few runs: nothing here is a timing claim.
        common = ["--threads", "1", "--warmup", "1", "--runs", "3"]
        cls.out = {}
        for name, path, extra in (("fp32", model, []), ("int8", cls.int8_model, []),
                                  ("int8_plain", cls.int8_model, ["--no-optimize"])):
            out = os.path.join(d, name)
            run("perf", path, *common, *extra, "--out", out)
            cls.out[name] = out
        cls.ort = {}
        for name in ORT_QDQ_MODELS:
            path = os.path.join(MODELS_DIR, name)
            if not os.path.isfile(path):
                raise AssertionError("%s is missing: scripts/models/quantize_models.py makes it" % path)
            out = os.path.join(d, name)
            run("perf", path, *common, "--out", out)
            cls.ort[name] = load(os.path.join(out, "perf.json"))
        cls.fp32 = load(os.path.join(cls.out["fp32"], "perf.json"))
        cls.int8 = load(os.path.join(cls.out["int8"], "perf.json"))
        cls.plain = load(os.path.join(cls.out["int8_plain"], "perf.json"))
        cls.cmp_dir = os.path.join(d, "cmp")
        os.makedirs(cls.cmp_dir)
        cls.cmp_text = run("compare", os.path.join(cls.out["fp32"], "perf.json"),
                           os.path.join(cls.out["int8"], "perf.json"), "--out", cls.cmp_dir)
        cls.cmp = load(os.path.join(cls.cmp_dir, "compare.json"))
        cls.has_int8 = cls.int8["roofs"]["int8_macs_per_cycle_per_core"] > 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # ---- DataType ----
    def test_data_type_rule_on_the_int8_model(self):
        layers = self.int8["layers"]
        if not self.has_int8:  # no VNNI: nothing fused, every Conv/Gemm in float like --no-optimize
            self.assertFalse([l for l in layers if l["op_type"].startswith(("QLinear", "QGemm"))])
            for l in layers:
                self.assertIn(l["data_type"], ("INT8", "UINT8") if l["op_type"] in CONVERSIONS else ("FLOAT",), l)
            return
        # The int8 passes fused the convolutions (QLinearConv, QLinearConvAdd): they compute in
        # int8, and so do the other integer layers and the conversions' integer side.
        self.assertGreaterEqual(sum(l["op_type"].startswith("QLinearConv") for l in layers), 50)
        self.assertTrue(any(l["op_type"] == "QuantizeLinear" for l in layers))
        for l in layers:
            if l["op_type"].startswith(("QLinear", "QGemm")) or l["op_type"] in CONVERSIONS:
                self.assertIn(l["data_type"], ("INT8", "UINT8"), l)
            elif l["op_type"] in ("Gemm", "Conv", "MatMul"):
                self.assertEqual(l["data_type"], "FLOAT", l)
        # The classifier writes the float output: as a QGemm it still computes in int8 and says
        # so (the rule reads its input), as a Gemm after a DequantizeLinear it is FLOAT.
        fc = [l for l in layers if "/fc/Gemm" in l["source_names"]]
        self.assertEqual(len(fc), 1)
        self.assertEqual(fc[0]["data_type"], "FLOAT" if fc[0]["op_type"] == "Gemm" else "UINT8")
        self.assertEqual({l["data_type"] for l in self.fp32["layers"]}, {"FLOAT"})
        # With rewrites off every Conv runs in float between its DequantizeLinear and QuantizeLinear.
        for l in self.plain["layers"]:
            expected = ("INT8", "UINT8") if l["op_type"] in CONVERSIONS else ("FLOAT",)
            self.assertIn(l["data_type"], expected, l)

    def test_every_report_format_shows_the_data_type(self):
        layers = self.int8["layers"]
        text = read(os.path.join(self.out["int8"], "perf.txt"))
        table = {}
        for line in text.splitlines():
            cells = line.split()
            if len(cells) > 3 and cells[0].isdigit() and cells[3] == "CPU":  # ID OpType DataType Target
                table[int(cells[0])] = cells[2]
        self.assertEqual(table, {l["id"]: l["data_type"] for l in layers})
        with open(os.path.join(self.out["int8"], "layers.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["data_type"] for r in rows], [l["data_type"] for l in layers])
        trace = load(os.path.join(self.out["int8"], "trace.json"))
        traced = {e["args"]["id"]: e["args"]["data_type"] for e in trace["traceEvents"]
                  if e.get("ph") == "X" and "data_type" in e.get("args", {}) and "id" in e["args"]}
        self.assertEqual(traced, {l["id"]: l["data_type"] for l in layers})
        html = read(os.path.join(self.out["int8"], "report.html"))
        for t in {l["data_type"] for l in layers}:
            self.assertIn('"data_type":"%s"' % t, html.replace(" ", ""))
        if self.has_int8:
            self.assertIn("Peak compute, int8", html)

    # ---- roofs ----
    def test_int8_layers_use_the_int8_peak(self):
        roofs = self.int8["roofs"]
        self.assertTrue(roofs["measured"])
        fp32_peak, int8_peak = roofs["macs_per_cycle_per_core"], roofs["int8_macs_per_cycle_per_core"]
        text = read(os.path.join(self.out["int8"], "perf.txt"))
        if int8_peak == 0:  # a CPU without VNNI: int8 layers' derived columns are unknown, and said so
            int8_compute = [l for l in self.int8["layers"] if l["macs"] > 0 and l["data_type"] in ("INT8", "UINT8")]
            if int8_compute:  # (the int8 passes fuse nothing there: usually there are none)
                self.assertIn("no int8 peak measured", text)
            for l in int8_compute:
                self.assertEqual(l["mac_usage_pct"], [])
            return
        self.assertIn("%.1f int8 MACs/cycle/core" % int8_peak, text)
        clock = roofs["clock_ghz"]
        checked = 0
        for report in (self.int8, self.fp32):
            for l in report["layers"]:
                if l["macs"] <= 0:
                    continue
                peak = int8_peak if l["data_type"] in ("INT8", "UINT8") else fp32_peak
                # one thread: compute cycles = MACs / peak; MacUsage = MACs / time / (peak * clock)
                self.assertTrue(close(l["compute_cycles"], l["macs"] / peak), l)
                usage = 100.0 * l["macs"] * l["workload"][0] / (l["time_us"]["median"] * 1e-6) / (peak * clock * 1e9)
                self.assertTrue(close(l["mac_usage_pct"][0], usage), l)
                checked += 1
        self.assertGreater(checked, 100)
        self.assertGreater(int8_peak, fp32_peak)  # VNNI: 4 int8 MACs per lane where fp32 does 1

    # ---- memory ----
    def test_int8_weights_are_held_at_one_byte(self):
        if not self.has_int8:
            self.skipTest("this CPU has no VNNI: the weights are dequantized to float at plan time")
        fp32_w, int8_w = self.fp32["memory"]["weight_bytes"], self.int8["memory"]["weight_bytes"]
        conv_weights = sum(
            _numel(l["input_shapes"][3]) for l in self.int8["layers"] if l["op_type"].startswith("QLinearConv"))
        self.assertGreater(conv_weights, 20_000_000)  # ResNet-50's convolutions: 23.5 M weights
        # One byte per int8 weight (plus the float classifier and biases), not four.
        self.assertGreaterEqual(int8_w, conv_weights)
        self.assertLess(int8_w, conv_weights * 2)
        self.assertLess(int8_w, fp32_w / 3)

    # ---- compare ----
    def test_compare_pairs_float_layers_with_their_int8_layers(self):
        fp32 = {l["id"]: l for l in self.fp32["layers"]}
        int8 = {l["id"]: l for l in self.int8["layers"]}
        rows = self.cmp["layers"]
        seen_b = []
        for r in rows:
            ids_b = ([r["id_b"]] if r["id_b"] else []) + r["more_ids_b"]
            ids_a = ([r["id_a"]] if r["id_a"] else []) + r["more_ids_a"]
            seen_b += ids_b
            ops_b = {int8[i]["op_type"] for i in ids_b}
            ops_a = {fp32[i]["op_type"] for i in ids_a}
            # A conversion pairs with nothing but a conversion: the float model has none.
            if ops_b & CONVERSIONS:
                self.assertEqual(ids_a, [], r)
            if ids_a and ids_b:
                self.assertTrue(set().union(*(fp32[i]["source_names"] for i in ids_a)) &
                                set().union(*(int8[i]["source_names"] for i in ids_b)) or r["match"] != "name", r)
                t_a = sum(fp32[i]["time_us"]["median"] for i in ids_a)
                t_b = sum(int8[i]["time_us"]["median"] for i in ids_b)
                self.assertTrue(close(r["a"]["median_us"], t_a, 1e-12), r)
                self.assertTrue(close(r["b"]["median_us"], t_b, 1e-12), r)
                self.assertTrue(close(r["speedup"], t_a / t_b, 1e-12), r)
                self.assertEqual(r["data_type_a"], fp32[r["id_a"]]["data_type"])
                self.assertEqual(r["data_type_b"], int8[r["id_b"]]["data_type"])
        self.assertEqual(sorted(seen_b), sorted(int8))  # every int8 layer in exactly one row
        # Every float convolution found its int8 layer(s) by name.
        conv_rows = [r for r in rows if r["id_a"] and fp32[r["id_a"]]["op_type"].startswith("Conv")]
        self.assertEqual(len(conv_rows), sum(1 for l in fp32.values() if l["op_type"].startswith("Conv")))
        for r in conv_rows:
            self.assertEqual(r["match"], "name", r)
            self.assertTrue(int8[r["id_b"]]["op_type"].startswith("QLinearConv" if self.has_int8 else "Conv"), r)
        # A float layer split into several int8 layers (or the reverse) is one row, op types joined.
        for r in rows:
            if r["more_ids_b"]:
                self.assertEqual(r["op_type_b"], "+".join(int8[i]["op_type"] for i in [r["id_b"]] + r["more_ids_b"]))
        self.assertIn("Speed-up", self.cmp_text)
        if self.has_int8:
            self.assertIn("FLOAT/INT8", self.cmp_text.replace("FLOAT/UINT8", "FLOAT/INT8"))

    # ---- findings ----
    def test_findings_on_a_quantized_model(self):
        # Optimized: every convolution is int8, so no int8 fallback finding; without VNNI every
        # one is float, and the finding says the CPU is why.
        text = read(os.path.join(self.out["int8"], "perf.txt"))
        if self.has_int8:
            self.assertNotIn("ran in float between DequantizeLinear and QuantizeLinear", text)
        else:
            self.assertIn("ran in float between DequantizeLinear and QuantizeLinear", text)
            self.assertIn("no int8 dot-product instruction", " ".join(text.split()))
        # Rewrites off: each Conv runs in float between its DequantizeLinear and QuantizeLinear.
        plain_text = read(os.path.join(self.out["int8_plain"], "perf.txt"))
        convs = [l for l in self.plain["layers"] if l["op_type"] == "Conv"]
        self.assertGreaterEqual(len(convs), 50)
        self.assertIn("%d layers of the quantized model ran in float between DequantizeLinear and QuantizeLinear"
                      % len(convs), plain_text)
        in_float = [f for f in self.plain["findings"] if f["kind"] == "int8_fallback" and "in float" in f["title"]]
        self.assertEqual(in_float[0]["layer_ids"], [l["id"] for l in convs])
        for report in (self.int8, self.plain, *self.ort.values()):
            self.check_findings(report)

    def check_findings(self, r):
        """The quantization findings of report `r` against the rules computed here from its layers."""
        layers = {l["id"]: l for l in r["layers"]}
        producer = {v: l for l in r["layers"] for v in l["output_names"] if v}
        consumers = {}
        for l in r["layers"]:
            for v in l["input_names"]:
                consumers.setdefault(v, []).append(l)

        def reads_dq(l):
            for v in l["input_names"]:
                p = producer.get(v)
                while p is not None and p["op_type"] in PASS_THROUGH:
                    p = producer.get(p["input_names"][0])
                if p is not None and p["op_type"] == "DequantizeLinear":
                    return True
            return False

        def feeds_q(l):
            frontier = [l]
            while frontier:
                nxt = []
                for f in frontier:
                    for v in f["output_names"]:
                        for c in consumers.get(v, []):
                            if c["op_type"] == "QuantizeLinear":
                                return True
                            if c["op_type"] in PASS_THROUGH:
                                nxt.append(c)
                frontier = nxt
            return False

        expected_float = [l["id"] for l in r["layers"] if l["macs"] > 0 and l["data_type"] not in QUANTIZED_TYPES
                          and l["op_type"] not in CONVERSIONS and reads_dq(l) and feeds_q(l)]
        found = {}
        for f in r["findings"]:
            key = f["kind"] + (":float" if "in float" in f["title"] else ":ref" if "reference" in f["title"] else "")
            found[key] = f["layer_ids"]
        self.assertEqual(found.get("int8_fallback:float", []), expected_float, r["model_path"])
        expected_ref = [l["id"] for l in r["layers"] if l["data_type"] in ("INT8", "UINT8")
                        and l["op_type"] not in CONVERSIONS and l["kernel"] == "ref"]
        self.assertEqual(found.get("int8_fallback:ref", []), expected_ref, r["model_path"])
        # The general fallback rule leaves the int8 layers on 'ref' to int8_fallback.
        self.assertFalse(set(found.get("fallback_kernels", [])) & set(expected_ref))
        conversions = [l for l in r["layers"] if l["op_type"] in CONVERSIONS]
        share = 100.0 * sum(l["time_us"]["median"] for l in conversions) / r["layer_sum_us"]
        if conversions and share >= QUANT_CONVERSION_SHARE_PCT:
            self.assertEqual(found.get("quant_conversions"), [l["id"] for l in conversions], r["model_path"])
        else:
            self.assertNotIn("quant_conversions", found, r["model_path"])


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models-dir", default=os.environ.get("LAYERSCOPE_MODELS_DIR",
                                                           os.path.join(REPO, ".cache", "models")))
    args, rest = ap.parse_known_args()
    CLI = os.path.abspath(args.cli)
    MODELS_DIR = args.models_dir
    unittest.main(argv=[sys.argv[0]] + rest)
