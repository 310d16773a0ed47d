#!/usr/bin/env python3
"""OpenVINO latency peer for layerscope benchmarks.

    python bench/openvino_latency.py MODEL.onnx [--threads N] [--warmup W] [--runs R]
                                     [--input NAME=FILE.npy ...] [--seed S]

Reads MODEL (OpenVINO's ONNX frontend) and compiles it for the CPU plugin with
INFERENCE_PRECISION_HINT=f32 (no bf16 down-conversion on CPUs that have it, so the precision
is layerscope's), PERFORMANCE_HINT=LATENCY (one stream) and INFERENCE_NUM_THREADS=N; one infer
request runs the inputs (--input files, else fixed-seed tensors as bench/ort_latency.py makes
them). Prints ONE JSON object on stdout, the same fields as bench/ort_latency.py with
"runtime": "openvino", plus "properties": what the compiled model reports for the settings
above (and CPU pinning, which OpenVINO decides itself). load_ms covers read_model +
compile_model; each run is request.infer() (inputs shared, outputs copied out, as
onnxruntime returns new arrays) timed with time.perf_counter().
"""
import sys
import time

import openvino as ov
import openvino.properties as props
import openvino.properties.hint as hints

import peer_common

REPORTED = ("INFERENCE_PRECISION_HINT", "PERFORMANCE_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS",
            "ENABLE_CPU_PINNING")


def port_input(port):
    """(name, shape with -1 for dynamic dims, numpy dtype or None, type name) of an input port."""
    shape = [d.get_length() if d.is_static else -1 for d in port.get_partial_shape()]
    try:
        dtype = port.get_element_type().to_dtype()
    except Exception:  # an element type numpy has no equivalent for
        dtype = None
    return port.get_any_name(), shape, dtype, str(port.get_element_type())


def property_text(value):
    return value.get_type_name() if isinstance(value, ov.Type) else str(value)  # f32, not <Type: ...>


def main():
    args, given = peer_common.parse_args(peer_common.arg_parser(__doc__.split("\n\n")[0]))
    core = ov.Core()
    config = {hints.inference_precision: ov.Type.f32,
              hints.performance_mode: hints.PerformanceMode.LATENCY,
              props.inference_num_threads: args.threads}
    t0 = time.perf_counter()
    compiled = core.compile_model(core.read_model(args.model), "CPU", config)
    load_ms = (time.perf_counter() - t0) * 1e3

    feeds = peer_common.make_feeds([port_input(p) for p in compiled.inputs], given, args.seed)
    request = compiled.create_infer_request()
    times = peer_common.time_runs(lambda: request.infer(feeds, share_inputs=True, share_outputs=False),
                                  args.warmup, args.runs)
    properties = {k: property_text(compiled.get_property(k)) for k in REPORTED}
    peer_common.report("openvino", ov.get_version(), args, load_ms, times, properties=properties)
    return 0


if __name__ == "__main__":
    sys.exit(main())
