"""The installed package: version, type stubs, the top-level API, machine(), compare(), and the
features that do not exist yet (they say so)."""
import ast
import os
import re

import pytest

import layerscope
from layerscope import _core

from conftest import REPO


def test_version_is_the_projects():
    with open(os.path.join(REPO, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake_version = re.search(r"project\(layerscope VERSION (\S+)", f.read()).group(1)
    with open(os.path.join(REPO, "pyproject.toml"), encoding="utf-8") as f:
        py_version = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
    assert layerscope.__version__ == cmake_version == py_version


def test_type_stubs_ship_with_the_package():
    folder = os.path.dirname(layerscope.__file__)
    assert os.path.isfile(os.path.join(folder, "py.typed"))
    with open(os.path.join(folder, "_core.pyi"), encoding="utf-8") as f:
        stub = ast.parse(f.read())
    classes = {n.name: {m.name for m in n.body if isinstance(m, ast.FunctionDef)}
               for n in stub.body if isinstance(n, ast.ClassDef)}
    functions = {n.name for n in stub.body if isinstance(n, ast.FunctionDef)}
    for name in ("Session", "PerfReport", "MemoryReport", "Layer", "Finding", "Comparison", "MachineInfo",
                 "Runtime", "Error"):
        assert name in classes
    assert {"to_json", "to_csv", "to_dataframe", "html", "save", "text", "findings", "layers"} <= classes["PerfReport"]
    assert {"machine", "read_report", "import_rknn", "compare_reports"} <= functions
    # Every public name of the compiled module is in its stub
    public = {n for n in dir(_core) if not n.startswith("_")}
    assert public <= set(classes) | functions | {"Error"}


def test_public_api():
    for name in layerscope.__all__:
        assert hasattr(layerscope, name), name
    assert isinstance(layerscope.workload_measurement, bool)


def test_machine(capsys):
    m = layerscope.machine()
    assert m.logical_cores == len(os.sched_getaffinity(0)) and m.clock_ghz > 0 and m.fp32.gmacs_1core > 0
    assert m.model_name in m.text and "avx" in m.isa
    assert m.peak_gmacs("float32", 1) > 0 and m.roof_bandwidth_gbs() > 0
    with pytest.raises(layerscope.Error, match="dtype must be"):
        m.peak_gmacs("float64")
    assert '"model_name"' in m.to_json()


def test_compare_two_reports(matmul_model, tmp_path):
    import numpy as np
    x = {"x": np.ones((256, 64), np.float32)}
    a = layerscope.Session(matmul_model).profile(x, warmup=1, runs=3)
    b = layerscope.Session(matmul_model, optimize=False).profile(x, warmup=1, runs=3)
    c = layerscope.compare(a, b, "fused", "plain")
    assert c.a.label == "fused" and c.b.label == "plain" and c.a.layers == len(a.layers)
    assert c.matched_by_name >= 1 and "fused" in c.text
    assert len(c.to_dataframe()) == len(c.layers)
    a.save(tmp_path / "a")
    from_files = layerscope.compare(str(tmp_path / "a" / "perf.json"), b)
    assert from_files.a.label == "perf.json" and from_files.b.label == "B"
    c.save(tmp_path / "cmp")
    assert sorted(os.listdir(tmp_path / "cmp")) == ["compare.html", "compare.json", "compare.txt"]
    assert c._repr_html_().startswith('<iframe sandbox="allow-scripts"')
    with pytest.raises(layerscope.Error, match="missing.json"):
        layerscope.compare(str(tmp_path / "missing.json"), b)
