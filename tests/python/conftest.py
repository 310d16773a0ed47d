"""Shared fixtures of the Python package's tests (tests/python/, run by scripts/test or alone:
`tests/python/run.sh`). They test the installed package (`pip install .`) against the C++ results
of the `layerscope` command built from the same tree.

    pytest tests/python [--cli build/layerscope] [--models-dir .cache/models]
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_addoption(parser):
    parser.addoption("--cli", default=os.environ.get("LAYERSCOPE_CLI", os.path.join(REPO, "build", "layerscope")),
                     help="the layerscope command to compare against (default build/layerscope)")
    parser.addoption("--models-dir", default=os.environ.get("LAYERSCOPE_MODELS_DIR",
                                                            os.path.join(REPO, ".cache", "models")),
                     help="generated test models (scripts/models/export_models.py)")


@pytest.fixture(scope="session")
def cli(pytestconfig):
    path = pytestconfig.getoption("--cli")
    if not os.access(path, os.X_OK):
        pytest.fail("no layerscope command at %s: build it (scripts/build) or pass --cli" % path)
    return path


def run_cli(cli, *args, cwd=None):
    r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True, timeout=1200, cwd=cwd)
    if r.returncode != 0:
        raise AssertionError("layerscope %s failed (%d): %s" % (" ".join(map(str, args)), r.returncode, r.stderr))
    return r.stdout


@pytest.fixture(scope="session")
def models_dir(pytestconfig):
    return pytestconfig.getoption("--models-dir")


@pytest.fixture(scope="session")
def sample_model(tmp_path_factory):
    """The bundled sample model (DepthAnythingLike, small config: ViT + DPT head, 1x3x224x308)."""
    path = str(tmp_path_factory.mktemp("sample") / "sample.onnx")
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_sample_model.py"), "--out", path],
                   check=True, capture_output=True, timeout=900)
    return path


@pytest.fixture(scope="session")
def depth_model(models_dir):
    path = os.path.join(models_dir, "depth_anything_like.opset17.onnx")
    if not os.path.isfile(path):
        pytest.fail("%s is missing: generate the test models with scripts/models/export_models.py --out %s"
                    % (path, models_dir))
    return path


def save_model(graph, path, opset=17):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return path


@pytest.fixture(scope="session")
def matmul_model(tmp_path_factory):
    """y = Relu(x @ W1) @ W2 + b, x float32 (batch, 64) with a symbolic batch dim: small, but
    with real oneDNN kernels (MatMul, fused activation) and a shape bound at run time."""
    rng = np.random.default_rng(7)
    w1 = helper.make_tensor("w1", TensorProto.FLOAT, [64, 256], rng.standard_normal(64 * 256).astype(np.float32) / 8)
    w2 = helper.make_tensor("w2", TensorProto.FLOAT, [256, 32], rng.standard_normal(256 * 32).astype(np.float32) / 16)
    b = helper.make_tensor("b", TensorProto.FLOAT, [32], rng.standard_normal(32).astype(np.float32))
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
         helper.make_node("Relu", ["h"], ["r"], name="relu"),
         helper.make_node("MatMul", ["r", "w2"], ["m"], name="fc2"),
         helper.make_node("Add", ["m", "b"], ["y"], name="bias")],
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 32])],
        [w1, w2, b])
    return save_model(g, str(tmp_path_factory.mktemp("mlp") / "mlp.onnx"))


@pytest.fixture(scope="session")
def typed_model(tmp_path_factory):
    """Inputs of several element types: y = Where(mask, Gather(table, idx), scale * 1),
    idx int64 (3,), mask bool (3, 4), scale a float32 scalar (shape ())."""
    table = helper.make_tensor("table", TensorProto.FLOAT, [5, 4], np.arange(20, dtype=np.float32))
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    g = helper.make_graph(
        [helper.make_node("Gather", ["table", "idx"], ["rows"], name="gather", axis=0),
         helper.make_node("Mul", ["rows", "scale"], ["scaled"], name="mul"),
         helper.make_node("Where", ["mask", "scaled", "zero"], ["y"], name="where")],
        "typed",
        [helper.make_tensor_value_info("idx", TensorProto.INT64, [3]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, [3, 4]),
         helper.make_tensor_value_info("scale", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4])],
        [table, zero])
    return save_model(g, str(tmp_path_factory.mktemp("typed") / "typed.onnx"))
