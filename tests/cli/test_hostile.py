#!/usr/bin/env python3
"""Tier 5: the `layerscope` command against hostile files and arguments (issue 10, items 4 and 5).
Each case once crashed, hung, ate memory, printed garbage or succeeded silently with a wrong
answer; now it is a clear error (usage errors exit 2, input/model errors exit 1) or the right
answer, and no failed command leaves a file behind.

    python tests/cli/test_hostile.py --cli build/layerscope

Works as root too (CI runs as root, which ignores permission bits): an unwritable destination
is /proc or a path under a regular file, a full one is a file-size limit (RLIMIT_FSIZE with
SIGXFSZ ignored: writes fail with EFBIG, as on a full disk).
"""
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

CLI = None
HERE = os.path.dirname(os.path.abspath(__file__))
RKNN_2X = os.path.join(HERE, "..", "data", "rknn", "eval_perf_2x.txt")


def run(*args, file_limit=None, env=None):
    """Runs the CLI; `file_limit` caps the size of every file it writes (a full disk)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300, env=env,
                          preexec_fn=limit if file_limit else None)


def save_model(path, nodes, inputs, outputs, initializers=(), ir_version=8):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = ir_version
    onnx.save(m, path)


def two_outputs_model(path, first, second):
    """first = Relu(x), second = Neg(x), x FLOAT (4,)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    save_model(path, [helper.make_node("Relu", ["x"], [first], name="relu"),
                      helper.make_node("Neg", ["x"], [second], name="neg")],
               [x], [helper.make_tensor_value_info(first, TensorProto.FLOAT, [4]),
                     helper.make_tensor_value_info(second, TensorProto.FLOAT, [4])])


def image_model(path):
    save_model(path, [helper.make_node("Relu", ["image"], ["out"], name="relu")],
               [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 4, 6])],
               [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 4, 6])])


def listing(path):
    return sorted(os.listdir(path))


class HostileCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.model = self.path("two.onnx")
        two_outputs_model(self.model, "first", "second")
        self.x = self.path("x.npy")
        np.save(self.x, np.array([-1, 2, -3, 4], np.float32))

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def assert_usage_error(self, r, *needles):
        self.assertEqual(r.returncode, 2, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)

    def assert_failure(self, r, *needles):
        self.assertEqual(r.returncode, 1, r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertNotIn("internal error", r.stderr)

    # ---- arguments ----

    def test_thread_counts_beyond_the_bound_are_usage_errors(self):
        # 70000 and 100000 crashed inside libgomp while the plan was built; 50000 printed only
        # libgomp's "Thread creation failed".
        for n in ("100000", "70000", "50000", "1025"):
            for sub in ("run", "perf", "bench", "mem"):
                r = run(sub, self.model, "--threads", n)
                self.assert_usage_error(r, f"--threads must be at most 1024, got {n}")

    def test_an_input_given_twice_is_a_usage_error(self):
        other = self.path("other.npy")
        np.save(other, np.array([5, 6, 7, 8], np.float32))
        single = self.path("single.onnx")
        save_model(single, [helper.make_node("Relu", ["x"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
        for args in (["--input", f"x={self.x}", "--input", f"x={other}"],   # B silently won
                     ["--input", self.x, "--input", f"x={other}"]):          # unnamed + named
            r = run("run", single, *args)
            self.assert_usage_error(r, "input 'x' is given twice")
        img = self.path("img.onnx")
        image_model(img)
        from PIL import Image
        jpg = self.path("flat.jpg")
        Image.fromarray(np.full((8, 12, 3), 100, np.uint8)).save(jpg)
        arr = self.path("image.npy")
        np.save(arr, np.zeros((1, 3, 4, 6), np.float32))
        r = run("run", img, "--input", f"image={arr}", "--image", jpg)   # --image silently won
        self.assert_usage_error(r, "input 'image' is given by both --input and --image")

    def test_options_given_twice_are_usage_errors_before_any_work(self):
        for args in (["--out", self.path("a"), "--out", self.path("b")], ["--threads", "1", "--threads", "2"],
                     ["--runs", "1", "--runs", "2"]):
            r = run("run", self.model, *args)
            self.assert_usage_error(r, f"option {args[0]} is given 2 times")
        self.assertFalse(os.path.exists(self.path("a")))
        r = run("perf", self.model, "--out", self.path("p1"), "--out", self.path("p2"))
        self.assert_usage_error(r, "option --out is given 2 times")
        self.assertNotIn("Network Layer", r.stdout)   # refused before profiling

    def test_non_finite_mean_and_zero_or_non_finite_std_are_usage_errors(self):
        img = self.path("img.onnx")
        image_model(img)
        for option, value, needle in (("--std", "nan,nan,nan", "finite"), ("--std", "1,inf,1", "finite"),
                                      ("--std", "1,0,1", "non-zero"), ("--std", "0,0,0", "non-zero"),
                                      ("--mean", "nan,0,0", "finite"), ("--mean", "0,-inf,0", "finite")):
            r = run("run", img, option, value)
            self.assert_usage_error(r, f"{option} ", needle)

    # ---- images ----

    def make_jpeg(self, name, h=48, w=64):
        from PIL import Image
        rng = np.random.default_rng(0)
        path = self.path(name)
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path, quality=90)
        with open(path, "rb") as f:
            return path, f.read()

    def test_jpeg_claiming_a_huge_image_is_refused_from_its_header(self):
        _, data = self.make_jpeg("small.jpg")
        sof = data.find(b"\xff\xc0")
        patched = bytearray(data)
        patched[sof + 5:sof + 9] = (65500).to_bytes(2, "big") + (65500).to_bytes(2, "big")
        huge = self.path("huge.jpg")
        with open(huge, "wb") as f:
            f.write(patched)
        img = self.path("img.onnx")
        image_model(img)
        # It used to allocate 12.9 GB for 55 s and exit 0; now the header alone refuses it.
        r = run("run", img, "--image", huge, "--out", self.path("out"))
        self.assert_failure(r, "huge.jpg", "65500 x 65500 pixels", "over 100 megapixels are refused")
        self.assertFalse(os.path.exists(self.path("out")))

    def test_truncated_jpeg_is_an_error_naming_the_file(self):
        _, data = self.make_jpeg("whole.jpg")
        cut = self.path("cut.jpg")
        with open(cut, "wb") as f:
            f.write(data[: len(data) // 2])
        img = self.path("img.onnx")
        image_model(img)
        r = run("run", img, "--image", cut)   # used to run with only libjpeg's warning
        self.assert_failure(r, "cut.jpg", "corrupt or truncated JPEG data", "Premature end of JPEG file")

    def decoder_model(self, name, stream=None):
        """An ImageDecoder node (opset 20) reading the graph input 'encoded' or, given `stream`
        (bytes), a constant initializer holding it."""
        node = helper.make_node("ImageDecoder", ["encoded"], ["image"], name="decode")
        out = helper.make_tensor_value_info("image", TensorProto.UINT8, [None, None, None])
        if stream is None:
            g = helper.make_graph([node], "g", [helper.make_tensor_value_info("encoded", TensorProto.UINT8, [None])],
                                  [out])
        else:
            init = helper.make_tensor("encoded", TensorProto.UINT8, [len(stream)], stream, raw=True)
            g = helper.make_graph([node], "g", [], [out], [init])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 20)])
        m.ir_version = 9
        path = self.path(name)
        onnx.save(m, path)
        return path

    def png_bytes(self, h=6, w=5):
        from PIL import Image
        import io
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
        return buf.getvalue()

    def test_image_decoder_streams_that_do_not_decode_are_clear_errors(self):
        import zlib
        png = self.png_bytes()
        # A constant PNG whose header (CRC mended) claims 65500 x 65500: refused while the model is
        # planned, from the header, before anything is allocated.
        huge = bytearray(png)
        huge[16:24] = (65500).to_bytes(4, "big") * 2
        huge[29:33] = zlib.crc32(bytes(huge[12:29])).to_bytes(4, "big")
        r = run("run", self.decoder_model("huge.onnx", bytes(huge)), "--out", self.path("out"))
        self.assert_failure(r, "'ImageDecoder' node 'decode'", "the PNG header says 65500 x 65500 pixels",
                            "over 100 megapixels are refused")
        self.assertFalse(os.path.exists(self.path("out")))
        # Streams given as the graph input: cut, corrupt, of an unsupported format, or no image.
        model = self.decoder_model("decode.onnx")
        corrupt = bytearray(png)
        corrupt[len(png) // 2] ^= 0xFF
        cases = (
            (png[: len(png) - 20], "corrupt or truncated PNG data"),
            (bytes(corrupt), "corrupt or truncated PNG data"),
            (b"II*\0" + bytes(60), "it is a TIFF image; layerscope decodes JPEG, PNG, BMP and PNM"),
            (b"RIFF\0\0\0\0WEBPVP8 " + bytes(40), "it is a WebP image"),
            (bytes(range(64)), "are the signature of no image format"),
            (b"P6 4 4 255\n" + bytes(10), "corrupt or truncated PNM data"),
            (b"BM" + bytes(60), "not a readable BMP image"),
        )
        for k, (stream, needle) in enumerate(cases):
            npy = self.path(f"s{k}.npy")
            np.save(npy, np.frombuffer(stream, dtype=np.uint8))
            r = run("run", model, "--input", f"encoded={npy}", "--out", self.path(f"out{k}"))
            self.assert_failure(r, "'ImageDecoder' node 'decode' (opset 20): cannot decode its encoded stream", needle)
            self.assertFalse(os.path.exists(self.path(f"out{k}")))
        # The intact stream decodes.
        npy = self.path("whole.npy")
        np.save(npy, np.frombuffer(png, dtype=np.uint8))
        r = run("run", model, "--input", f"encoded={npy}", "--out", self.path("whole"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(np.load(os.path.join(self.path("whole"), "image.npy")).shape, (6, 5, 3))

    # ---- .npy inputs ----

    def write_npy(self, name, header, data_bytes):
        h = header
        while (10 + len(h) + 1) % 64:
            h += " "
        h += "\n"
        path = self.path(name)
        with open(path, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h.encode("latin-1") + b"\0" * data_bytes)
        return path

    def test_hostile_npy_headers_get_clear_errors(self):
        cases = (
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ((4,),), }", 16, "non-negative integer dimension"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", 16, "non-negative integer dimension"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 16, "overflows"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 12, "holds 12 bytes"),
            ("{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }", 16, "Fortran-order"),
            ("{'descr': '<f4', 'shape': (4,), }", 16, "no 'fortran_order'"),
        )
        for header, nbytes, needle in cases:
            path = self.write_npy("bad.npy", header, nbytes)
            r = run("run", self.model, "--input", f"x={path}")
            self.assert_failure(r, "bad.npy", needle)   # was "internal error: stoll" for the first

    # ---- model inputs ----

    def test_initializer_listed_as_input_can_be_overridden_and_defaults_otherwise(self):
        model = self.path("default.onnx")
        b = helper.make_tensor("b", TensorProto.FLOAT, [4], [1, 2, 3, 4])
        save_model(model, [helper.make_node("Add", ["x", "b"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4]),
                    helper.make_tensor_value_info("b", TensorProto.FLOAT, [4])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [b])
        tens = self.path("tens.npy")
        np.save(tens, np.full(4, 10, np.float32))
        r = run("run", model, "--input", f"x={self.x}", "--out", self.path("d"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("random", r.stderr)   # b keeps its default, no noise
        np.testing.assert_array_equal(np.load(self.path("d", "y.npy")), [0, 4, 0, 8])
        r = run("run", model, "--input", f"x={self.x}", "--input", f"b={tens}", "--out", self.path("o"))
        self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_array_equal(np.load(self.path("o", "y.npy")), [9, 12, 7, 14])
        # Every "no input named" message lists the model's inputs.
        r = run("run", model, "--input", f"z={tens}")
        self.assert_failure(r, "no input named 'z'", "its inputs are: x FLOAT (4), b FLOAT (4) [has a default]")
        from PIL import Image
        jpg = self.path("flat.jpg")
        Image.fromarray(np.full((8, 12, 3), 100, np.uint8)).save(jpg)
        r = run("run", model, "--image", jpg)
        self.assert_usage_error(r, "several inputs", "its inputs are: x FLOAT (4), b FLOAT (4) [has a default]")

    def test_corrupt_names_are_escaped_in_messages_and_reports(self):
        model = self.path("names.onnx")
        evil = "conv\x1b[31m\x07"
        save_model(model, [helper.make_node("Relu", ["x"], ["y"], name=evil)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
        out = self.path("report")
        r = run("perf", model, "--runs", "1", "--warmup", "0", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("conv\\x1b[31m\\x07", r.stdout)
        for name in ("perf.txt", "layers.csv", "perf.json"):
            with open(os.path.join(out, name), encoding="utf-8") as f:
                text = f.read()
            self.assertNotIn("\x1b", text, name)
            self.assertNotIn("\x07", text, name)
        # Output names reach the `run` table and the random-input note escaped too.
        named = self.path("named.onnx")
        save_model(named, [helper.make_node("Relu", ["x\x1b[1m"], ["y\x1b[2J"])],
                   [helper.make_tensor_value_info("x\x1b[1m", TensorProto.FLOAT, [4])],
                   [helper.make_tensor_value_info("y\x1b[2J", TensorProto.FLOAT, [4])])
        r = run("run", named, "--runs", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("output y\\x1b[2J", r.stdout)
        self.assertIn("input x\\x1b[1m", r.stderr)
        self.assertNotIn("\x1b", r.stdout + r.stderr)
        bad = self.path("bad_op.onnx")
        save_model(bad, [helper.make_node("No\x1b[2JSuchOp", ["x"], ["y"], name=evil)],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
        r = run("run", bad)
        self.assert_failure(r, "No\\x1b[2JSuchOp")
        self.assertNotIn("\x1b", r.stderr)

    # ---- output files ----

    def test_outputs_whose_names_collide_get_unique_predictable_files(self):
        model = self.path("collide.onnx")
        two_outputs_model(model, "a/b", "a_b")   # both used to become a_b.npy, the second winning
        r = run("run", model, "--input", f"x={self.x}", "--out", self.path("out"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(listing(self.path("out")), ["a_b~0.npy", "a_b~1.npy"])
        np.testing.assert_array_equal(np.load(self.path("out", "a_b~0.npy")), [0, 2, 0, 4])   # Relu: output 0
        np.testing.assert_array_equal(np.load(self.path("out", "a_b~1.npy")), [1, -2, 3, -4])  # Neg: output 1

    def test_second_output_unwritable_leaves_nothing_behind(self):
        out = self.path("out")
        os.makedirs(os.path.join(out, "second.npy", "inside"))   # a folder in the second file's way
        with open(os.path.join(out, "first.npy"), "wb") as f:
            f.write(b"old")
        r = run("run", self.model, "--input", f"x={self.x}", "--out", out)
        self.assert_failure(r, "second.npy")
        self.assertEqual(listing(out), ["first.npy", "second.npy"])   # no temporaries
        with open(os.path.join(out, "first.npy"), "rb") as f:
            self.assertEqual(f.read(), b"old")                     # not the first-of-two

    def test_full_destination_leaves_nothing_behind(self):
        # first = Relu(x) (16 KB) fits under the 20 KB file-size limit, second = Concat(x, x) (32 KB)
        # does not: the first must not stay behind.
        model = self.path("big.onnx")
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4096])
        save_model(model, [helper.make_node("Relu", ["x"], ["first"]), helper.make_node("Concat", ["x", "x"], ["second"], axis=0)],
                   [x], [helper.make_tensor_value_info("first", TensorProto.FLOAT, [4096]),
                         helper.make_tensor_value_info("second", TensorProto.FLOAT, [8192])])
        np.save(self.x, np.ones(4096, np.float32))
        out = self.path("new", "out")
        r = run("run", model, "--input", f"x={self.x}", "--out", out, file_limit=20000)
        self.assert_failure(r, "File too large")
        self.assertFalse(os.path.exists(self.path("new")))   # the folders it created are gone too
        r = run("run", model, "--input", f"x={self.x}", "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(listing(out), ["first.npy", "second.npy"])

    def test_reports_into_a_full_or_unwritable_destination_leave_nothing_behind(self):
        old = self.path("old")
        os.makedirs(old)
        with open(os.path.join(old, "perf.txt"), "w") as f:
            f.write("old report")
        # Each limit lets the first files through (the text: perf 6 KB, import 13 KB, compare 6 KB)
        # and stops a later one (report.html 55 KB; perf.json 23 KB; compare.json 16 KB).
        commands = ((["perf", self.model, "--runs", "1", "--warmup", "0"], 8000), (["import", RKNN_2X], 14000),
                    (["compare", RKNN_2X, RKNN_2X], 8000))
        for cmd, limit in commands:
            r = run(*cmd, "--out", old, file_limit=limit)
            self.assert_failure(r, "File too large")
            self.assertEqual(listing(old), ["perf.txt"], cmd[0])
            with open(os.path.join(old, "perf.txt")) as f:
                self.assertEqual(f.read(), "old report", cmd[0])
            # Unwritable, for root too: /proc takes no files; a path under a regular file.
            r = run(*cmd, "--out", "/proc")
            self.assert_failure(r, "cannot write '/proc/")
            r = run(*cmd, "--out", os.path.join(self.x, "sub"))
            self.assert_failure(r, "cannot create output folder")
            self.assertEqual(sorted(os.listdir(self.dir)), ["old", "two.onnx", "x.npy"], cmd[0])

    def test_truncated_eval_perf_text_is_refused(self):
        with open(RKNN_2X) as f:
            text = f.read()
        cut = self.path("eval_perf_cut.txt")
        with open(cut, "w") as f:
            f.write(text[: text.index("6    Add")])   # imported 5 of 17 layers with exit 0
        r = run("import", cut, "--out", self.path("imported"))
        self.assert_failure(r, "eval_perf_cut.txt", "runs into the end of the file after 5 rows", "cut off")
        self.assertFalse(os.path.exists(self.path("imported")))
        r = run("compare", RKNN_2X, cut)
        self.assert_failure(r, "eval_perf_cut.txt", "cut off")

    def test_perf_goes_on_when_the_machine_cache_cannot_be_written(self):
        # A cache folder that is a symlink loop: `perf` used to die with a filesystem_error.
        loop = self.path("loop")
        os.symlink(loop, loop)
        env = dict(os.environ, LAYERSCOPE_CACHE_DIR=loop)
        r = run("perf", self.model, "--runs", "1", "--warmup", "0", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: machine calibration not cached", r.stderr)
        self.assertIn("using this run's calibration", r.stderr)
        self.assertIn("Network Layer Information Table", r.stdout)


if __name__ == "__main__":
    CLI = sys.argv[sys.argv.index("--cli") + 1]
    del sys.argv[sys.argv.index("--cli"):sys.argv.index("--cli") + 2]
    unittest.main(verbosity=2)
