"""layerscope.accuracy() and RKNN.accuracy_analysis(): the small residual conv net of
test_quantize.py, quantized for real, analysed layer by layer against its float model; the
report agrees with the CLI's `layerscope accuracy` on the same samples, a broken layer ranks
first, and errors name what is wrong."""
import json
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import layerscope
from layerscope.rknn import RKNN

from conftest import run_cli
from test_quantize import conv_model  # noqa: F401  (the fixture)


@pytest.fixture(scope="module")
def quantized(conv_model, tmp_path_factory):  # noqa: F811
    model, dataset = conv_model
    out = str(tmp_path_factory.mktemp("acc") / "m.int8.onnx")
    layerscope.quantize(model, dataset, out)
    return model, dataset, out


def test_accuracy_matches_the_cli(quantized, cli, tmp_path):
    model, dataset, q = quantized
    report = layerscope.accuracy(model, q, dataset=dataset, out=str(tmp_path / "py"))
    assert isinstance(report, layerscope.AccuracyReport)
    assert report.samples == 6 and report.layers and report.outputs
    conv = [l for l in report.layers if l.op_type == "Conv"]
    assert len(conv) == 2 and all(l.has_single for l in conv)
    for l in report.layers:
        assert l.entire.cosine.defined and 0.9 < l.entire.cosine.value <= 1.0 + 1e-9
        assert l.entire.sqnr_db.value > 10
    assert sorted(l.rank for l in report.layers) == list(range(1, len(report.layers) + 1))
    assert "[Conv] conv1" in report.text and report.csv.count("\n") == len(report.layers) + 1
    assert sorted(os.listdir(tmp_path / "py")) == ["accuracy.csv", "accuracy.html", "accuracy.json"]
    run_cli(cli, "accuracy", model, q, "--dataset", dataset, "--out", str(tmp_path / "cli"))
    ours = json.loads((tmp_path / "py" / "accuracy.json").read_text())
    theirs = json.loads((tmp_path / "cli" / "accuracy.json").read_text())
    assert ours["layers"] == theirs["layers"] and ours["outputs"] == theirs["outputs"]

    # One sample given as arrays gives that sample's numbers; several dicts are several samples.
    x = np.load(os.path.join(os.path.dirname(dataset), "s0.npy"))
    one = layerscope.accuracy(model, q, {"x": x})
    assert one.samples == 1
    two = layerscope.accuracy(model, q, [{"x": x}, {"x": x * 0.5}], single=False)
    assert two.samples == 2 and not any(l.has_single for l in two.layers)


def test_a_broken_layer_ranks_first(quantized, tmp_path):
    model, dataset, q = quantized
    m = onnx.load(q)
    # conv2's weight scale x10: its int8 weights now stand for ten times the float weights.
    w_dq = [n for n in m.graph.node if n.op_type == "DequantizeLinear" and n.output[0].startswith("w2")][0]
    scale = [i for i in m.graph.initializer if i.name == w_dq.input[1]][0]
    scale.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(scale) * 10, scale.name))
    broken = str(tmp_path / "broken.onnx")
    onnx.save(m, broken)
    report = layerscope.accuracy(model, broken, dataset=dataset, max_samples=2)
    first = min(report.layers, key=lambda l: l.rank)
    assert first.node == "conv2" and first.single.sqnr_db.value < 5


def test_accuracy_errors_name_the_problem(quantized, tmp_path):
    model, dataset, q = quantized
    with pytest.raises(layerscope.Error, match="exactly one"):
        layerscope.accuracy(model, q)
    with pytest.raises(layerscope.Error, match="missing.onnx"):
        layerscope.accuracy(model, str(tmp_path / "missing.onnx"), dataset=dataset)
    with pytest.raises(layerscope.Error, match="'x'"):
        layerscope.accuracy(model, q, {"x": np.zeros((1, 3, 8, 8), np.float32)})


def test_rknn_accuracy_analysis(quantized, tmp_path, capsys):
    model, dataset, q = quantized
    rknn = RKNN()
    assert rknn.load_onnx(model=model) == 0
    sample = os.path.join(os.path.dirname(dataset), "s2.npy")
    assert rknn.accuracy_analysis(inputs=[sample], output_dir=str(tmp_path / "none")) == -1  # not built
    assert "build" in capsys.readouterr().err
    assert rknn.build(do_quantization=True, dataset=dataset) == 0
    snapshot = tmp_path / "snapshot"
    assert rknn.accuracy_analysis(inputs=[sample], output_dir=str(snapshot)) == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "conv2" in out
    assert {"accuracy.json", "accuracy.csv", "accuracy.html", "float", "quant"} <= set(os.listdir(snapshot))
    assert os.listdir(snapshot / "float") and os.listdir(snapshot / "quant")
    assert rknn.accuracy_analysis(inputs=[str(tmp_path / "nope.npy")], output_dir=str(snapshot)) == -1
    assert "nope.npy" in capsys.readouterr().err
    rknn.release()


def test_profile_report_with_the_accuracy_section(quantized, tmp_path):
    """PerfReport.with_accuracy() and save(dir, accuracy=...): the quantized model's profile gains
    the analysis as `layerscope perf --accuracy` gives it (report.html's section, perf.json, the
    finding); another model's analysis is refused before anything is written."""
    model, dataset, q = quantized
    acc = layerscope.accuracy(model, q, dataset=dataset, max_samples=2, out=str(tmp_path / "acc"))
    report = layerscope.Session(q).profile(warmup=0, runs=1)
    assert report.accuracy is None

    joined = report.with_accuracy(acc)
    assert [l.node for l in joined.accuracy.layers] == [l.node for l in acc.layers]
    conv = [l for l in joined.accuracy.layers if l.op_type == "Conv"]
    assert conv and all(l.time_share_pct > 0 for l in conv)  # the fused int8 convolutions' rows name them
    worst = min(acc.layers, key=lambda l: l.rank)
    assert any(f.kind == "accuracy_loss" and worst.node in f.title for f in joined.findings)
    assert report.accuracy is None  # a copy: the profile itself is unchanged

    report.save(str(tmp_path / "p"), accuracy=str(tmp_path / "acc"))  # the folder, as the CLI takes
    page = (tmp_path / "p" / "report.html").read_text()
    perf = json.loads((tmp_path / "p" / "perf.json").read_text())
    assert 'id="accuracy"' in page and all('data-node="%s"' % l.node in page for l in acc.layers)
    assert perf["accuracy"]["source"] == str(tmp_path / "acc" / "accuracy.json")
    assert [l["single"] for l in perf["accuracy"]["layers"]] == \
        [l["single"] for l in json.loads((tmp_path / "acc" / "accuracy.json").read_text())["layers"]]
    assert layerscope.read_report(str(tmp_path / "p" / "perf.json")).accuracy.layers[0].node == acc.layers[0].node

    other = json.loads((tmp_path / "acc" / "accuracy.json").read_text())
    for i, l in enumerate(other["layers"]):
        l["node"] = "another_model_%d" % i
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "accuracy.json").write_text(json.dumps(other))
    with pytest.raises(layerscope.Error, match="matches none of the layers"):
        report.save(str(tmp_path / "bad"), accuracy=str(tmp_path / "other" / "accuracy.json"))
    assert not (tmp_path / "bad").exists()
