"""The reference tool's Python class on layerscope: ``from layerscope.rknn import RKNN``.

Scripts written for the reference (``from rknn.api import RKNN``) run with that import changed
and the model file pointed at the ONNX model: the same method names, arguments and return codes
(0 = ok, -1 = failed, with an ``E method: ...`` line printed, as the reference logs), the same
core-mask constants (mapped to this machine's CPU cores), the same printed tables. Differences,
all said where they happen: the model runs on this machine's CPU in float32 (not an NPU in
float16); .rknn files cannot be read (load the ONNX model they were converted from);
build(do_quantization=True) quantizes to int8 on this machine (layerscope.quantize) and the
quantized model is kept as ONNX (export_onnx); accuracy_analysis compares it with the float
model layer by layer (layerscope.accuracy); the two-step hybrid quantization raises
layerscope.NotAvailableError (quantize's keep_float does it in one step).
docs/python.md has the full list.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import NotAvailableError, __version__, _core
from ._core import Error, MemoryReport, PerfReport
from ._inputs import describe, to_dtype

_CORE_MASK_NAMES = {0: "NPU_CORE_AUTO", 1: "NPU_CORE_0", 2: "NPU_CORE_1", 4: "NPU_CORE_2", 3: "NPU_CORE_0_1",
                    7: "NPU_CORE_0_1_2", 0xFFFF: "NPU_CORE_ALL"}
# Config options that shape a model conversion for an NPU: they mean nothing for a CPU run of
# the ONNX model. Listed with their reference defaults; a different value earns a warning.
_CONVERSION_DEFAULTS = {"custom_string": None, "remove_weight": None, "compress_weight": False,
                        "inputs_yuv_fmt": None, "single_core_mode": False, "dynamic_input": None,
                        "model_pruning": False, "op_target": None, "quantize_weight": False, "remove_reshape": False,
                        "sparse_infer": False, "enable_flash_attention": False}


def _image_dims(info) -> bool:
    """True for a model input the runtime treats as an image (4-D, 3 channels, FLOAT or UINT8)."""
    return (info.shape is not None and len(info.shape) == 4 and info.onnx_type in ("FLOAT", "UINT8")
            and 3 in (info.shape[1], info.shape[3]))


class RKNN:
    """The reference's RKNN object: config -> load -> build -> init_runtime -> eval_perf /
    eval_memory / inference -> release. One object serves one thread at a time."""

    NPU_CORE_AUTO = 0
    NPU_CORE_0 = 1
    NPU_CORE_1 = 2
    NPU_CORE_2 = 4
    NPU_CORE_0_1 = 3
    NPU_CORE_0_1_2 = 7
    NPU_CORE_ALL = 0xFFFF

    def __init__(self, verbose: bool = False, verbose_file: Optional[str] = None) -> None:
        self._verbose = verbose
        self._verbose_file = verbose_file
        self._lock = threading.Lock()
        self._rt = _core.Runtime()
        self._model: Optional[str] = None
        # config()'s quantization settings, as build(do_quantization=True) reads them.
        self._quant = {"method": "minmax", "per_channel": True}
        self.perf_report: Optional[PerfReport] = None      # the latest eval_perf(), as data
        self.memory_report: Optional[MemoryReport] = None  # the latest eval_memory(), as data
        self._log("I", "layerscope version: %s (the reference's RKNN API on this machine's CPU)" % __version__)

    # ---- logging, in the reference's format: "<level> <method>: <message>" ----
    def _log(self, level: str, message: str, method: str = "") -> None:
        if level == "D" and not self._verbose:
            return
        line = "%s %s%s" % (level, method + ": " if method else "", message)
        print(line, file=sys.stderr if level == "E" else sys.stdout, flush=True)
        if self._verbose and self._verbose_file:
            with open(self._verbose_file, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def _call(self, method: str, body, failed: Any = -1) -> Any:
        """Runs one API call: layerscope.Error becomes the reference's "E method: ..." line and
        `failed`; a second thread's call while one runs fails at once (as the C++ Runtime does)."""
        if not self._lock.acquire(blocking=False):
            self._log("E", "another call on this RKNN object is running on another thread; an RKNN object "
                           "serves one thread at a time (use one per thread)", method)
            return failed
        try:
            return body()
        except NotAvailableError:
            raise
        except Error as e:
            message = str(e)
            prefix = method + "(): "
            self._log("E", message[len(prefix):] if message.startswith(prefix) else message, method)
            return failed
        finally:
            self._lock.release()

    # ---- configuration and loading ----
    def config(self, mean_values: Optional[Sequence[Sequence[float]]] = None,
               std_values: Optional[Sequence[Sequence[float]]] = None,
               quant_img_RGB2BGR: Union[bool, Sequence[bool]] = False, quantized_dtype: str = "w8a8",
               quantized_algorithm: str = "normal", quantized_method: str = "channel", float_dtype: str = "float16",
               optimization_level: int = 3, target_platform: Optional[str] = None, **kwargs: Any) -> int:
        """Preprocessing for inference(): (pixel - mean) / std per channel, after the optional
        channel swap. One mean/std set applies to every image input. Must come before load."""
        def body() -> int:
            mean = self._one_set("mean_values", mean_values)
            std = self._one_set("std_values", std_values)
            swaps = list(quant_img_RGB2BGR) if isinstance(quant_img_RGB2BGR, (list, tuple)) else [quant_img_RGB2BGR]
            if len(set(bool(s) for s in swaps)) > 1:
                raise Error("quant_img_RGB2BGR differs between inputs (%s); layerscope applies one setting to "
                            "every image input" % swaps)
            unknown = sorted(set(kwargs) - set(_CONVERSION_DEFAULTS))
            if unknown:
                raise Error("unknown argument(s): %s" % ", ".join(unknown))
            ignored = ["%s=%r" % (k, v) for k, v in kwargs.items() if v != _CONVERSION_DEFAULTS[k]]
            if optimization_level != 3:
                ignored.append("optimization_level=%r (graph rewrites stay on)" % optimization_level)
            if ignored:
                self._log("W", "ignored (model conversion options with no meaning for a CPU run of the ONNX model): "
                          + ", ".join(ignored), "config")
            if target_platform:
                self._log("I", "target_platform '%s': the model runs on this machine's CPU" % target_platform, "config")
            self._quant = self._quant_settings(quantized_dtype, quantized_algorithm, quantized_method)
            self._log("D", "quantized_dtype=%s, quantized_algorithm=%s, quantized_method=%s are for build("
                      "do_quantization=True); float_dtype=%s: layerscope computes in float32"
                      % (quantized_dtype, quantized_algorithm, quantized_method, float_dtype), "config")
            self._rt.config(mean, std, bool(swaps[0]) if swaps else False, "")
            return 0
        return self._call("config", body)

    @staticmethod
    def _quant_settings(dtype: str, algorithm: str, method: str) -> dict:
        """The reference's quantization options as layerscope.quantize's: w8a8 only; algorithm
        'normal' = min/max ranges, 'kl_divergence' = entropy; method 'channel' = int8 weights per
        output channel, 'layer' = per tensor."""
        if str(dtype).lower() not in ("w8a8", "asymmetric_quantized-8"):
            raise Error("quantized_dtype=%r is not supported: layerscope quantizes to int8 weights and activations "
                        "(w8a8)" % dtype)
        algorithms = {"normal": "minmax", "kl_divergence": "entropy"}
        if algorithm not in algorithms:
            raise Error("quantized_algorithm=%r is not supported: 'normal' (min/max ranges) or 'kl_divergence' "
                        "(entropy); layerscope.quantize() also offers method='percentile'" % algorithm)
        if method not in ("channel", "layer"):
            raise Error("quantized_method must be 'channel' or 'layer', got %r" % method)
        return {"method": algorithms[algorithm], "per_channel": method == "channel"}

    @staticmethod
    def _one_set(name: str, values: Optional[Sequence[Sequence[float]]]) -> list[float]:
        if values is None:
            return []
        nested = len(values) > 0 and isinstance(values[0], (list, tuple, np.ndarray))
        sets = [list(map(float, v)) for v in values] if nested else [list(map(float, values))]
        if any(s != sets[0] for s in sets[1:]):
            raise Error("%s has %d different sets; layerscope applies one set to every image input" % (name, len(sets)))
        return sets[0] if sets else []

    def load_onnx(self, model: str, inputs: Optional[Sequence[str]] = None,
                  input_size_list: Optional[Sequence[Sequence[int]]] = None,
                  input_initial_val: Optional[Sequence[Any]] = None, outputs: Optional[Sequence[str]] = None) -> int:
        """Loads, validates and plans the ONNX model."""
        def body() -> int:
            if inputs is not None or outputs is not None or input_size_list is not None or input_initial_val is not None:
                raise Error("inputs/outputs/input_size_list/input_initial_val (cutting or reshaping the graph) are "
                            "not supported: export the model you want to run as its own ONNX file")
            self._load(os.fspath(model), "load_onnx")
            return 0
        return self._call("load_onnx", body)

    def load_rknn(self, path: str) -> int:
        """The reference loads a converted .rknn file; layerscope runs ONNX models, so this fails
        for an RKNN file and says to load the ONNX model. Given an ONNX file it loads it (with a
        warning), so a reference script runs with only its model file changed."""
        def body() -> int:
            p = os.fspath(path)
            if not os.path.isfile(p):
                raise Error("'%s' does not exist" % p)
            with open(p, "rb") as f:
                magic = f.read(4)
            if magic == b"RKNN" or p.lower().endswith(".rknn"):
                raise Error("'%s' is an RKNN model (converted for a Rockchip NPU): layerscope cannot run it. Load the "
                            "ONNX model it was converted from: rknn.load_onnx(model='model.onnx')" % p)
            self._load(p, "load_rknn")
            self._log("W", "'%s' is an ONNX model, not an RKNN one: loaded it as load_onnx(model=...) does" % p,
                      "load_rknn")
            return 0
        return self._call("load_rknn", body)

    def _load(self, path: str, method: str) -> None:
        self._rt.load(path)
        self._model = path
        self._log("D", "loaded '%s': inputs %s; outputs %s" % (
            path, ", ".join(describe(d) for d in self._rt.inputs), ", ".join(describe(d) for d in self._rt.outputs)),
            method)

    def build(self, do_quantization: bool = True, dataset: Optional[str] = None,
              rknn_batch_size: Optional[int] = None) -> int:
        """do_quantization=False: the float model runs as loaded. True: quantizes it to int8 from the
        calibration `dataset` (the reference's dataset.txt: one sample per line, image or .npy files
        relative to it; or a folder of samples), with config()'s mean/std/channel swap for images and
        its quantized_algorithm / quantized_method (see layerscope.quantize). The next init_runtime()
        plans the quantized model; export_onnx() writes it."""
        def body() -> int:
            if self._model is None:
                raise Error("no model loaded; call load_onnx() first")
            if rknn_batch_size not in (None, 1):
                raise Error("rknn_batch_size=%r is not supported: export the model with the batch size you want"
                            % rknn_batch_size)
            if not do_quantization:
                self._rt.build(False, "", "minmax", 99.999, True, [], 0)
                self._log("I", "the float model runs as loaded: FLOAT32 on the CPU (the reference builds FLOAT16 "
                               "for the NPU)", "build")
                return 0
            if not dataset:
                raise Error("do_quantization=True needs a calibration dataset: a list file (one sample per line) "
                            "or a folder of samples")
            self._rt.build(True, os.fspath(dataset), self._quant["method"], 99.999, self._quant["per_channel"], [], 0)
            self._log("I", "quantized to int8 (QDQ, %s ranges, weights per %s) from '%s': init_runtime() runs the "
                           "int8 model on the CPU" % (self._quant["method"],
                                                       "channel" if self._quant["per_channel"] else "tensor",
                                                       os.fspath(dataset)), "build")
            return 0
        return self._call("build", body)

    def export_onnx(self, export_path: str) -> int:
        """layerscope's counterpart of export_rknn: writes the built model as ONNX (the int8 QDQ model
        after build(do_quantization=True), else the loaded float model), atomically."""
        def body() -> int:
            self._rt.export_model(os.fspath(export_path))
            self._log("I", "wrote the built model to '%s'" % os.fspath(export_path), "export_onnx")
            return 0
        return self._call("export_onnx", body)

    def export_rknn(self, export_path: str, **kwargs: Any) -> int:
        def body() -> int:
            raise Error("layerscope does not write .rknn files (it runs the ONNX model itself); export_onnx() writes "
                        "the built (e.g. quantized) model as ONNX")
        return self._call("export_rknn", body)

    # ---- devices and runtime ----
    def list_devices(self) -> tuple[list[str], list[str]]:
        """Prints this machine's CPU (the reference lists the boards it reaches) and returns the
        reference's pair of lists: (['cpu'], [])."""
        def body():
            devices = _core.Runtime.list_devices()
            print("*************************")
            print("all device(s) with cpu mode:")
            for d in devices:
                print("%s: %s, %d core(s) usable (ids %s), %.2f GHz measured, %s" % (
                    d.id, d.model_name, d.logical_cores, ",".join(map(str, d.core_ids)), d.clock_ghz, d.isa))
            print("*************************")
            return [d.id for d in devices], []
        return self._call("list_devices", body, failed=([], []))

    def init_runtime(self, target: Optional[str] = None, device_id: Optional[str] = None, perf_debug: bool = False,
                     eval_mem: bool = False, async_mode: bool = False, core_mask: int = NPU_CORE_AUTO,
                     fallback_prior_device: str = "cpu") -> int:
        """Threads and core pinning from the core mask: NPU core i is the i-th CPU this process may
        use. A mask naming cores this machine lacks uses the ones that exist, and says so."""
        def body() -> int:
            if target:
                self._log("I", "target '%s': running on this machine's CPU" % target, "init_runtime")
            if async_mode:
                self._log("W", "async_mode is not supported: inference() returns this frame's outputs", "init_runtime")
            core_ids, all_cores = self._cores(core_mask)
            self._rt.init_runtime(perf_debug, eval_mem, 0, core_ids, all_cores)
            return 0
        return self._call("init_runtime", body)

    def _cores(self, mask: int) -> tuple[Optional[list[int]], bool]:
        name = _CORE_MASK_NAMES.get(mask, "0x%x" % mask)
        if mask == self.NPU_CORE_AUTO:
            return None, False
        if mask == self.NPU_CORE_ALL:
            self._log("I", "core_mask NPU_CORE_ALL: every CPU core of this machine, one pinned thread each",
                      "init_runtime")
            return None, True
        if mask < 0 or mask > 0xFFFF:
            raise Error("core_mask must be one of RKNN.NPU_CORE_* (a bit mask of cores), got %r" % mask)
        allowed = sorted(os.sched_getaffinity(0))
        named = [i for i in range(16) if mask >> i & 1]
        cpus = [allowed[i] for i in named if i < len(allowed)]
        if len(cpus) < len(named):
            have = "this machine has %d CPU core(s) for this process (%s)" % (len(allowed), ",".join(map(str, allowed)))
            if not cpus:
                self._log("W", "core_mask %s names core(s) %s; %s: none of them exists, running unpinned "
                          "(as NPU_CORE_AUTO)" % (name, ",".join(map(str, named)), have), "init_runtime")
                return None, False
            self._log("W", "core_mask %s names cores %s; %s: using CPU %s" % (
                name, ",".join(map(str, named)), have, ",".join(map(str, cpus))), "init_runtime")
        else:
            self._log("I", "core_mask %s: CPU %s, one pinned thread each" % (name, ",".join(map(str, cpus))),
                      "init_runtime")
        return cpus, False

    def get_sdk_version(self) -> str:
        return ("==============================================\n"
                "layerscope VERSION:\n"
                "    API: layerscope %s (Python, RKNN-compatible)\n"
                "    DRV: layerscope runtime %s (this machine's CPU)\n"
                "==============================================" % (__version__, _core.Runtime.sdk_version()))

    # ---- evaluation and inference ----
    def eval_perf(self, is_print: bool = True, fix_freq: bool = True, save_path: Optional[str] = "eval_perf.txt",
                  warmup: int = 5, runs: int = 20) -> Optional[str]:
        """The per-layer table, totals, op-type ranking and findings; printed when is_print, saved
        to save_path (None: not saved) and returned as a string (None on failure). The report as
        data: self.perf_report. Runs on the latest inference()'s inputs, before any on fixed-seed
        random ones. The CPU clock is not fixed (fix_freq): times are medians over `runs` runs."""
        def body() -> str:
            report, tables = self._rt.eval_perf(warmup, runs)
            text = tables + "\n" + report.findings_text
            self.perf_report = report
            if is_print:
                print(text, flush=True)
            if save_path:
                try:
                    _write_atomically(save_path, text)
                    self._log("I", "the report is saved in %s" % save_path, "eval_perf")
                except OSError as e:
                    self._log("W", "could not save the report in %s: %s" % (save_path, e), "eval_perf")
            return text
        return self._call("eval_perf", body, failed=None)

    def eval_memory(self, is_print: bool = True) -> Optional[dict[str, int]]:
        """The reference's memory dump; returns {weight_memory, internal_memory, other_memory,
        total_memory} in bytes (None on failure). The report as data: self.memory_report."""
        def body() -> dict[str, int]:
            report, text = self._rt.eval_memory()
            self.memory_report = report
            if is_print:
                print(text, flush=True)
            return {"weight_memory": report.weight_bytes, "internal_memory": report.internal_bytes,
                    "other_memory": report.other_bytes, "total_memory": report.total_bytes}
        return self._call("eval_memory", body, failed=None)

    def inference(self, inputs: Sequence[np.ndarray], data_format: Union[None, str, Sequence[str]] = None,
                  inputs_pass_through: Optional[Sequence[int]] = None) -> Optional[list[np.ndarray]]:
        """Runs the model on one array per model input (images as OpenCV gives them: uint8, NHWC,
        with or without the batch dim). Image inputs get the configured channel swap and mean/std.
        data_format: 'nhwc' (the default, as the reference) or 'nchw', for every 4-D input.
        Returns the outputs, or None on failure."""
        def body() -> list[np.ndarray]:
            if self._model is None:
                raise Error("no model loaded; call load_onnx() first")
            if inputs_pass_through is not None and any(inputs_pass_through):
                raise Error("inputs_pass_through is not supported: every image input gets the configured mean/std")
            fmt = self._data_format(data_format)
            arrays = self._inference_inputs(inputs, fmt)
            return self._rt.inference(arrays, fmt)
        return self._call("inference", body, failed=None)

    @staticmethod
    def _data_format(data_format: Union[None, str, Sequence[str]]) -> str:
        formats = [data_format] if data_format is None or isinstance(data_format, str) else list(data_format)
        names = {"nhwc" if f is None else str(f).lower() for f in formats} or {"nhwc"}
        if len(names) > 1:
            raise Error("data_format differs between inputs (%s); layerscope takes one layout for every image input"
                        % formats)
        name = names.pop()
        if name not in ("nhwc", "nchw"):
            raise Error("data_format must be 'nhwc' or 'nchw', got %r" % name)
        return name

    def _inference_inputs(self, inputs: Sequence[np.ndarray], fmt: str) -> list[np.ndarray]:
        declared = self._rt.inputs
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        if len(inputs) != len(declared):
            raise Error("the model has %d input(s) (%s), got %d" % (
                len(declared), ", ".join(describe(d) for d in declared), len(inputs)))
        arrays = []
        for info, value in zip(declared, inputs):
            array = value if isinstance(value, np.ndarray) else np.asarray(value)
            what = "input %s" % describe(info)
            if _image_dims(info):
                if array.ndim == 3:  # one image without the batch dim, as cv2.imread gives it
                    array = array[np.newaxis]
                if array.dtype not in (np.uint8, np.float32):
                    array = to_dtype(array, np.dtype(np.uint8 if info.onnx_type == "UINT8" else np.float32), what)
                arrays.append(np.asarray(array, order="C"))
            elif info.dtype is not None:
                arrays.append(to_dtype(array, info.dtype, what))
            else:
                arrays.append(np.asarray(array, order="C"))
        return arrays

    def accuracy_analysis(self, inputs: Sequence[str], output_dir: str = "./snapshot", target: Optional[str] = None,
                          device_id: Optional[str] = None) -> int:
        """The float model and the model build(do_quantization=True) made run on one sample (`inputs`:
        one file per model input, an image (JPEG, PNG, BMP or PNM; config()'s mean/std and channel swap apply) or a .npy
        array; one of exactly the model input's shape is taken as it is, others as inference()'s NHWC
        images), and every quantized layer's error is measured: cosine, relative L2, max abs error
        and SQNR, "entire" (errors accumulated, the reference's simulator column) and "single" (the
        layer alone, fed the float model's tensors), ranked by what it loses. Prints the table and
        writes accuracy.json, accuracy.csv, accuracy.html and the matched tensors (float/, quant/ as
        .npy) into output_dir. target/device_id name an NPU board: the analysis runs on this CPU."""
        def body() -> int:
            if self._model is None:
                raise Error("no model loaded; call load_onnx() first")
            if target is not None or device_id is not None:
                self._log("W", "target=%r, device_id=%r ignored: the float and the int8 model both run on this CPU"
                          % (target, device_id), "accuracy_analysis")
            paths = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
            arrays = []
            for p in paths:
                path = os.fspath(p)
                if not os.path.isfile(path):
                    raise Error("input file '%s' does not exist" % path)
                arrays.append(np.load(path, allow_pickle=False) if path.lower().endswith(".npy")
                              else _core.load_image(path))
            # A .npy of exactly the model's input shape is that tensor (an NCHW image stays NCHW);
            # anything else is laid out as inference() takes images: NHWC.
            declared = [None if d.shape is None else tuple(d.shape) for d in self._rt.inputs]
            exact = len(arrays) == len(declared) and all(s is not None and a.shape == s
                                                         for a, s in zip(arrays, declared))
            fmt = "nchw" if exact else "nhwc"
            report = self._rt.accuracy_analysis(self._inference_inputs(arrays, fmt), os.fspath(output_dir), "", fmt,
                                                False, 0.999)
            print(report.text, end="")
            self._log("I", "accuracy analysis of %d quantized layers written to '%s'"
                      % (len(report.layers), os.fspath(output_dir)), "accuracy_analysis")
            return 0
        return self._call("accuracy_analysis", body)

    def hybrid_quantization_step1(self, *args: Any, **kwargs: Any) -> int:
        raise NotAvailableError("hybrid_quantization_step1(): the two-step hybrid quantization is not available; "
                                "layerscope.quantize(..., keep_float=[NODE, ...]) keeps chosen layers in float in "
                                "one step.")

    def hybrid_quantization_step2(self, *args: Any, **kwargs: Any) -> int:
        raise NotAvailableError("hybrid_quantization_step2(): the two-step hybrid quantization is not available; "
                                "layerscope.quantize(..., keep_float=[NODE, ...]) keeps chosen layers in float in "
                                "one step.")

    def release(self) -> None:
        """Frees the model and every buffer; the object is then as new."""
        def body() -> None:
            self._rt.release()
            self._model = None
        self._call("release", body, failed=None)


def _write_atomically(path: str, text: str) -> None:
    """Writes `text` to `path` through a temporary file in the same folder, renamed when complete."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".eval_perf.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
