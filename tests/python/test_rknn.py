"""layerscope.rknn.RKNN, the reference's class: method names, arguments, return codes, printed
messages, the core-mask mapping, OpenCV-style uint8 BGR NHWC images, and what is not available."""
import os
import threading

import numpy as np
import pytest

import layerscope
from layerscope.rknn import RKNN

MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]


def bgr_image(h=224, w=308, seed=0):
    """An OpenCV-style image: uint8, (H, W, 3), channels B, G, R."""
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def ready(model, core_mask=RKNN.NPU_CORE_AUTO, **config):
    rknn = RKNN()
    assert rknn.config(mean_values=[MEAN], std_values=[STD], **config) == 0
    assert rknn.load_onnx(model=model) == 0
    assert rknn.build(do_quantization=False) == 0
    assert rknn.init_runtime(target="rk3588", perf_debug=True, eval_mem=True, core_mask=core_mask) == 0
    return rknn


def test_inference_preprocesses_opencv_images_like_the_session(sample_model):
    rknn = ready(sample_model, quant_img_RGB2BGR=True)
    img = bgr_image()
    out = rknn.inference(inputs=[np.expand_dims(img, 0)], data_format=["nhwc"])
    # The same preprocessing by hand: channels swapped (B,G,R -> R,G,B), (pixel - mean) / std
    # in float32, NHWC -> NCHW; then the plain Session.
    x = (img[..., ::-1].astype(np.float32) - np.float32(MEAN)) / np.float32(STD)
    expected = layerscope.Session(sample_model).run([np.ascontiguousarray(x.transpose(2, 0, 1)[None])])
    assert len(out) == 1 and np.array_equal(out[0], expected[0])
    # One image without the batch dim (as cv2.imread gives it), and the default data_format
    assert np.array_equal(rknn.inference(inputs=[img])[0], out[0])
    # NCHW images
    nchw = np.ascontiguousarray(img.transpose(2, 0, 1)[None])
    assert np.array_equal(rknn.inference(inputs=[nchw], data_format="nchw")[0], out[0])
    rknn.release()


def test_eval_perf_and_eval_memory(sample_model, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rknn = ready(sample_model)
    capsys.readouterr()
    text = rknn.eval_perf(warmup=1, runs=2)
    printed = capsys.readouterr().out
    assert "Network Layer Information Table" in text and "Operator Time Consuming Ranking Table" in text
    assert text in printed and "I eval_perf: the report is saved in eval_perf.txt" in printed
    with open(tmp_path / "eval_perf.txt", encoding="utf-8") as f:
        assert f.read() == text
    assert rknn.perf_report.runs == 2 and len(rknn.perf_report.layers) > 50
    assert rknn.eval_perf(is_print=False, save_path=None, warmup=0, runs=1) is not None
    assert capsys.readouterr().out == ""

    mem = rknn.eval_memory()
    printed = capsys.readouterr().out
    assert "Memory Profile Info Dump" in printed
    assert mem == {"weight_memory": rknn.memory_report.weight_bytes,
                   "internal_memory": rknn.memory_report.internal_bytes,
                   "other_memory": rknn.memory_report.other_bytes, "total_memory": rknn.memory_report.total_bytes}
    assert mem["total_memory"] == mem["weight_memory"] + mem["internal_memory"] + mem["other_memory"]
    rknn.release()


def test_return_codes_and_messages_of_failures(sample_model, tmp_path, capsys):
    rknn = RKNN()
    assert rknn.inference(inputs=[bgr_image()]) is None
    assert "E inference: no model loaded; call load_onnx() first" in capsys.readouterr().err
    assert rknn.load_onnx(model=str(tmp_path / "missing.onnx")) == -1
    assert "missing.onnx" in capsys.readouterr().err
    assert rknn.build(do_quantization=False) == -1
    assert "E build: no model loaded; call load_onnx() first" in capsys.readouterr().err
    assert rknn.load_onnx(model=sample_model) == 0
    assert rknn.config(mean_values=[MEAN]) == -1
    assert "E config: config() must come before load()" in capsys.readouterr().err
    assert rknn.eval_perf() is None
    assert "call init_runtime() first" in capsys.readouterr().err
    assert rknn.init_runtime(perf_debug=False, eval_mem=False) == 0
    assert rknn.eval_perf() is None and rknn.eval_memory() is None
    err = capsys.readouterr().err
    assert "E eval_perf: profiling is off; call init_runtime() with perf_debug = true first" in err
    assert "E eval_memory: memory evaluation is off" in err
    assert rknn.inference(inputs=[bgr_image(100, 100)]) is None
    assert "(an image input, FLOAT (1,3,224,308)) takes uint8 or float32 images laid out as NHWC (1,224,308,3)" \
        in capsys.readouterr().err
    assert rknn.inference(inputs=[bgr_image()], data_format="nhcw") is None
    assert "data_format must be 'nhwc' or 'nchw'" in capsys.readouterr().err
    assert rknn.load_onnx(model=sample_model, outputs=["x"]) == -1
    assert rknn.config(mean_values=[MEAN, [1, 2, 3]]) == -1
    assert "mean_values has 2 different sets" in capsys.readouterr().err
    rknn.release()


def test_load_rknn(sample_model, tmp_path, capsys):
    converted = tmp_path / "depth_anything_vits_OP19.rknn"
    converted.write_bytes(b"RKNN\x00\x01" + bytes(64))
    rknn = RKNN()
    assert rknn.load_rknn(str(converted)) == -1
    err = capsys.readouterr().err
    assert "E load_rknn: '%s' is an RKNN model" % converted in err
    assert "rknn.load_onnx(model='model.onnx')" in err
    assert rknn.load_rknn(str(tmp_path / "nothing.rknn")) == -1
    assert "does not exist" in capsys.readouterr().err
    # An ONNX file given to load_rknn loads (a reference script runs with its model file changed)
    assert rknn.load_rknn(sample_model) == 0
    assert "W load_rknn: '%s' is an ONNX model, not an RKNN one" % sample_model in capsys.readouterr().out
    rknn.release()


def test_core_masks_map_to_this_machines_cores(sample_model, capsys):
    cpus = sorted(os.sched_getaffinity(0))
    rknn = ready(sample_model, core_mask=RKNN.NPU_CORE_0_1_2)
    out = capsys.readouterr().out
    if len(cpus) >= 3:
        assert "I init_runtime: core_mask NPU_CORE_0_1_2: CPU %s, one pinned thread each" % ",".join(
            map(str, cpus[:3])) in out
    else:
        assert ("W init_runtime: core_mask NPU_CORE_0_1_2 names cores 0,1,2; this machine has %d CPU core(s) for "
                "this process (%s): using CPU %s" % (len(cpus), ",".join(map(str, cpus)),
                                                      ",".join(map(str, cpus)))) in out
    assert rknn.inference(inputs=[bgr_image()]) is not None
    rknn.eval_perf(is_print=False, save_path=None, warmup=0, runs=1)
    assert rknn.perf_report.cores == cpus[:3] and rknn.perf_report.threads == len(cpus[:3])
    assert rknn.init_runtime(core_mask=RKNN.NPU_CORE_0) == 0
    assert "core_mask NPU_CORE_0: CPU %d, one pinned thread each" % cpus[0] in capsys.readouterr().out
    assert rknn.init_runtime(core_mask=RKNN.NPU_CORE_ALL) == 0
    assert rknn.init_runtime(core_mask=1 << len(cpus)) == 0  # a core past the last one
    assert "none of them exists, running unpinned (as NPU_CORE_AUTO)" in capsys.readouterr().out
    assert rknn.init_runtime(core_mask=1 << 20) == -1
    assert "core_mask must be one of RKNN.NPU_CORE_*" in capsys.readouterr().err
    assert (RKNN.NPU_CORE_AUTO, RKNN.NPU_CORE_0, RKNN.NPU_CORE_1, RKNN.NPU_CORE_2, RKNN.NPU_CORE_0_1,
            RKNN.NPU_CORE_0_1_2, RKNN.NPU_CORE_ALL) == (0, 1, 2, 4, 3, 7, 0xFFFF)
    rknn.release()


def test_devices_and_version(capsys):
    rknn = RKNN(verbose=True)
    assert rknn.list_devices() == (["cpu"], [])
    out = capsys.readouterr().out
    assert "all device(s) with cpu mode:" in out and "*************************" in out
    version = rknn.get_sdk_version()
    assert "API: layerscope %s" % layerscope.__version__ in version
    rknn.release()


def test_hybrid_quantization_is_not_available(sample_model):
    rknn = RKNN()
    rknn.load_onnx(model=sample_model)
    for call, words in ((lambda: rknn.hybrid_quantization_step1(dataset="dataset.txt"), "keep_float"),
                        (lambda: rknn.hybrid_quantization_step2(), "keep_float")):
        with pytest.raises(layerscope.NotAvailableError, match=words):
            call()
    assert issubclass(layerscope.NotAvailableError, NotImplementedError)
    assert issubclass(layerscope.NotAvailableError, layerscope.Error)
    assert rknn.export_rknn("model.rknn") == -1
    rknn.release()


def test_config_options(sample_model, capsys):
    rknn = RKNN()
    assert rknn.config(mean_values=[MEAN], std_values=[STD], target_platform="rk3588", compress_weight=True,
                       optimization_level=0) == 0
    out = capsys.readouterr().out
    assert "W config: ignored" in out and "compress_weight=True" in out and "optimization_level=0" in out
    # one set given as a NumPy array or as a flat list works like [[...]]
    other = RKNN()
    assert other.config(mean_values=np.array([MEAN]), std_values=STD, quant_img_RGB2BGR=[True]) == 0
    other.release()
    assert rknn.config(not_an_option=1) == -1
    assert "unknown argument(s): not_an_option" in capsys.readouterr().err
    assert rknn.config(mean_values=[MEAN], std_values=[[0, 1, 1]]) == -1
    assert "std_values must be finite and non-zero" in capsys.readouterr().err


def test_one_thread_at_a_time(sample_model, capsys):
    rknn = ready(sample_model)
    with rknn._lock:  # as if another thread's call were running
        assert rknn.inference(inputs=[bgr_image()]) is None
    assert "E inference: another call on this RKNN object is running on another thread" in capsys.readouterr().err
    result = []
    t = threading.Thread(target=lambda: result.append(rknn.inference(inputs=[bgr_image()])))
    t.start()
    t.join()
    assert result[0] is not None and result[0][0].shape == (1, 1, 224, 308)
    rknn.release()
