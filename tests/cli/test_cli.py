#!/usr/bin/env python3
"""Tier 5: the `layerscope` command, end to end, on small models built here with onnx.helper.

    python tests/cli/test_cli.py --cli build/layerscope
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

CLI = None


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)


def relu_add_model(path, output_name="y:0"):
    """y = Relu(x) + b, with an output name that is unsafe as a file name."""
    b = helper.make_tensor("b", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])
    g = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"], name="relu_1"),
         helper.make_node("Add", ["r", "b"], [output_name], name="add_1")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [2, 4])],
        [b])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, path)


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model = os.path.join(self.dir, "relu_add.onnx")
        relu_add_model(self.model)

    def tearDown(self):
        self.tmp.cleanup()

    def test_version_and_help(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^layerscope \d+\.\d+\.\d+")
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for sub in ("run", "perf"):
            self.assertIn(sub, r.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        r = run("run", self.model, "--threads", "many")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--threads", r.stderr)
        self.assertEqual(run("run").returncode, 2)

    def test_missing_and_corrupt_model_exit_1(self):
        r = run("run", os.path.join(self.dir, "nope.onnx"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.onnx", r.stderr)
        self.assertIn("does not exist", r.stderr)
        bad = os.path.join(self.dir, "bad.onnx")
        with open(self.model, "rb") as f:
            data = f.read()
        with open(bad, "wb") as f:
            f.write(data[: len(data) // 2])
        r = run("run", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.onnx", r.stderr)

    def test_run_with_input_writes_safe_output_names(self):
        x = np.array([[-1, 2, -3, 4], [5, -6, 7, -8]], dtype=np.float32)
        xf = os.path.join(self.dir, "x.npy")
        np.save(xf, x)
        out = os.path.join(self.dir, "out")
        r = run("run", self.model, "--input", f"x={xf}", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("y:0", r.stdout)
        self.assertIn("(2,4)", r.stdout)
        self.assertIn("median", r.stdout)
        self.assertNotIn("random", r.stderr)
        y = np.load(os.path.join(out, "y_0.npy"))
        np.testing.assert_allclose(y, np.maximum(x, 0) + np.array([1, 2, 3, 4], dtype=np.float32))

    def test_random_inputs_are_announced(self):
        r = run("run", self.model)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("random", r.stderr)
        self.assertIn("seed", r.stderr)

    def test_wrong_input_shape_and_name(self):
        xf = os.path.join(self.dir, "x.npy")
        np.save(xf, np.zeros((3, 4), np.float32))
        r = run("run", self.model, "--input", f"x={xf}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("(3,4)", r.stderr)
        r = run("run", self.model, "--input", f"image={xf}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no input named 'image'", r.stderr)
        np.save(xf, np.zeros((2, 4), np.int64))
        r = run("run", self.model, "--input", f"x={xf}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("INT64", r.stderr)

    def test_mem_prints_memory_dump_and_measured_growth(self):
        r = run("mem", self.model)
        self.assertEqual(r.returncode, 0, r.stderr)
        for needle in ("Memory Profile Info Dump", "Weight Memory: 0.02 KiB", "Internal Tensor Memory:",
                       "Other Memory:", "Total Memory:", "current model size is:", "Measured peak RSS growth: load"):
            self.assertIn(needle, r.stdout)

    def test_image_input_is_resized_normalised_and_laid_out(self):
        from PIL import Image
        # A model whose input is an NCHW float image; Identity-like Relu keeps values >= 0
        # visible, so feed mean 0 / std 1 and check against numpy's own preprocessing.
        path = os.path.join(self.dir, "img_model.onnx")
        g = helper.make_graph(
            [helper.make_node("Relu", ["image"], ["out"], name="relu")], "g",
            [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 4, 6])],
            [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 4, 6])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, path)
        rgb = np.zeros((8, 12, 3), np.uint8)
        rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50   # flat colour: resize-invariant
        jpg = os.path.join(self.dir, "flat.jpg")
        Image.fromarray(rgb).save(jpg, quality=100)
        decoded = np.asarray(Image.open(jpg)).astype(np.float32)
        out = os.path.join(self.dir, "img_out")
        r = run("run", path, "--image", jpg, "--mean", "10,20,30", "--std", "2,4,5", "--bgr", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        y = np.load(os.path.join(out, "out.npy"))
        self.assertEqual(y.shape, (1, 3, 4, 6))
        want_bgr = decoded.mean(axis=(0, 1))[::-1]
        for c, (mean, std) in enumerate(((10, 2), (20, 4), (30, 5))):
            np.testing.assert_allclose(y[0, c], (want_bgr[c] - mean) / std, atol=1.0 / std)
        r = run("run", path, "--image", os.path.join(self.dir, "missing.jpg"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing.jpg", r.stderr)
        r = run("run", path, "--image", self.model)   # not a JPEG
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a readable JPEG", r.stderr)

    def test_perf_prints_tables_and_writes_report(self):
        out = os.path.join(self.dir, "perf")
        r = run("perf", self.model, "--warmup", "1", "--runs", "5", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for needle in ("Network Layer Information Table", "Operator Time Consuming Ranking Table",
                       "Total Operator Elapsed Per Frame Time(us):", "Total Memory Read/Write Per Frame Size(KB):",
                       "Profiling overhead:", "Layer sum / end-to-end:", "Memory Profile Info Dump",
                       "Relu:relu_1", "Add:add_1"):
            self.assertIn(needle, r.stdout)
        with open(os.path.join(out, "perf.txt")) as f:
            self.assertIn("Network Layer Information Table", f.read())


if __name__ == "__main__":
    CLI = sys.argv[sys.argv.index("--cli") + 1]
    del sys.argv[sys.argv.index("--cli"):sys.argv.index("--cli") + 2]
    unittest.main(verbosity=2)
