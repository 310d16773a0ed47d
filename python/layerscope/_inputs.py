"""How NumPy inputs reach the C++ runtime: the one place that decides what is converted,
what is passed without a copy and what is refused.

- An array that is C-contiguous and has the model input's dtype is passed as it is: the C++
  layer views its memory (no copy).
- A non-contiguous array (a slice, a transpose, Fortran order) is copied once into C order.
- Another dtype is converted when no value can change ("safe" casting: uint8 -> float32,
  int32 -> int64, float16 -> float32, bool -> int64 ...), and float64 -> float32, NumPy's
  default float type for models that compute in float32 (refused if a finite value overflows).
- Anything else (float -> int, int64 -> int32, signed <-> unsigned, ...) is refused with a
  message naming the input, what the model expects and how to convert it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Error, ValueInfo


def describe(info: ValueInfo) -> str:
    """'images' FLOAT (1,3,224,224): how the messages name a model input."""
    if info.shape is None:
        shape = "(shape not declared)"
    else:
        shape = "(" + ",".join("?" if d is None else str(d) for d in info.shape) + ")"
    return "'%s' %s %s" % (info.name, info.onnx_type, shape)


def to_dtype(value: Any, dtype: np.dtype, what: str) -> np.ndarray:
    """`value` as a C-contiguous array of `dtype`, under the rules above; `what` names it in errors."""
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype == dtype:
        return np.asarray(array, order="C")  # the same object when already C-contiguous
    if array.dtype == np.float64 and dtype == np.float32:
        with np.errstate(over="ignore"):  # detected below, with a better message
            converted = np.asarray(array, dtype=np.float32, order="C")
        overflow = np.isinf(converted) & np.isfinite(array)
        if overflow.any():
            raise Error("%s: float64 values beyond float32's range (e.g. %r) would become infinite; "
                        "scale them or pass float32" % (what, array[overflow].flat[0]))
        return converted
    if np.can_cast(array.dtype, dtype, casting="safe"):
        return np.asarray(array, dtype=dtype, order="C")
    raise Error("%s: got a %s array; it takes %s, and layerscope converts only when no value can change "
                "(e.g. uint8 -> float32) or float64 -> float32: convert it yourself, e.g. x.astype(np.%s)"
                % (what, array.dtype, dtype, dtype))


def model_inputs(inputs: Any, declared: list[ValueInfo]) -> list[tuple[str, np.ndarray]]:
    """(name, array) pairs for Session.run from a dict (by name), a list/tuple (the model's
    order) or a single array (a one-input model). Unknown names are passed on for the
    runtime to refuse with the list of the model's inputs."""
    by_name = {d.name: d for d in declared}
    if isinstance(inputs, dict):
        pairs = list(inputs.items())
    elif isinstance(inputs, (list, tuple)):
        if len(inputs) != len(declared):
            raise Error("the model has %d input(s) (%s), got %d array(s)"
                        % (len(declared), ", ".join(describe(d) for d in declared), len(inputs)))
        pairs = [(d.name, v) for d, v in zip(declared, inputs)]
    elif len(declared) == 1:
        pairs = [(declared[0].name, inputs)]
    else:
        raise Error("the model has %d inputs (%s): give a dict {name: array} or a list in this order"
                    % (len(declared), ", ".join(describe(d) for d in declared)))
    out = []
    for name, value in pairs:
        if not isinstance(name, str):
            raise Error("input names must be strings, got %r" % (name,))
        info = by_name.get(name)
        if info is None or info.dtype is None:
            out.append((name, np.asarray(value, order="C")))
        else:
            out.append((name, to_dtype(value, info.dtype, "input " + describe(info))))
    return out
