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
from typing import Any, NoReturn, Optional, Union

from . import _core
from ._core import (Comparison, Error, Finding, Layer, MachineInfo, MemoryReport, OpTypeRank, PerfReport,
                    PlanSummary, Roofs, Stats, ValueInfo, import_rknn, machine, read_report)
from ._session import Session

__version__: str = _core.__version__

# WorkLoad (each layer's split across threads) needs libgomp's parallel regions interposed.
# Python loads this extension with dlopen(RTLD_LOCAL): the interposers then serve the OpenMP
# code loaded with it (layerscope and its oneDNN) and nothing else in the process, unless
# libgomp was already in the global scope (a program linked with it, or a module loaded with
# RTLD_GLOBAL); then this is False and profiles report WorkLoad as unknown. docs/python.md.
workload_measurement: bool = _core.enable_workload_measurement()


class NotAvailableError(Error, NotImplementedError):
    """A feature layerscope does not have yet (raised by quantize, accuracy and the reference
    class's quantization calls): the message names the missing feature."""


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


def quantize(*args: Any, **kwargs: Any) -> NoReturn:
    """Not available yet: layerscope has no quantizer (the reference's build(do_quantization=True))."""
    raise NotAvailableError(
        "layerscope.quantize(): quantization (int8 / w8a8 models from a calibration dataset) is not "
        "implemented in layerscope yet; the C++ library runs and profiles float models only. Profile the "
        "float model, or a model quantized elsewhere (ONNX QDQ/QOperator), with layerscope.Session.")


def accuracy(*args: Any, **kwargs: Any) -> NoReturn:
    """Not available yet: per-layer accuracy analysis of a quantized model (the reference's accuracy_analysis)."""
    raise NotAvailableError(
        "layerscope.accuracy(): per-layer accuracy analysis (float vs quantized, cosine and Euclidean "
        "distance per layer) is not implemented in layerscope yet: it needs the quantizer, which does not "
        "exist yet either. Compare a layer's timing between two runs with layerscope.compare().")


__all__ = [
    "Comparison", "Error", "Finding", "Layer", "MachineInfo", "MemoryReport", "NotAvailableError", "OpTypeRank",
    "PerfReport", "PlanSummary", "Roofs", "Session", "Stats", "ValueInfo", "accuracy", "compare", "import_rknn",
    "machine", "quantize", "read_report", "workload_measurement",
]
