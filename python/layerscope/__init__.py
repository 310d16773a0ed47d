"""layerscope: ONNX inference on the CPU with a built-in layer-by-layer profiler.

    import layerscope
    s = layerscope.Session("model.onnx", threads=2)
    outputs = s.run({"input": x})            # list of numpy arrays
    report = s.profile()                      # PerfReport: layers, ranking, findings, .text, ...
    print(report.text)
    report.to_dataframe()                     # pandas, one row per layer
    report                                    # in a notebook: the interactive HTML report

The reference tool's workflow, call for call: ``from layerscope.rknn import RKNN``.
Every error raises layerscope.Error with the library's message. docs/python.md lists the API.
"""
from __future__ import annotations

import os
from typing import Any, Callable, NoReturn, Optional, Sequence, Union

from . import _core
from ._core import (AccuracyReport, Comparison, Error, Finding, Layer, MachineInfo, MemoryReport, OpTypeRank, PerfReport,
                    PlanSummary, QuantizeSummary, Roofs, Stats, ValueInfo, import_rknn, machine, read_report)
from ._inputs import model_inputs
from ._session import Session

__version__: str = _core.__version__

# WorkLoad (each layer's split across threads) needs libgomp's parallel regions interposed.
# Python loads this extension with dlopen(RTLD_LOCAL): the interposers then serve the OpenMP
# code loaded with it (layerscope and its oneDNN) and nothing else in the process, unless
# libgomp was already in the global scope (a program linked with it, or a module loaded with
# RTLD_GLOBAL); then this is False and profiles report WorkLoad as unknown. docs/python.md.
workload_measurement: bool = _core.enable_workload_measurement()


class NotAvailableError(Error, NotImplementedError):
    """A feature layerscope does not have (raised by the reference class's two-step hybrid
    quantization calls, and its other calls that have no CPU meaning): the message names it."""


def compare(a: Union[PerfReport, str, os.PathLike], b: Union[PerfReport, str, os.PathLike],
            label_a: Optional[str] = None, label_b: Optional[str] = None) -> Comparison:
    """A/B comparison of two reports (each a PerfReport, a perf.json or an eval_perf text file):
    per layer and op type, time in A and B, the change, and whether it is beyond the noise."""
    def side(report: Any, label: Optional[str], default: str) -> tuple[PerfReport, str]:
        if isinstance(report, PerfReport):
            return report, label or default
        path = os.fspath(report)
        return read_report(path), label or os.path.basename(path)
    ra, la = side(a, label_a, "A")
    rb, lb = side(b, label_b, "B")
    return _core.compare_reports(ra, rb, la, lb)


def quantize(model: Union[str, os.PathLike], dataset: Union[str, os.PathLike], out: Union[str, os.PathLike], *,
             method: str = "minmax", percentile: float = 99.999, per_channel: bool = True,
             keep_float: Sequence[str] = (), max_samples: int = 0, mean: Optional[Sequence[float]] = None,
             std: Optional[Sequence[float]] = None, bgr: bool = False, threads: int = 0,
             progress: Optional[Callable[[int, int], None]] = None) -> QuantizeSummary:
    """Static int8 quantization (the reference's build(do_quantization=True, dataset=...)): runs
    `model` on layerscope's runtime over the calibration `dataset` and writes the int8 QDQ model
    (onnxruntime's S8S8 conventions, which onnxruntime runs too) to `out`, atomically.

    dataset: a list file (one sample per line: the model inputs' .npy or image (.jpg, .png, .bmp, .ppm) files, paths
    relative to the file) or a folder of .npy/image files for a one-input model. method:
    'minmax', 'percentile' (clip (100 - percentile)% at each end) or 'entropy' (KL). per_channel:
    int8 weights per output channel (False: one scale per tensor). keep_float: ONNX node names to
    leave in float. max_samples: use at most this many samples (0 = all). mean/std/bgr: how image
    samples are normalised ((pixel - mean) / std per channel, 0-255 scale, as Session inputs from
    `layerscope run --image`). progress(done, total) is called after each sample; an exception it
    raises stops the callbacks and is raised when the quantization returns.
    Returns a QuantizeSummary; raises layerscope.Error naming the file, line and input at fault.
    docs/quantize.md says which nodes are quantized and how."""
    return _core.quantize(os.fspath(model), os.fspath(dataset), os.fspath(out), method, float(percentile),
                          bool(per_channel), [str(k) for k in keep_float], int(max_samples),
                          None if mean is None else [float(v) for v in mean],
                          None if std is None else [float(v) for v in std], bool(bgr), int(threads), progress)


def accuracy(float_model: Union[str, os.PathLike], quant_model: Union[str, os.PathLike], inputs: Any = None, *,
             dataset: Union[None, str, os.PathLike] = None, single: bool = True, sensitivity: bool = False,
             target: float = 0.999, max_samples: int = 0, threads: int = 0,
             tensors_dir: Union[None, str, os.PathLike] = None, perf: Union[None, str, os.PathLike] = None,
             out: Union[None, str, os.PathLike] = None) -> AccuracyReport:
    """Per-layer accuracy of a quantized model against its float original (the reference's
    accuracy_analysis, as `layerscope accuracy`): both run on the same samples, every quantized
    layer's tensor is matched to the float model's by name, and each layer gets cosine, relative L2,
    max abs error and SQNR, "entire" (errors accumulated) and "single" (the layer alone, fed the float
    model's tensors), ranked by what it loses.

    The samples: `inputs` (one sample as a dict name -> array, a list in the model's input order or
    one array; or a list of such dicts for several samples), or `dataset` (a list file or folder, as
    quantize()). sensitivity: each layer kept in float in turn, and the greedy keep-float list that
    reaches an output cosine of `target`. perf: the quantized model's perf.json (each layer's time
    share). tensors_dir: dump the first sample's matched tensors as .npy. out: also write
    accuracy.json, accuracy.csv and accuracy.html there (created if needed).
    Returns an AccuracyReport (.layers, .outputs, .text, .json, .csv, .html, .save(dir))."""
    if (inputs is None) == (dataset is None):
        raise Error("accuracy(): give the samples either as inputs or as dataset (exactly one of them)")
    samples = None
    if inputs is not None:
        declared = Session(float_model, threads=1).inputs
        many = isinstance(inputs, (list, tuple)) and len(inputs) > 0 and all(isinstance(i, dict) for i in inputs)
        samples = [model_inputs(sample, declared) for sample in (inputs if many else [inputs])]
    if tensors_dir is not None:
        os.makedirs(tensors_dir, exist_ok=True)
    report = _core.accuracy(os.fspath(float_model), os.fspath(quant_model), samples,
                            "" if dataset is None else os.fspath(dataset), bool(single), bool(sensitivity),
                            float(target), int(max_samples), int(threads),
                            "" if tensors_dir is None else os.fspath(tensors_dir),
                            "" if perf is None else os.fspath(perf))
    if out is not None:
        os.makedirs(out, exist_ok=True)
        report.save(os.fspath(out))
    return report


__all__ = [
    "AccuracyReport", "Comparison", "Error", "Finding", "Layer", "MachineInfo", "MemoryReport", "NotAvailableError", "OpTypeRank",
    "PerfReport", "PlanSummary", "QuantizeSummary", "Roofs", "Session", "Stats", "ValueInfo", "accuracy", "compare", "import_rknn",
    "machine", "quantize", "read_report", "workload_measurement",
]
