#!/usr/bin/env python3
"""onnxruntime latency peer for layerscope benchmarks.

    python bench/ort_latency.py MODEL.onnx [--threads N] [--warmup W] [--runs R]
                                [--input NAME=FILE.npy ...] [--seed S]

Runs MODEL with the CPU execution provider, ORT_ENABLE_ALL graph optimisations,
intra_op_num_threads=N, inter_op_num_threads=1 and sequential execution (the
configuration comparable to layerscope's single-stream executor). Inputs not
given with --input are fixed-seed random tensors (N(0,1) for floats). Prints ONE
JSON object on stdout:
  {"runtime": "onnxruntime", "version", "model", "threads", "warmup", "runs",
   "load_ms", "latency_ms": {"median", "min", "max", "p90", "mean"}, "peak_rss_mb"}
load_ms covers InferenceSession creation (parsing + graph optimisation); each run
is timed with time.perf_counter() around session.run(); peak_rss_mb is the
process's ru_maxrss (Linux reports KiB). bench/openvino_latency.py is the same for
OpenVINO (bench/peer_common.py holds what they share).
"""
import sys
import time

import numpy as np
import onnxruntime as ort

import peer_common

# ONNX tensor type string -> numpy dtype, for synthesising inputs.
DTYPES = {
    "tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
}


def main():
    args, given = peer_common.parse_args(peer_common.arg_parser(__doc__.split("\n\n")[0]))
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    t0 = time.perf_counter()
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    load_ms = (time.perf_counter() - t0) * 1e3

    inputs = [(i.name, i.shape, DTYPES.get(i.type), i.type) for i in sess.get_inputs()]
    feeds = peer_common.make_feeds(inputs, given, args.seed)
    outputs = [o.name for o in sess.get_outputs()]
    times = peer_common.time_runs(lambda: sess.run(outputs, feeds), args.warmup, args.runs)
    peer_common.report("onnxruntime", ort.__version__, args, load_ms, times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
