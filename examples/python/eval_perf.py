# The reference tool's performance-evaluation script (quoted in docs/python.md) on layerscope.
# Two lines differ from the reference's: the import (`from rknn.api import RKNN`) and the model
# file (the reference loads the converted 'depth_anything_vits_OP19.rknn'; layerscope runs the
# ONNX model itself, and load_rknn given an ONNX file loads it, with a warning).
#
# Run it in a folder holding the model and a 640x480 JPEG named front.jpg:
#   python examples/python/eval_perf.py
# It prints the layer table, the op-type ranking and the memory report, saves the tables in
# eval_perf.txt and the model's output in out.npy. Needs `pip install .` and OpenCV
# (pip install opencv-python-headless). docs/python.md explains each call on layerscope.
import cv2
import numpy as np
from layerscope.rknn import RKNN

rknn = RKNN(verbose=True)
rknn.config(mean_values=[[0.485*255, 0.456*255, 0.406*255]],
            std_values=[[0.229*255, 0.224*255, 0.225*255]],
            quant_img_RGB2BGR=True, target_platform='rk3588')   # preprocessing + target
rknn.load_rknn('depth_anything_like.opset17.onnx')              # load the converted model
img = cv2.imread('front.jpg'); img = np.expand_dims(img, 0)     # uint8 NHWC image batch
rknn.list_devices()                                             # boards reachable from the host
rknn.init_runtime(target='rk3588', perf_debug=True, eval_mem=True,
                  core_mask=RKNN.NPU_CORE_0_1_2)                # which cores to use
rknn.get_sdk_version()
rknn.eval_perf()      # per-layer table + op-type ranking, also written to a .txt file
rknn.eval_memory()    # weight / internal tensor / total memory
outputs = rknn.inference(inputs=[img], data_format=['nhwc'])
np.save('out.npy', outputs[0])
rknn.release()
