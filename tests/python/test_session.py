"""layerscope.Session: outputs bit for bit equal to the `layerscope` command's, NumPy dtypes and
layouts (passed in place, converted, or refused with a clear message), and errors."""
import os

import numpy as np
import pytest

import layerscope
from layerscope import _inputs

from conftest import run_cli


@pytest.fixture(scope="module")
def sample(sample_model):
    return layerscope.Session(sample_model)


def test_outputs_equal_the_cli_bit_for_bit(sample, sample_model, cli, tmp_path):
    x = np.random.default_rng(3).standard_normal((1, 3, 224, 308)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    run_cli(cli, "run", sample_model, "--input", "input=%s" % (tmp_path / "x.npy"), "--out", tmp_path / "out",
            "--warmup", "0", "--runs", "1")
    expected = np.load(tmp_path / "out" / "output.npy")
    (y,) = sample.run({"input": x})
    assert y.dtype == expected.dtype == np.float32
    assert y.shape == expected.shape == (1, 1, 224, 308)
    assert np.array_equal(y, expected)
    assert float(np.std(y)) > 0.1  # a real, input-dependent output, not zeros


def test_random_inputs_are_the_clis(sample, sample_model, cli, tmp_path):
    # `layerscope run` without --input feeds fixed-seed random values (seed 0): the same as
    # Session.random_inputs(0), so the outputs agree bit for bit.
    run_cli(cli, "run", sample_model, "--out", tmp_path, "--warmup", "0", "--runs", "1")
    inputs = sample.random_inputs(0)
    assert list(inputs) == ["input"] and inputs["input"].dtype == np.float32
    assert np.array_equal(sample.run(inputs)[0], np.load(tmp_path / "output.npy"))
    assert not np.array_equal(sample.random_inputs(1)["input"], inputs["input"])


def test_input_forms_agree_and_outputs_outlive_the_session(sample_model):
    s = layerscope.Session(sample_model)
    x = np.random.default_rng(4).standard_normal((1, 3, 224, 308)).astype(np.float32)
    by_dict = s.run({"input": x})[0]
    assert np.array_equal(s.run([x])[0], by_dict)
    assert np.array_equal(s.run(x)[0], by_dict)
    assert np.array_equal(s.run_named({"input": x})["output"], by_dict)
    del s  # the output arrays own the runtime's storage, not the session's
    assert np.isfinite(by_dict).all() and by_dict.flags.c_contiguous


def test_contiguous_float32_is_passed_in_place(matmul_model):
    # Session.run hands _inputs.model_inputs' arrays to the C++ layer, which views them
    # (nanobind, no implicit conversion): the very array object given means no copy.
    s = layerscope.Session(matmul_model)
    x = np.zeros((2, 64), np.float32)
    ((name, passed),) = _inputs.model_inputs({"x": x}, s.inputs)
    assert name == "x" and passed is x
    ((_, copied),) = _inputs.model_inputs({"x": x.T.copy().T}, s.inputs)  # Fortran order: one C copy
    assert copied is not x and copied.flags.c_contiguous


def test_non_contiguous_and_other_dtypes(matmul_model):
    s = layerscope.Session(matmul_model)
    rng = np.random.default_rng(5)
    base = rng.standard_normal((6, 128)).astype(np.float32)
    view = base[::2, ::2]  # strided, not contiguous
    assert not view.flags.c_contiguous
    expected = s.run({"x": np.ascontiguousarray(view)})[0]
    assert np.array_equal(s.run({"x": view})[0], expected)
    fortran = np.asfortranarray(np.ascontiguousarray(view))
    assert np.array_equal(s.run({"x": fortran})[0], expected)
    # float64 (NumPy's default) is rounded to float32, as the model computes in float32
    x64 = rng.standard_normal((3, 64))
    assert np.array_equal(s.run({"x": x64})[0], s.run({"x": x64.astype(np.float32)})[0])
    # uint8 -> float32 changes no value
    u8 = rng.integers(0, 255, (3, 64), dtype=np.uint8)
    assert np.array_equal(s.run({"x": u8})[0], s.run({"x": u8.astype(np.float32)})[0])
    # a Python list works like the array it makes
    assert np.array_equal(s.run({"x": x64.tolist()})[0], s.run({"x": x64.astype(np.float32)})[0])


def test_symbolic_batch_dim(matmul_model):
    s = layerscope.Session(matmul_model)
    (x,) = s.inputs
    assert x.name == "x" and x.shape == (None, 64) and x.dim_names[0] == "batch"
    assert x.dtype == np.float32 and x.onnx_type == "FLOAT"
    for batch in (1, 5):
        y = s.run({"x": np.ones((batch, 64), np.float32)})[0]
        assert y.shape == (batch, 32)
    assert s.plan().layers >= 2


def test_conversions_that_could_change_values_are_refused(matmul_model, typed_model):
    s = layerscope.Session(matmul_model)
    with pytest.raises(layerscope.Error, match=r"input 'x' FLOAT \(\?,64\): got a int64 array; it takes float32"):
        s.run({"x": np.ones((2, 64), np.int64)})
    with pytest.raises(layerscope.Error, match="beyond float32's range"):
        s.run({"x": np.full((2, 64), 1e300)})
    t = layerscope.Session(typed_model)
    good = {"idx": np.array([0, 4, 2]), "mask": np.ones((3, 4), bool), "scale": np.float32(2.0)}
    with pytest.raises(layerscope.Error, match=r"input 'idx' INT64 \(3\): got a float32 array; it takes int64"):
        t.run({**good, "idx": np.array([0.0, 1.0, 2.0], np.float32)})
    with pytest.raises(layerscope.Error, match="got a uint64 array; it takes int64"):
        t.run({**good, "idx": np.array([0, 1, 2], np.uint64)})


def test_element_types_and_scalars(typed_model):
    t = layerscope.Session(typed_model)
    assert [(v.name, v.onnx_type, v.shape) for v in t.inputs] == [
        ("idx", "INT64", (3,)), ("mask", "BOOL", (3, 4)), ("scale", "FLOAT", ())]
    idx = np.array([0, 4, 2], np.int32)  # int32 -> int64 is exact
    mask = np.array([[1, 0, 1, 0]] * 3, bool)
    (y,) = t.run({"idx": idx, "mask": mask, "scale": 0.5})  # a Python float becomes a 0-d float32
    table = np.arange(20, dtype=np.float32).reshape(5, 4)
    assert np.array_equal(y, np.where(mask, table[idx] * np.float32(0.5), 0))


def test_errors_name_the_input_and_what_was_expected(matmul_model, sample):
    s = layerscope.Session(matmul_model)
    with pytest.raises(layerscope.Error, match=r"input 'x' has shape \(2,63\)"):
        s.run({"x": np.ones((2, 63), np.float32)})
    with pytest.raises(layerscope.Error, match="has no input named 'nope'; its inputs are: x"):
        s.run({"nope": np.ones((2, 64), np.float32)})
    with pytest.raises(layerscope.Error, match=r"the model has 1 input\(s\) \('x' FLOAT \(\?,64\)\), got 2"):
        s.run([np.ones((2, 64), np.float32)] * 2)
    with pytest.raises(layerscope.Error, match="input 'input' .* is missing"):
        sample.run({})
    assert issubclass(layerscope.Error, RuntimeError)


def test_bad_model_files_and_options(tmp_path, matmul_model):
    with pytest.raises(layerscope.Error, match="nowhere.onnx"):
        layerscope.Session(tmp_path / "nowhere.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07 this is not a protobuf model \xff\xfe")
    with pytest.raises(layerscope.Error, match="junk.onnx"):
        layerscope.Session(junk)
    allowed = sorted(os.sched_getaffinity(0))
    with pytest.raises(layerscope.Error, match="core 4095 is not available to this process; allowed cores"):
        layerscope.Session(matmul_model, cores=[4095])
    with pytest.raises(layerscope.Error, match="threads must be 0 .* got -1"):
        layerscope.Session(matmul_model, threads=-1)
    s = layerscope.Session(matmul_model, cores=allowed[:1])
    assert s.run({"x": np.ones((1, 64), np.float32)})[0].shape == (1, 32)


def test_optimize_false_gives_one_layer_per_node(matmul_model):
    fused = layerscope.Session(matmul_model).profile({"x": np.ones((4, 64), np.float32)}, warmup=0, runs=1)
    plain = layerscope.Session(matmul_model, optimize=False).profile({"x": np.ones((4, 64), np.float32)},
                                                                      warmup=0, runs=1)
    assert [l.op_type for l in plain.layers] == ["MatMul", "Relu", "MatMul", "Add"]
    assert len(fused.layers) < len(plain.layers) and not plain.optimized and fused.optimized
