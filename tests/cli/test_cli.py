#!/usr/bin/env python3
"""Tier 5: the `layerscope` command, end to end, on small models built here with onnx.helper.

    python tests/cli/test_cli.py --cli build/layerscope
"""
import os
import subprocess
import sys
import tempfile
import time
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


def conv_relu_model(path):
    """y = Relu(Conv(x, W)): fused into one ConvRelu layer unless --no-optimize."""
    rng = np.random.default_rng(0)
    w = helper.make_tensor("w", TensorProto.FLOAT, [8, 4, 3, 3], rng.standard_normal(8 * 4 * 9).astype(np.float32))
    g = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"], name="relu")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16])],
        [w])
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

    def started_environment(self, extra_env):
        """The environment a long `layerscope bench` process runs with, read from /proc once
        the command is past its start (the command may execute itself again, with a changed
        environment, before anything else; omp_wait_default.cpp)."""
        env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
        env.update(extra_env)
        p = subprocess.Popen([CLI, "bench", self.model, "--runs", "100000000", "--warmup", "0"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # The model loads long after main() starts: half a second in, the exec (if any)
            # is behind us and the timed runs go on.
            time.sleep(0.5)
            self.assertIsNone(p.poll(), "the bench command ended early")
            with open(f"/proc/{p.pid}/environ", "rb") as f:
                items = f.read().split(b"\0")
            return dict(i.decode(errors="replace").split("=", 1) for i in items if b"=" in i)
        finally:
            p.kill()
            p.wait()

    def test_the_command_shortens_openmp_spinning_unless_the_environment_says(self):
        # libgomp's default spin wait made 2-thread runs 3-4x slower than onnxruntime on a busy
        # machine; the command defaults to GOMP_SPINCOUNT=1000 and respects a user's choice.
        self.assertEqual(self.started_environment({}).get("GOMP_SPINCOUNT"), "1000")
        self.assertEqual(self.started_environment({"GOMP_SPINCOUNT": "5000"}).get("GOMP_SPINCOUNT"), "5000")
        vals = self.started_environment({"OMP_WAIT_POLICY": "passive"})
        self.assertEqual(vals.get("OMP_WAIT_POLICY"), "passive")
        self.assertNotIn("GOMP_SPINCOUNT", vals)

    def test_run_prints_a_sequence_output_and_refuses_a_sequence_input(self):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2])
        seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)
        split = helper.make_node("SplitToSequence", ["x"], ["s"], axis=0)
        model = os.path.join(self.dir, "split.onnx")
        m = helper.make_model(helper.make_graph([split], "g", [x], [seq]), opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, model)
        out = os.path.join(self.dir, "split_out")
        r = run("run", model, "--runs", "1", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("seq(tensor(FLOAT)) of 3 tensors: (1,2) (1,2) (1,2)", r.stdout)
        self.assertEqual(sorted(os.listdir(out)), ["s_0.npy", "s_1.npy", "s_2.npy"])

        ident = helper.make_node("Identity", ["s"], ["y"])
        m = helper.make_model(helper.make_graph([ident], "g", [seq], [helper.make_tensor_sequence_value_info(
            "y", TensorProto.FLOAT, None)]), opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, model)
        r = run("run", model)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("input 's' is seq(tensor(FLOAT))", r.stderr)
        self.assertIn("Session::run_values", r.stderr)

    def test_float8_and_int4_inputs_and_outputs(self):
        """.npy for the types NumPy lacks: bit patterns / values as uint8 or int8, or the onnx package's
        element types (docs/ops.md, "float8 and 4-bit integers"); outputs come back in the latter."""
        from onnx import _custom_element_types as custom
        from onnx import numpy_helper
        s = helper.make_tensor("s", TensorProto.FLOAT, [], [2.0])
        zp = helper.make_tensor("zp", TensorProto.FLOAT8E5M2, [], [0.0])
        g = helper.make_graph(
            [helper.make_node("DequantizeLinear", ["x", "s"], ["y"], name="dq"),
             helper.make_node("Cast", ["y"], ["z"], name="to_int4", to=TensorProto.INT4),
             helper.make_node("QuantizeLinear", ["y", "s", "zp"], ["w"], name="q")],
            "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT8E4M3FN, [4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4]),
             helper.make_tensor_value_info("z", TensorProto.INT4, [4]),
             helper.make_tensor_value_info("w", TensorProto.FLOAT8E5M2, [4])], [s, zp])
        model = os.path.join(self.dir, "f8.onnx")
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 21)])
        m.ir_version = 10
        onnx.save(m, model)
        # E4M3FN bits: 1.0, -3.0, 448, NaN.
        bits = np.array([0x38, 0xC4, 0x7E, 0x7F], dtype=np.uint8)
        xf = os.path.join(self.dir, "x.npy")
        out = os.path.join(self.dir, "out")
        for given in (bits, bits.view(custom.float8e4m3fn)):
            np.save(xf, given)
            r = run("run", model, "--input", f"x={xf}", "--runs", "1", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("FLOAT8E5M2", r.stdout)
            y = np.load(os.path.join(out, "y.npy"))
            np.testing.assert_array_equal(y, np.array([2, -6, 896, np.nan], dtype=np.float32))
            z = np.load(os.path.join(out, "z.npy"))
            self.assertEqual(z.dtype.names, ("int4",))  # np.load gives the plain structured form of custom.int4
            np.testing.assert_array_equal(z["int4"], [2, -6, 7, 0])  # rounded, saturated; NaN -> 0
            w = np.load(os.path.join(out, "w.npy"))
            self.assertEqual(w.dtype.names, ("e5m2",))
            # y / 2 back in E5M2: 1, -3, 448, NaN, as onnx decodes them.
            np.testing.assert_array_equal(numpy_helper.float8e5m2_to_float32(w["e5m2"]),
                                          np.array([1, -3, 448, np.nan], dtype=np.float32))
        # A float array is not rounded to float8 on the way in: refused, saying what to give.
        np.save(xf, np.array([1, 2, 3, 4], dtype=np.float32))
        r = run("run", model, "--input", f"x={xf}")
        self.assertEqual(r.returncode, 1)
        self.assertIn("input 'x' is FLOAT8E4M3FN", r.stderr)
        self.assertIn("its bit patterns as uint8", r.stderr)
        # Random inputs exist for the types, and the report names them.
        r = run("perf", model, "--warmup", "1", "--runs", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("FLOAT8E4M3FN", r.stdout)
        self.assertIn("FLOAT8E5M2", r.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        r = run("run", self.model, "--threads", "many")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--threads", r.stderr)
        self.assertEqual(run("run").returncode, 2)

    def test_no_optimize_profiles_every_onnx_node_as_its_own_layer(self):
        import json
        model = os.path.join(self.dir, "conv_relu.onnx")
        conv_relu_model(model)
        layers = {}
        for flag in ([], ["--no-optimize"]):
            out = os.path.join(self.dir, "report" + "".join(flag))
            r = run("perf", model, "--runs", "2", "--warmup", "1", "--out", out, *flag)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "perf.json")) as f:
                report = json.load(f)
            self.assertEqual(report["optimized"], not flag)
            layers[bool(flag)] = [l["op_type"] for l in report["layers"] if l["op_type"] != "Reorder"]
            self.assertEqual("Graph rewrites: off" in r.stdout, bool(flag))
        self.assertEqual(layers[False], ["ConvRelu"])
        self.assertEqual(layers[True], ["Conv", "Relu"])
        x = np.random.default_rng(1).standard_normal((1, 4, 16, 16)).astype(np.float32)
        np.save(os.path.join(self.dir, "x.npy"), x)
        outs = []
        for flag in ([], ["--no-optimize"]):
            out = os.path.join(self.dir, "run" + "".join(flag))
            r = run("run", model, "--input", "x=" + os.path.join(self.dir, "x.npy"), "--out", out, *flag)
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(np.load(os.path.join(out, "y.npy")))
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)

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

    def image_model(self, name, height, width):
        """A Relu over a (1, 3, height, width) float image input "image", saved in the test folder."""
        path = os.path.join(self.dir, name)
        shape = [1, 3, height, width]
        g = helper.make_graph(
            [helper.make_node("Relu", ["image"], ["out"], name="relu")], "g",
            [helper.make_tensor_value_info("image", TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info("out", TensorProto.FLOAT, shape)])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, path)
        return path

    def test_image_input_is_resized_normalised_and_laid_out(self):
        from PIL import Image
        # A model whose input is an NCHW float image; Identity-like Relu keeps values >= 0
        # visible, so feed mean 0 / std 1 and check against numpy's own preprocessing.
        path = self.image_model("img_model.onnx", 4, 6)
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
        r = run("run", path, "--image", self.model)   # not an image
        self.assertEqual(r.returncode, 1)
        self.assertIn("signature of no image format", r.stderr)

    def test_image_input_reads_png_bmp_and_pnm_by_their_bytes(self):
        from PIL import Image
        # A 1x3x5x7 NCHW image model; the image is already 5x7, so no resize: the output is the
        # decoded pixels themselves, exactly, whatever the container.
        path = self.image_model("img_model_57.onnx", 5, 7)
        rgb = np.random.default_rng(7).integers(0, 256, (5, 7, 3), dtype=np.uint8)
        want = rgb.transpose(2, 0, 1)[None].astype(np.float32)
        for name in ("pixels.png", "pixels.bmp", "pixels.ppm", "named_wrongly.jpg"):
            f = os.path.join(self.dir, name)
            Image.fromarray(rgb).save(f, format="PNG" if name.endswith(".jpg") else None)
            out = os.path.join(self.dir, "out_" + name.replace(".", "_"))
            r = run("run", path, "--image", f, "--out", out)
            self.assertEqual(r.returncode, 0, name + ": " + r.stderr)
            np.testing.assert_array_equal(np.load(os.path.join(out, "out.npy")), want, err_msg=name)
        tiff = os.path.join(self.dir, "pixels.tiff")
        Image.fromarray(rgb).save(tiff)
        r = run("run", path, "--image", tiff, "--out", os.path.join(self.dir, "out_tiff"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("pixels.tiff", r.stderr)
        self.assertIn("it is a TIFF image", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "out_tiff")))

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



def run_with_tty_stderr(*args, env=None):
    """Runs the CLI with stderr on a pseudo-terminal (as in an interactive shell); returns
    (exit code, stdout, everything written to the terminal)."""
    import pty
    import select
    master, slave = pty.openpty()
    p = subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=slave, text=False, env=env)
    os.close(slave)
    seen = b""
    out = b""
    open_fds = [master, p.stdout.fileno()]
    try:
        while master in open_fds:  # until every writer has closed the terminal (EOF or EIO)
            ready, _, _ = select.select(open_fds, [], [], 300)
            if not ready:
                raise TimeoutError("no output for 300 s")
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO on the terminal once the child is gone
                    chunk = b""
                if not chunk:
                    open_fds.remove(fd)
                elif fd == master:
                    seen += chunk
                else:
                    out += chunk
        out += p.stdout.read()
        p.wait(timeout=300)
    finally:
        os.close(master)
        p.stdout.close()
        if p.poll() is None:
            p.kill()
    return p.returncode, out.decode(), seen.decode(errors="replace")


class CliPolish(unittest.TestCase):
    """--help per subcommand, progress only on a terminal, usage errors, --cores."""

    SUBCOMMANDS = ("run", "perf", "mem", "bench", "machine")

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model = os.path.join(self.dir, "relu_add.onnx")
        relu_add_model(self.model)

    def tearDown(self):
        self.tmp.cleanup()

    def test_each_subcommand_has_help_with_options_and_examples(self):
        for sub in self.SUBCOMMANDS:
            for flag in ("--help", "-h"):
                r = run(sub, flag)
                self.assertEqual(r.returncode, 0, (sub, r.stderr))
                self.assertTrue(r.stdout.startswith(f"usage: layerscope {sub}"), r.stdout)
                for section in ("options:", "examples:", "exit codes:", "--help"):
                    self.assertIn(section, r.stdout, (sub, section))
                examples = r.stdout.split("examples:\n")[1].split("\n\n")[0].splitlines()
                self.assertGreaterEqual(len(examples), 2, sub)
                for e in examples:
                    self.assertTrue(e.strip().startswith(f"layerscope {sub}"), e)
        for sub in ("run", "perf", "mem", "bench"):
            r = run(sub, "--help")
            for option in ("--input", "--image", "--threads", "--cores"):
                self.assertIn(option, r.stdout, (sub, option))
        self.assertIn("--recalibrate", run("machine", "--help").stdout)
        # The top-level help lists every subcommand and how to get its help.
        r = run("--help")
        for sub in self.SUBCOMMANDS:
            self.assertRegex(r.stdout, rf"\n  {sub} +\S")
        self.assertIn("<command> --help", r.stdout)

    def test_every_option_in_the_help_is_accepted(self):
        """The help and the parser come from one spec: an option the help lists is never unknown."""
        import re
        r = run("bench", "--help")
        options = set(re.findall(r"^  --([a-z-]+)", r.stdout, re.M)) - {"help", "input", "image"}
        for option in sorted(options):
            args = ["bench", self.model, "--runs", "1", "--warmup", "0"]
            if option in ("json", "bgr", "no-optimize"):
                args.append(f"--{option}")
            elif option in ("mean", "std"):
                args += [f"--{option}", "1,1,1"]
            elif option == "cores":
                args += ["--cores", "0"]
            elif option == "max-memory":
                args += ["--max-memory", "64M"]
            elif option not in ("runs", "warmup"):
                args += [f"--{option}", "1"]
            r = run(*args)
            self.assertEqual(r.returncode, 0, (option, r.stderr))

    def test_unknown_option_exits_2_naming_it(self):
        for sub in ("run", "perf", "mem", "bench", "machine"):
            args = [sub] + ([] if sub == "machine" else [self.model]) + ["--frobnicate"]
            r = run(*args)
            self.assertEqual(r.returncode, 2, sub)
            self.assertIn("unknown option --frobnicate", r.stderr)
            self.assertIn(f"layerscope {sub} --help", r.stderr)
        r = run("bench", self.model, "--runs")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--runs needs a value", r.stderr)

    def test_no_progress_when_stderr_is_a_pipe(self):
        for args in (("perf", self.model, "--warmup", "2", "--runs", "30"),
                     ("bench", self.model, "--warmup", "2", "--runs", "200"),
                     ("run", self.model, "--runs", "30")):
            r = run(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("\r", r.stderr, args[0])
            self.assertNotIn("\033[K", r.stderr, args[0])
            self.assertNotRegex(r.stderr, r"(run|warm-up) \d+/\d+", args[0])

    def test_progress_on_a_terminal_is_drawn_in_place_and_erased(self):
        code, out, tty = run_with_tty_stderr("bench", self.model, "--warmup", "3", "--runs", "50")
        self.assertEqual(code, 0, tty)
        self.assertIn("\rbench: run 50/50", tty)   # the last step is always drawn
        self.assertTrue(tty.endswith("\r\x1b[K"), repr(tty[-40:]))  # and erased at the end
        self.assertNotIn("bench:", out)             # results on stdout stay clean
        self.assertIn("latency over 50 runs", out)
        code, out, tty = run_with_tty_stderr("perf", self.model, "--warmup", "1", "--runs", "5")
        self.assertEqual(code, 0, tty)
        self.assertIn("\rperf: run 5/5", tty)

    def test_calibration_ticks_on_a_terminal_only(self):
        # A private cache folder, so this calibrates (a few seconds) without touching the user's cache.
        env = dict(os.environ, LAYERSCOPE_CACHE_DIR=os.path.join(self.dir, "cache"))
        code, out, tty = run_with_tty_stderr("machine", env=env)
        self.assertEqual(code, 0, tty)
        self.assertRegex(tty, r"\rcalibrating this machine .*\d+ s")
        self.assertTrue(tty.endswith("\r\x1b[K"), repr(tty[-40:]))
        self.assertIn("clock", out.lower())
        r = subprocess.run([CLI, "machine", "--recalibrate"], capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("calibrating this machine", r.stderr)  # one plain notice line ...
        self.assertNotIn("\r", r.stderr)                     # ... and no progress
        self.assertNotRegex(r.stderr, r"\d+ s")

    def test_cores_lists_are_parsed_and_checked(self):
        allowed = sorted(os.sched_getaffinity(0))
        goods = ["0", "0-0"] + ([f"{allowed[1]},{allowed[0]}", f"{allowed[0]}-{allowed[1]}"] if len(allowed) > 1 else [])
        for good in goods:
            r = run("run", self.model, "--cores", good, "--runs", "1")
            self.assertEqual(r.returncode, 0, (good, r.stderr))
        for bad in ("a", "1-0", "", "0,,1", "-1", "0-", "0;1", " 0"):
            r = run("run", self.model, "--cores", bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn("--cores", r.stderr)
        r = run("bench", self.model, "--cores", "4095", "--runs", "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("core 4095 is not available to this process; allowed cores:", r.stderr)
        r = run("run", self.model, "--cores", "0,0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("listed twice", r.stderr)
        r = run("bench", self.model, "--cores", "0", "--runs", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        b = json.loads(r.stdout)
        self.assertEqual((b["threads"], b["cores"]), (1, [0]))
        r = run("perf", self.model, "--cores", "0", "--threads", "2", "--runs", "2", "--warmup", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Pinned: worker 0 -> core 0, worker 1 -> core 0", r.stdout)

    def test_max_memory_bounds_the_plan_and_is_parsed(self):
        # relu_add's tensors are 2x4 floats (32 bytes): 16 bytes refuses the input, 1K runs it.
        r = run("run", self.model, "--max-memory", "16")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("graph input 'x' would have shape (2,4) of FLOAT = 32 B, more than the memory limit of 16 B "
                      "(--max-memory)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "y_0.npy")))
        r = run("run", self.model, "--max-memory", "1K", "--out", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        for bad in ("0", "-5", "12Q", "M", "1.5.2G", "nan"):
            r = run("bench", self.model, "--max-memory", bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("--max-memory", r.stderr)
        # A model declaring a 10 TiB input is refused at once under the default limit.
        big = os.path.join(self.dir, "big.onnx")
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="r")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 1000000, 1000000])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 1000000, 1000000])])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.save(m, big)
        r = run("perf", big)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("big.onnx", r.stderr)
        self.assertIn("10.91 TiB, more than the memory limit of", r.stderr)
        self.assertIn("(available memory)", r.stderr)

if __name__ == "__main__":
    CLI = sys.argv[sys.argv.index("--cli") + 1]
    del sys.argv[sys.argv.index("--cli"):sys.argv.index("--cli") + 2]
    unittest.main(verbosity=2)
