"""layerscope.quantize() and RKNN.build(do_quantization=True): a small residual conv net and a
.npy calibration dataset made here are quantized for real; the int8 model is checked against the
CLI's `layerscope quantize` (same bytes), run in onnxruntime and layerscope, profiled (int8
layers, DataType) and compared with the float model; errors name what is wrong. The Python
example examples/python/quantize_workflow.py runs end to end."""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import layerscope
from layerscope.rknn import RKNN

from conftest import REPO, run_cli

CHANNELS, SIZE, CLASSES, SAMPLES = 16, 24, 10, 6


@pytest.fixture(scope="module")
def conv_model(tmp_path_factory):
    """x (1,3,24,24) -> Conv+Relu -> Conv -> Add(residual) -> Relu -> GlobalAveragePool -> Flatten -> Gemm."""
    rng = np.random.default_rng(3)

    def w(*shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    inits = [numpy_helper.from_array(w(CHANNELS, 3, 3, 3, fan_in=27), "w1"),
             numpy_helper.from_array((rng.standard_normal(CHANNELS) * 0.1).astype(np.float32), "b1"),
             numpy_helper.from_array(w(CHANNELS, CHANNELS, 3, 3, fan_in=9 * CHANNELS), "w2"),
             numpy_helper.from_array((rng.standard_normal(CHANNELS) * 0.1).astype(np.float32), "b2"),
             numpy_helper.from_array(w(CLASSES, CHANNELS, fan_in=CHANNELS), "wfc"),
             numpy_helper.from_array((rng.standard_normal(CLASSES) * 0.1).astype(np.float32), "bfc")]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
             helper.make_node("Add", ["c2", "r1"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
             helper.make_node("GlobalAveragePool", ["r2"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "wfc", "bfc"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "small_resnet",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, CLASSES])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    folder = tmp_path_factory.mktemp("quant")
    path = str(folder / "small.onnx")
    onnx.save(model, path)
    lines = []
    for i in range(SAMPLES):
        name = "s%d.npy" % i
        np.save(str(folder / name), rng.standard_normal((1, 3, SIZE, SIZE)).astype(np.float32))
        lines.append(name)
    (folder / "dataset.txt").write_text("\n".join(lines) + "\n")
    return path, str(folder / "dataset.txt")


def cosine(a, b):
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_quantize_writes_the_model_the_cli_writes(conv_model, cli, tmp_path):
    model, dataset = conv_model
    out = str(tmp_path / "py.int8.onnx")
    calls = []
    summary = layerscope.quantize(model, dataset, out, progress=lambda done, total: calls.append((done, total)))
    assert isinstance(summary, layerscope.QuantizeSummary)
    assert summary.samples == SAMPLES and calls == [(i, SAMPLES) for i in range(1, SAMPLES + 1)]
    assert summary.quantized_nodes >= 4 and summary.weights == 3 and summary.biases == 3 and summary.opset == 17
    cli_out = str(tmp_path / "cli.int8.onnx")
    run_cli(cli, "quantize", model, "--dataset", dataset, "--out", cli_out)
    with open(out, "rb") as a, open(cli_out, "rb") as b:
        assert a.read() == b.read()  # the same library call: the same bytes

    # Options reach the library: entropy ranges, per-tensor weights, a node kept in float.
    other = str(tmp_path / "other.int8.onnx")
    s2 = layerscope.quantize(model, dataset, other, method="entropy", per_channel=False, keep_float=["conv2"],
                             max_samples=3)
    assert s2.samples == 3 and s2.kept_float == 1
    cli_other = str(tmp_path / "cli_other.int8.onnx")
    run_cli(cli, "quantize", model, "--dataset", dataset, "--out", cli_other, "--method", "entropy", "--per-tensor",
            "--keep-float", "conv2", "--max-samples", "3")
    with open(other, "rb") as a, open(cli_other, "rb") as b:
        assert a.read() == b.read()
    conv2 = [n for n in onnx.load(other).graph.node if n.name == "conv2"][0]
    assert conv2.input[0] == "r1"  # kept float: reads the float tensor, not a DequantizeLinear output


def test_quantized_model_runs_profiles_and_compares(conv_model, tmp_path):
    model, dataset = conv_model
    out = str(tmp_path / "m.int8.onnx")
    layerscope.quantize(model, dataset, out)
    x = np.load(os.path.join(os.path.dirname(dataset), "s0.npy"))
    ours = layerscope.Session(out, threads=1).run([x])[0]
    sess = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
    theirs = sess.run(None, {"x": x})[0]
    assert cosine(ours, theirs) >= 0.999
    fp32 = layerscope.Session(model, threads=1)
    assert cosine(ours, fp32.run([x])[0]) >= 0.99

    a = fp32.profile(warmup=1, runs=3)
    b = layerscope.Session(out, threads=1).profile(warmup=1, runs=3)
    # Without VNNI (no int8 peak) nothing is fused: the convolutions run in float (cpu_features.h).
    has_int8 = b.roofs.int8_macs_per_cycle_per_core > 0
    conv_op = "QLinearConv" if has_int8 else "Conv"
    int8_layers = [l for l in b.layers if l.op_type.startswith("QLinear")]
    assert any(l.op_type == conv_op for l in b.layers)
    assert all(l.data_type in ("INT8", "UINT8") for l in int8_layers)
    assert {l.data_type for l in a.layers} == {"FLOAT"}
    q = [l for l in b.layers if l.op_type == "QuantizeLinear"]
    assert q and all(l.data_type in ("INT8", "UINT8") for l in q)
    # Layers connect by value name: a QLinearConv (or DequantizeLinear) reads what the QuantizeLinear wrote.
    assert q[0].output_names[0] in {n for l in b.layers for n in l.input_names}
    assert b.roofs.int8_macs_per_cycle_per_core >= 0
    df = b.to_dataframe()
    assert list(df["data_type"]) == [l.data_type for l in b.layers]

    c = layerscope.compare(a, b, "fp32", "int8")
    rows = [l for l in c.layers if l.op_type_a.startswith("Conv")]
    assert len(rows) == sum(1 for l in a.layers if l.op_type.startswith("Conv"))
    for r in rows:
        assert r.match == "name" and r.op_type_b.startswith(conv_op)
        assert r.data_type_a == "FLOAT" and r.data_type_b in (("INT8", "UINT8") if has_int8 else ("FLOAT",))
        assert r.time.speedup == pytest.approx(r.time.a.median_us / r.time.b.median_us, rel=1e-12)
    frame = c.to_dataframe()
    assert "speedup" in frame.columns and "data_type_b" in frame.columns
    assert "Speed-up" in c.text


def test_quantize_errors_name_the_problem(conv_model, tmp_path):
    model, dataset = conv_model
    missing = str(tmp_path / "missing.txt")
    with pytest.raises(layerscope.Error, match="missing.txt"):
        layerscope.quantize(model, missing, str(tmp_path / "x.onnx"))
    assert not os.path.exists(tmp_path / "x.onnx")
    with pytest.raises(layerscope.Error, match="method must be 'minmax', 'percentile' or 'entropy'"):
        layerscope.quantize(model, dataset, str(tmp_path / "x.onnx"), method="kl")
    with pytest.raises(layerscope.Error, match="nosuchnode"):
        layerscope.quantize(model, dataset, str(tmp_path / "x.onnx"), keep_float=["nosuchnode"])
    bad = tmp_path / "bad.txt"
    bad.write_text("wrong_shape.npy\n")
    np.save(str(tmp_path / "wrong_shape.npy"), np.zeros((1, 3, 8, 8), np.float32))
    with pytest.raises(layerscope.Error, match="bad.txt:1"):
        layerscope.quantize(model, str(bad), str(tmp_path / "x.onnx"))

    def stop(done, total):
        raise KeyboardInterrupt("stop at %d" % done)
    with pytest.raises(KeyboardInterrupt, match="stop at 1"):
        layerscope.quantize(model, dataset, str(tmp_path / "y.onnx"), progress=stop)


def test_rknn_build_quantizes_and_runs_the_int8_model(conv_model, tmp_path, capsys):
    model, dataset = conv_model
    rknn = RKNN()
    assert rknn.config(quantized_algorithm="kl_divergence", quantized_method="layer") == 0
    assert rknn.load_onnx(model=model) == 0
    assert rknn.build(do_quantization=True, dataset=dataset) == 0
    assert "quantized to int8" in capsys.readouterr().out
    exported = str(tmp_path / "rknn.int8.onnx")
    assert rknn.export_onnx(exported) == 0
    same = str(tmp_path / "same.int8.onnx")
    layerscope.quantize(model, dataset, same, method="entropy", per_channel=False)
    with open(exported, "rb") as a, open(same, "rb") as b:
        assert a.read() == b.read()  # config()'s algorithm and method reached the quantizer
    assert rknn.init_runtime(perf_debug=True, eval_mem=True) == 0
    x = np.load(os.path.join(os.path.dirname(dataset), "s1.npy"))
    out = rknn.inference(inputs=[x], data_format="nchw")
    assert np.array_equal(out[0], layerscope.Session(exported).run([x])[0])
    text = rknn.eval_perf(is_print=False, save_path=None, warmup=1, runs=2)
    assert rknn.perf_report is not None
    if rknn.perf_report.roofs.int8_macs_per_cycle_per_core > 0:  # VNNI: the convolutions run in int8
        assert "QLinearConv" in text
        assert any(l.op_type == "QLinearConv" and l.data_type in ("INT8", "UINT8") for l in rknn.perf_report.layers)
    else:
        assert "QuantizeLinear" in text and "no int8 dot-product instruction" in " ".join(text.split())
    memory = rknn.eval_memory(is_print=False)
    assert memory["weight_memory"] > 0
    # Building again while the int8 model runs is refused, by the reference's return code.
    assert rknn.build(do_quantization=True, dataset=dataset) == -1
    assert "already running" in capsys.readouterr().err
    rknn.release()


def test_rknn_build_errors(conv_model, capsys):
    model, _ = conv_model
    rknn = RKNN()
    assert rknn.build(do_quantization=True, dataset="d.txt") == -1  # nothing loaded
    assert "no model loaded" in capsys.readouterr().err
    assert rknn.load_onnx(model=model) == 0
    assert rknn.build() == -1  # the reference's default quantizes: it needs a dataset
    assert "needs a calibration dataset" in capsys.readouterr().err
    assert rknn.build(do_quantization=True, dataset="/nonexistent/d.txt") == -1
    assert "/nonexistent/d.txt" in capsys.readouterr().err
    assert RKNN().config(quantized_dtype="w4a16") == -1
    assert "w4a16" in capsys.readouterr().err
    assert RKNN().config(quantized_algorithm="mmse") == -1
    assert "mmse" in capsys.readouterr().err
    assert rknn.export_rknn("m.rknn") == -1
    assert "export_onnx" in capsys.readouterr().err
    rknn.release()


def test_python_quantize_example(conv_model, tmp_path):
    model, dataset = conv_model
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, os.path.join(REPO, "examples", "python", "quantize_workflow.py"), model,
                        dataset, str(out), "--threads", "1", "--runs", "2"], capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stderr
    assert "Per layer (largest change first)" in r.stdout
    assert "matched layer(s) are slower in int8 than in float" in r.stdout
    for f in ("model.int8.onnx", "rknn_int8.onnx", "fp32/perf.json", "int8/report.html", "compare/compare.html",
              "rknn_eval_perf.txt"):
        assert (out / f).is_file(), f
    with open(out / "model.int8.onnx", "rb") as a, open(out / "rknn_int8.onnx", "rb") as b:
        assert a.read() == b.read()
