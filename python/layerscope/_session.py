"""layerscope.Session: load an ONNX model once, run it and profile it from Python."""
from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from . import _core
from ._core import MemoryReport, PerfReport, PlanSummary, ValueInfo
from ._inputs import model_inputs

Inputs = Union[dict, Sequence[Any], np.ndarray]
Progress = Callable[[str, int, int], None]


class Session:
    """An ONNX model loaded and planned for this machine's CPU.

    ``threads``: intra-op threads (0 = one per core, or one per listed core); ``cores``: CPU ids
    to pin worker thread i to (the reference's core mask; None = not pinned); ``optimize``:
    graph rewrites (fusions, layouts; False runs the exported nodes one by one);
    ``max_memory``: bytes a plan may use (0 = the memory available when loading).

    Threads: Sessions are independent and run concurrently on different Python threads (every
    call that runs the model releases the GIL); calls on one Session wait for each other.
    """

    def __init__(self, model: Union[str, os.PathLike], threads: int = 0, cores: Optional[Sequence[int]] = None,
                 optimize: bool = True, max_memory: int = 0) -> None:
        self._core = _core.Session(os.fspath(model), threads, list(cores or []), optimize, max_memory)

    @property
    def model_path(self) -> str:
        return self._core.model_path

    @property
    def inputs(self) -> list[ValueInfo]:
        """The model's inputs as declared: name, dtype (numpy), shape (None for symbolic dims)."""
        return self._core.inputs

    @property
    def outputs(self) -> list[ValueInfo]:
        return self._core.outputs

    def run(self, inputs: Inputs) -> list[np.ndarray]:
        """Runs the model once; returns the outputs in the model's order.

        ``inputs``: a dict {name: array}, a list in the model's input order, or one array for a
        one-input model. Contiguous arrays of the input's dtype are read in place (no copy);
        others are converted as layerscope._inputs describes, or refused with a clear error.
        """
        return [array for _, array in self._core.run(model_inputs(inputs, self.inputs))]

    def run_named(self, inputs: Inputs) -> dict[str, np.ndarray]:
        """Like run(), with the outputs by name."""
        return dict(self._core.run(model_inputs(inputs, self.inputs)))

    def profile(self, inputs: Optional[Inputs] = None, *, warmup: int = 5, runs: int = 20,
                progress: Optional[Progress] = None, workload: bool = True) -> PerfReport:
        """Layer-by-layer performance evaluation (the reference's eval_perf, with statistics).

        Runs ``warmup`` un-timed runs, then ``runs`` runs with the per-layer profiler and as many
        without it, interleaved. ``inputs`` as for run(); None = fixed-seed random inputs (seed 0,
        as `layerscope perf`). ``progress(phase, done, total)`` is called after each warm-up run
        and each timed pair. ``workload``: measure each layer's split across threads when
        layerscope.workload_measurement is True.
        """
        given = None if inputs is None else model_inputs(inputs, self.inputs)
        return self._core.profile(given, warmup, runs, progress, workload)

    def memory(self) -> MemoryReport:
        """The reference's eval_memory: weights, activations (internal) and inputs/outputs (other)."""
        return self._core.memory()

    def plan(self) -> PlanSummary:
        """Facts about the execution plan (after the first run for models with symbolic dims)."""
        return self._core.plan()

    def random_inputs(self, seed: int = 0) -> dict[str, np.ndarray]:
        """The fixed-seed random inputs `layerscope run`/`perf` use when given no data (seed 0)."""
        return dict(self._core.random_inputs(seed))

    def __repr__(self) -> str:
        return "Session(%r)" % self.model_path
