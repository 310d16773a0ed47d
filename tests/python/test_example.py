"""examples/python/eval_perf.py, the reference's script with its import and model file changed,
on the Depth-Anything-like model (480x640) with a real JPEG: it prints the layer table, the
ranking and the memory report, saves eval_perf.txt, and its out.npy is bit for bit the output of
`layerscope run --image` on the same picture."""
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, run_cli

EXAMPLE = os.path.join(REPO, "examples", "python", "eval_perf.py")
# The reference's script (the workflow quoted in the reference's eval_perf documentation), with
# the imports it needs to run.
REFERENCE = """\
import cv2
import numpy as np
from rknn.api import RKNN
rknn = RKNN(verbose=True)
rknn.config(mean_values=[[0.485*255, 0.456*255, 0.406*255]],
            std_values=[[0.229*255, 0.224*255, 0.225*255]],
            quant_img_RGB2BGR=True, target_platform='rk3588')   # preprocessing + target
rknn.load_rknn('depth_anything_vits_OP19.rknn')                 # load the converted model
img = cv2.imread('front.jpg'); img = np.expand_dims(img, 0)     # uint8 NHWC image batch
rknn.list_devices()                                             # boards reachable from the host
rknn.init_runtime(target='rk3588', perf_debug=True, eval_mem=True,
                  core_mask=RKNN.NPU_CORE_0_1_2)                # which cores to use
rknn.get_sdk_version()
rknn.eval_perf()      # per-layer table + op-type ranking, also written to a .txt file
rknn.eval_memory()    # weight / internal tensor / total memory
outputs = rknn.inference(inputs=[img], data_format=['nhwc'])
np.save('out.npy', outputs[0])
rknn.release()
""".splitlines()


def make_jpeg(path, width=640, height=480, seed=11):
    """A photo-like 640x480 JPEG from a fixed seed: smooth gradients, shapes and grain. Saved
    without chroma subsampling (4:4:4), so every decoder's output is the IDCT's alone."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([128 + 90 * np.sin(x / 97 + c) * np.cos(y / 71 - c) for c in (0.0, 1.3, 2.6)], axis=-1)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x0, y0 = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 60))
        box = [x0, y0, x0 + int(rng.integers(20, 200)), y0 + int(rng.integers(20, 160))]
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(1.5))
    grain = rng.normal(0, 6, (height, width, 3))
    img = Image.fromarray(np.clip(np.asarray(img, np.float32) + grain, 0, 255).astype(np.uint8))
    img.save(path, "JPEG", quality=92, subsampling=0)


def test_the_example_is_the_reference_script_with_two_lines_changed():
    with open(EXAMPLE, encoding="utf-8") as f:
        code = [line for line in f.read().splitlines() if line and not line.startswith("#")]
    assert len(code) == len(REFERENCE)
    changed = [(ours, theirs) for ours, theirs in zip(code, REFERENCE) if ours != theirs]
    assert changed == [
        ("from layerscope.rknn import RKNN", "from rknn.api import RKNN"),
        ("rknn.load_rknn('depth_anything_like.opset17.onnx')              # load the converted model",
         "rknn.load_rknn('depth_anything_vits_OP19.rknn')                 # load the converted model")]


def test_eval_perf_example_on_the_depth_model(depth_model, cli, tmp_path):
    os.symlink(depth_model, tmp_path / "depth_anything_like.opset17.onnx")
    make_jpeg(tmp_path / "front.jpg")
    r = subprocess.run([sys.executable, EXAMPLE], cwd=tmp_path, capture_output=True, text=True, timeout=3600)
    transcript = r.stdout + r.stderr
    artifacts = os.environ.get("LAYERSCOPE_TEST_ARTIFACTS")
    if artifacts:  # the run's transcript, for people to read
        os.makedirs(artifacts, exist_ok=True)
        with open(os.path.join(artifacts, "eval_perf_example.txt"), "w", encoding="utf-8") as f:
            f.write(transcript)
    assert r.returncode == 0, transcript[-4000:]
    assert not [line for line in transcript.splitlines() if line.startswith("E ")], transcript[-4000:]
    for title in ("Network Layer Information Table", "Operator Time Consuming Ranking Table",
                  "Memory Profile Info Dump", "all device(s) with cpu mode:"):
        assert title in r.stdout
    with open(tmp_path / "eval_perf.txt", encoding="utf-8") as f:
        saved = f.read()
    assert "Network Layer Information Table" in saved and saved in r.stdout

    # The same picture through the command line: JPEG decoded as RGB (the script's OpenCV image
    # is BGR, swapped back by quant_img_RGB2BGR), the same mean/std as float32, the same cores.
    cpus = sorted(os.sched_getaffinity(0))[:3]  # NPU_CORE_0_1_2 -> the first three CPUs there are
    mean = ",".join(str(np.float32(v)) for v in (0.485 * 255, 0.456 * 255, 0.406 * 255))
    std = ",".join(str(np.float32(v)) for v in (0.229 * 255, 0.224 * 255, 0.225 * 255))
    run_cli(cli, "run", "depth_anything_like.opset17.onnx", "--image", "front.jpg", "--mean", mean, "--std", std,
            "--cores", ",".join(map(str, cpus)), "--warmup", "0", "--runs", "1", "--out", "cli", cwd=tmp_path)
    ours, theirs = np.load(tmp_path / "out.npy"), np.load(tmp_path / "cli" / "output.npy")
    assert ours.shape == theirs.shape == (1, 1, 480, 640) and ours.dtype == theirs.dtype == np.float32
    assert np.array_equal(ours, theirs)
    assert float(ours.std()) > 0.1
