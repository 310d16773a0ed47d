#!/usr/bin/env python3
"""Quantize test models with onnxruntime's quantize_static, in both of its formats, and write
onnxruntime's outputs on a fixed input as the reference (tests/models/check_quant_model.py).

For each model NAME (a float model from scripts/models/export_models.py or the zoo):
    .cache/models/NAME.opset17.qdq.onnx   QuantizeLinear/DequantizeLinear around float ops
    .cache/models/NAME.opset17.qop.onnx   QLinearConv, QLinearMatMul and com.microsoft QLinear*
    .cache/models/NAME.opset17.{qdq,qop}.input_<i>.npy / .output_<i>.npy
and .cache/models/quant_manifest.json: per file its inputs, outputs, op counts and the scale of
the quantized tensor each output is dequantized from (the check's tolerance is in its steps).

Settings: S8S8 (int8 activations and weights), per-channel weights, MinMax calibration over
CALIBRATION_SAMPLES random inputs (seeded; N(0,1) images, random token ids), onnxruntime's
quantize_static defaults otherwise. Everything is seeded: a rerun writes the same files.

    .venv/bin/python scripts/models/quantize_models.py [--models resnet50 mobilenetv2 ...]
    .venv/bin/python scripts/models/quantize_models.py --list-ops   # op types of each file
"""
import argparse
import collections
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS_DIR = os.path.join(ROOT, ".cache", "models")
ZOO_DIR = os.path.join(ROOT, ".cache", "zoo")
CALIBRATION_SAMPLES = 8
SEED = 14

# name -> float model file; vision models take [1, 3, 224, 224] images, the BERT-like encoder
# input_ids and attention_mask [1, 128].
SOURCES = {
    "resnet50": "resnet50.opset17.onnx",  # in --models-dir
    "mobilenetv2": "mobilenetv2.opset17.onnx",
    "vit_b_16": "vit_b_16.opset17.onnx",
    "bert_base_like": os.path.join(ZOO_DIR, "bert_base_like.onnx"),
}
DEFAULT_MODELS = ["resnet50", "mobilenetv2", "vit_b_16"]  # what scripts/test makes (the zoo is not generated there)
FORMATS = {"qdq": QuantFormat.QDQ, "qop": QuantFormat.QOperator}


def random_inputs(model_path, rng):
    """One feed of random inputs of the model's (static) input shapes."""
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    feed = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        if i.type == "tensor(float)":
            feed[i.name] = rng.standard_normal(shape).astype(np.float32)
        elif "mask" in i.name:
            feed[i.name] = np.ones(shape, np.int64)
        else:  # token ids: a small vocabulary range every embedding table has
            feed[i.name] = rng.integers(0, 1000, shape).astype(np.int64)
    return feed


class RandomReader(CalibrationDataReader):
    def __init__(self, model_path, count, seed):
        rng = np.random.default_rng(seed)
        self.feeds = iter([random_inputs(model_path, rng) for _ in range(count)])

    def get_next(self):
        return next(self.feeds, None)


def output_scales(model):
    """For each graph output, the scale of the quantized tensor it is dequantized from (the
    last DequantizeLinear before it, through shape-only ops), or None when there is none."""
    producer = {o: n for n in model.graph.node for o in n.output}
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    scales = {}
    for out in model.graph.output:
        name, found = out.name, None
        for _ in range(20):
            n = producer.get(name)
            if n is None:
                break
            if n.op_type in ("DequantizeLinear",) and n.input[1] in inits:
                found = float(np.max(inits[n.input[1]]))
                break
            name = n.input[0]
        scales[out.name] = found
    return scales


def source_path(name):
    """The float model of `name`: in the models folder, or the zoo's absolute path."""
    return os.path.join(MODELS_DIR, SOURCES[name])


def quantize(name, fmt, manifest):
    src = source_path(name)
    out_name = f"{name}.opset17.{fmt}.onnx"
    out_path = os.path.join(MODELS_DIR, out_name)
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(src, pre, skip_symbolic_shape=True)
        quantize_static(pre, out_path + ".tmp", RandomReader(pre, CALIBRATION_SAMPLES, SEED),
                        quant_format=FORMATS[fmt], per_channel=True, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8)
    os.replace(out_path + ".tmp", out_path)
    model = onnx.load(out_path)
    feed = random_inputs(out_path, np.random.default_rng(SEED + 1))
    sess = ort.InferenceSession(out_path, providers=["CPUExecutionProvider"])
    outputs = sess.run(None, feed)
    entry = {"path": out_name, "source": os.path.relpath(src, ROOT), "format": fmt, "inputs": {}, "outputs": {},
             "op_counts": dict(sorted(collections.Counter(
                 (n.domain + "." if n.domain else "") + n.op_type for n in model.graph.node).items())),
             "output_scales": output_scales(model)}
    for k, (iname, value) in enumerate(feed.items()):
        f = f"{name}.opset17.{fmt}.input_{k}.npy"
        np.save(os.path.join(MODELS_DIR, f), value)
        entry["inputs"][iname] = f
    for k, (o, value) in enumerate(zip(sess.get_outputs(), outputs)):
        f = f"{name}.opset17.{fmt}.output_{k}.npy"
        np.save(os.path.join(MODELS_DIR, f), value)
        entry["outputs"][o.name] = f
    manifest["models"][out_name] = entry
    print(f"{out_name}: {entry['op_counts']}", flush=True)


def main():
    global MODELS_DIR
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=sorted(SOURCES))
    ap.add_argument("--formats", nargs="+", default=sorted(FORMATS), choices=sorted(FORMATS))
    ap.add_argument("--list-ops", action="store_true", help="print the op types of the files written before")
    ap.add_argument("--models-dir", default=MODELS_DIR, help="where the float models are and the files go")
    a = ap.parse_args()
    MODELS_DIR = os.path.abspath(a.models_dir)
    manifest_path = os.path.join(MODELS_DIR, "quant_manifest.json")
    manifest = {"models": {}}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    if a.list_ops:
        for k, e in sorted(manifest["models"].items()):
            print(k, e["op_counts"])
        return 0
    missing = [source_path(n) for n in a.models if not os.path.exists(source_path(n))]
    if missing:
        print(f"missing: {', '.join(missing)}: generate them first (scripts/models/export_models.py, zoo.py)")
        return 1
    for name in a.models:
        for fmt in a.formats:
            quantize(name, fmt, manifest)
            # Saved after each file, so an interrupted run keeps the entries of what it wrote.
            tmp = manifest_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(manifest, f, indent=1, sort_keys=True)
            os.replace(tmp, manifest_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
