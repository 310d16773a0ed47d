#!/usr/bin/env python3
"""Generate layerscope's bundled sample model.

    python scripts/make_sample_model.py --out FILE.onnx [--inputs-dir DIR]

The sample is DepthAnythingLike (scripts/models/architectures.py) with the small
SAMPLE_CONFIG: ViT (embed 96, depth 4, heads 3, patch 14) + DPT head, input
1x3x224x308 (16x22 patches), output 1x1x224x308, opset 17, ~2.7 MB. It has the
same operator mix as the full-size 480x640 model, so it exercises the whole
transformer + DPT path in seconds. Weights are random with fixed seeds and
calibrated (scripts/models/calibrate.py) so the output is O(1) and input-dependent;
the file is reproducible run to run.

With --inputs-dir, also writes DIR/<stem>.input_0.npy (fixed-seed N(0,1) float32)
and DIR/<stem>.output_0.npy (onnxruntime CPU reference, graph optimisations off),
where <stem> is the --out file name without ".onnx".
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "models"))

MODEL_SEED, CALIB_SEED = 0, 1  # same seeds as export_models.py


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output .onnx file")
    ap.add_argument("--inputs-dir", help="also write reference input/output .npy here")
    args = ap.parse_args()

    import numpy as np
    import onnx
    import torch
    from architectures import SAMPLE_CONFIG, DepthAnythingLike
    from calibrate import calibrate
    from export_models import export_torch, make_input, ort_session

    t0 = time.time()
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(MODEL_SEED)
    model = DepthAnythingLike(**SAMPLE_CONFIG)
    # Small model: plain torch forwards are fast enough for calibration. The final
    # ReLU's input is centred at +0.5 std so most of the depth map is non-zero.
    calibrate(model, model.input_shape, model.last_layer, CALIB_SEED, n_rescale=4,
              target_mean=0.5)
    x = make_input(model.input_shape)
    proto, torch_out = export_torch(model, torch.from_numpy(x))
    onnx.checker.check_model(proto, full_check=True)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    onnx.save(proto, args.out + ".tmp")
    os.replace(args.out + ".tmp", args.out)
    print(f"wrote {args.out}: {os.path.getsize(args.out) / 1e6:.2f} MB, "
          f"input {model.input_shape}, {time.time() - t0:.1f}s", file=sys.stderr)

    if args.inputs_dir:
        os.makedirs(args.inputs_dir, exist_ok=True)
        stem = os.path.basename(args.out)
        stem = stem[:-len(".onnx")] if stem.endswith(".onnx") else stem
        sess = ort_session(args.out, reference=True)
        out = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        diff = float(np.abs(torch_out.numpy() - out).max())
        for suffix, arr in (("input_0", x), ("output_0", out)):
            path = os.path.join(args.inputs_dir, f"{stem}.{suffix}.npy")
            np.save(path, arr)
            print(f"wrote {path} {arr.shape}", file=sys.stderr)
        print(f"reference: max|out| {np.abs(out).max():.4f}, std {out.std():.4f}, "
              f"torch-vs-ORT max abs diff {diff:.2e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
