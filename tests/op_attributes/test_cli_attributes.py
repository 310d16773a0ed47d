#!/usr/bin/env python3
"""Unknown or mistyped attributes through the `layerscope` command: exit status 1, one message
naming the file, node, op, opset and attribute, and no output file written. A model whose
attributes are all valid still runs.

    python tests/op_attributes/test_cli_attributes.py --cli build/layerscope
"""
import argparse
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

CLI = None


def save_model(path, node, inputs, output, initializers=(), opset=17):
    g = helper.make_graph([node], "g", inputs, [output], list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.save(m, path)


def conv_model(path, **attrs):
    """x (1, 2, 3, 3) -> Conv(W = ones (1, 2, 2, 2)) named conv1, with `attrs`."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [1, 2, 2, 2], np.ones(8, np.float32))
    save_model(path, helper.make_node("Conv", ["x", "w"], ["y"], name="conv1", **attrs),
               [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
               helper.make_tensor_value_info("y", TensorProto.FLOAT, None), [w])


class Attributes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, model, *args):
        out = os.path.join(self.dir, "out")
        r = subprocess.run([CLI, "run", model, "--warmup", "0", "--runs", "1", "--out", out, *args],
                           capture_output=True, text=True, timeout=120)
        written = os.listdir(out) if os.path.isdir(out) else []
        return r, written

    def expect_refused(self, model, message):
        r, written = self.run_cli(model)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"error: '{model}': {message}", r.stderr)
        self.assertEqual(written, [], "no output may be written for a refused model")

    def test_misspelt_pads(self):
        model = os.path.join(self.dir, "padz.onnx")
        conv_model(model, padz=[1, 1, 1, 1])
        self.expect_refused(model, "'Conv' node 'conv1' (opset 17): unknown attribute 'padz'; Conv accepts "
                                   "auto_pad, dilations, group, kernel_shape, pads, strides")

    def test_relu_alpha(self):
        model = os.path.join(self.dir, "relu_alpha.onnx")
        save_model(model, helper.make_node("Relu", ["x"], ["y"], name="relu1", alpha=0.5),
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
                   helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3]))
        self.expect_refused(model, "'Relu' node 'relu1' (opset 17): unknown attribute 'alpha'; "
                                   "Relu accepts no attributes")

    def test_wrong_type(self):
        model = os.path.join(self.dir, "float_pads.onnx")
        conv_model(model, pads=1.0)
        self.expect_refused(model, "'Conv' node 'conv1' (opset 17): attribute 'pads' is FLOAT, expected INTS")

    def test_valid_attributes_run(self):
        # pads honoured: (3 + 2 - 2) / 2 + 1 = 2 outputs per side, not the unpadded 1. With
        # x = ones, output (i, j) sums the in-range pixels of rows/cols 2i-1..2i over 2 channels.
        model = os.path.join(self.dir, "conv_ok.onnx")
        conv_model(model, pads=[1, 1, 1, 1], strides=[2, 2], kernel_shape=[2, 2], group=1, auto_pad="NOTSET")
        x = os.path.join(self.dir, "x.npy")
        np.save(x, np.ones((1, 2, 3, 3), np.float32))
        r, written = self.run_cli(model, "--input", f"x={x}")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(written, ["y.npy"])
        y = np.load(os.path.join(self.dir, "out", "y.npy"))
        np.testing.assert_array_equal(y, np.array([[[[2, 4], [4, 8]]]], np.float32))


def main():
    global CLI
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    a, rest = ap.parse_known_args()
    CLI = os.path.abspath(a.cli)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
