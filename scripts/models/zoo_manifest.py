"""The model zoo: one declarative list of every model scripts/models/zoo.py builds.

Each ZooModel says what the model is (name, family), how to build it (`builder`, read by
zoo_build.py), what it is fed (`inputs`), how it is calibrated and what layerscope can do with
it today (`waits_for`). Everything is generated from seeds (random weights, calibrated per
DESIGN.md's "Random-weight models lie"), exported at opset 17 with batch 1 at the input size
the architecture is used at (torchvision's default crop/resize size where torchvision defines
one; zoo_build.py checks that). Nothing is downloaded.

builder: "<kind>:<name>" with kind
    torchvision   torchvision.models.<name>(weights=None, **kwargs): classification
    segmentation  torchvision.models.segmentation.<name>; the export returns its "out" map
    video         torchvision.models.video.<name>
    detection     torchvision.models.detection.<name>; the export returns (boxes, scores,
                  labels) of the single image, NMS included
    custom        a class of zoo_models.py (kwargs go to its constructor)
inputs: InputSpec per model input, in the model's argument order:
    normal   float32 N(0,1) (images, waveforms, features)
    uniform  float32 U(0,1) (detectors normalise 0..1 pixels themselves)
    tokens   int64 uniform in [0, vocab)
    mask     int64 attention mask: 1 for the first `valid` positions of the last axis, 0 after
             (padding, so a runtime that ignores the mask gives a visible error)
last: module paths (in the built model) of the layers (Linear, Conv or LayerNorm) whose summed
    output is rescaled to mean 0 and std 1 per channel; () = the last Linear/Conv in module order; None = no rescale (the output
    is already normalised, or is post-processed non-linearly as a detector's is).
bn_samples: (batches, batch size) of N(0,1) inputs for BatchNorm statistics; fewer for the
    expensive models (the statistics are per channel over batch x space, so a few images do).
reinit: for the families torchvision initialises with N(0, 0.02) weights and a 1e-6 layer
    scale (ConvNeXt, Swin, MaxViT): their residual branches would add almost nothing, so the
    output would barely depend on most layers and a wrong kernel there would pass the check.
    Such models get zoo_models.init_weights (variance preserving) and, in calibration,
    layer scales of U(0.5, 1.5).
waits_for: "" when layerscope runs the model today; otherwise the issue that makes it load
    (zoo_check.py reports whether that is still true). Such models are still exported, so they
    are ready, but bench/zoo_bench.py skips them unless named with --models.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple
    kind: str = "normal"  # normal | uniform | tokens | mask
    vocab: int = 0        # tokens: ids are drawn from [0, vocab)
    valid: int = 0        # mask: positions [0, valid) are 1, the rest 0


@dataclass(frozen=True)
class ZooModel:
    name: str
    family: str
    builder: str
    inputs: tuple
    notes: str = ""
    kwargs: tuple = ()            # (key, value) pairs for the builder
    outputs: tuple = ("output",)
    last: tuple | None = ()
    rescale_mean: float = 0.0     # target mean of the rescaled layer (0.5 ahead of a ReLU)
    bn_samples: tuple = (4, 8)
    reinit: bool = False          # variance-preserving re-init (docstring)
    waits_for: str = ""

    @property
    def file(self):
        return f"{self.name}.onnx"


def image(size, channels=3, kind="normal"):
    return (InputSpec("input", (1, channels, size, size), kind),)


def tv(name, family, size=224, notes="", reinit=False, rescale_mean=0.0, **kw):
    """A torchvision classification model at its default crop size."""
    return ZooModel(name, family, f"torchvision:{name}", image(size), notes,
                    kwargs=tuple(sorted(kw.items())), reinit=reinit, rescale_mean=rescale_mean)


LIGHT_BN = (2, 2)  # BatchNorm calibration for models above ~30 GMACs per image
SEQ = 128          # tokens for the transformer language models

ZOO = (
    # --- torchvision classification, every family Debian's torchvision 0.14 builds ---
    tv("alexnet", "AlexNet"),
    tv("vgg16", "VGG"),
    tv("resnet18", "ResNet"),
    tv("resnet50", "ResNet"),
    tv("resnext50_32x4d", "ResNeXt", notes="grouped 3x3 convolutions (32 groups)"),
    tv("wide_resnet50_2", "Wide-ResNet"),
    tv("densenet121", "DenseNet", notes="dense concatenations"),
    tv("googlenet", "GoogLeNet", aux_logits=False, init_weights=True),
    tv("inception_v3", "Inception-v3", 299, aux_logits=False, init_weights=True),
    tv("squeezenet1_1", "SqueezeNet", notes="the last conv feeds a ReLU and a global pool: "
       "rescaled to mean 0.5 so most of it passes the ReLU", rescale_mean=0.5),
    tv("shufflenet_v2_x1_0", "ShuffleNetV2", notes="channel shuffle (Reshape/Transpose), channel split"),
    tv("mobilenet_v2", "MobileNetV2", notes="depthwise convolutions, ReLU6 (Clip)"),
    tv("mobilenet_v3_small", "MobileNetV3", notes="hard-swish, squeeze-excitation"),
    tv("mobilenet_v3_large", "MobileNetV3"),
    tv("mnasnet1_0", "MNASNet"),
    tv("efficientnet_b0", "EfficientNet", notes="SiLU, squeeze-excitation"),
    tv("efficientnet_v2_s", "EfficientNetV2", 384, notes="fused MBConv"),
    tv("regnet_x_400mf", "RegNetX"),
    tv("regnet_y_400mf", "RegNetY"),
    tv("convnext_tiny", "ConvNeXt", notes="7x7 depthwise, LayerNorm over channels-last", reinit=True),
    tv("vit_b_16", "ViT"),
    tv("swin_t", "Swin", notes="shifted windows (Roll as Slice+Concat), relative position bias",
       reinit=True),
    tv("swin_v2_t", "Swin V2", 256, notes="cosine attention, continuous position bias MLP", reinit=True),
    ZooModel("maxvit_t", "MaxViT", "torchvision:maxvit_t", image(224),
             "block + grid attention (its relative-position bias is an Einsum), MBConv",
             reinit=True),
    # --- segmentation at torchvision's 520 resize ---
    ZooModel("deeplabv3_mobilenet_v3_large", "DeepLabV3", "segmentation:deeplabv3_mobilenet_v3_large",
             image(520), "dilated MobileNetV3, ASPP, bilinear upsampling", bn_samples=LIGHT_BN),
    ZooModel("fcn_resnet50", "FCN", "segmentation:fcn_resnet50", image(520),
             "dilated ResNet-50 (output stride 8)", bn_samples=LIGHT_BN),
    ZooModel("lraspp_mobilenet_v3_large", "LR-ASPP", "segmentation:lraspp_mobilenet_v3_large",
             image(520), "two classifier convs summed; both are rescaled",
             last=("model.classifier.low_classifier", "model.classifier.high_classifier"),
             bn_samples=LIGHT_BN),
    # --- video: a 16-frame 112x112 clip (torchvision's 112 crop, its training clip length) ---
    ZooModel("r2plus1d_18", "R(2+1)D", "video:r2plus1d_18",
             (InputSpec("input", (1, 3, 16, 112, 112)),), "3-D convolutions factored 1x3x3 + 3x1x1",
             bn_samples=LIGHT_BN),
    ZooModel("r3d_18", "R3D", "video:r3d_18", (InputSpec("input", (1, 3, 16, 112, 112)),),
             "full 3x3x3 convolutions", bn_samples=LIGHT_BN),
    # --- custom architectures (zoo_models.py) ---
    ZooModel("bert_base_like", "BERT", "custom:BertLikeEncoder",
             (InputSpec("input_ids", (1, SEQ), "tokens", vocab=30522),
              InputSpec("attention_mask", (1, SEQ), "mask", valid=100)),
             "BERT-base layout (12 x 768, post-norm); additive padding mask; output: last "
             "hidden state (the final LayerNorm's affine is the rescaled layer)",
             last=("layers.11.norm2",)),
    ZooModel("gpt_decoder", "GPT", "custom:GptDecoder",
             (InputSpec("input_ids", (1, SEQ), "tokens", vocab=16384),),
             "GPT-2-small layout (12 x 768, pre-norm, tanh GELU), causal mask as Where(-inf), "
             "16384-token vocabulary; output: logits"),
    ZooModel("unet", "U-Net", "custom:UNet", image(256),
             "4 levels, base width 32, BatchNorm, ConvTranspose upsampling, skip Concat"),
    ZooModel("audio_conv1d", "Audio 1-D CNN", "custom:WaveformKeywordNet",
             (InputSpec("input", (1, 1, 16000)),),
             "wav2vec2-style Conv1d feature encoder over 1 s of 16 kHz audio (GroupNorm, GELU), "
             "LayerNorm, per-frame keyword logits"),
    ZooModel("lstm_speech", "LSTM", "custom:LstmSpeech", (InputSpec("input", (1, 100, 80)),),
             "2-layer bidirectional LSTM over 100 frames of 80 features"),
    ZooModel("gru_tagger", "GRU", "custom:GruTagger", (InputSpec("input", (1, 100, 80)),),
             "2-layer GRU over 100 frames of 80 features"),
    # --- detectors: NonMaxSuppression inside an If, and everything after it dynamic ---
    ZooModel("ssdlite320_mobilenet_v3_large", "SSDlite", "detection:ssdlite320_mobilenet_v3_large",
             image(320, kind="uniform"), "anchors, box decoding, per-class NMS; not rescaled",
             outputs=("boxes", "scores", "labels"), last=None, bn_samples=LIGHT_BN),
    ZooModel("fasterrcnn_mobilenet_v3_large_320_fpn", "Faster R-CNN",
             "detection:fasterrcnn_mobilenet_v3_large_320_fpn", image(320, kind="uniform"),
             "FPN, RPN with NMS, RoIAlign, second-stage NMS; not rescaled; score threshold 0 "
             "(random weights score every class ~1/91, under the default 0.05: no detections)",
             kwargs=(("box_score_thresh", 0.0),), outputs=("boxes", "scores", "labels"), last=None,
             bn_samples=LIGHT_BN),
)

BY_NAME = {m.name: m for m in ZOO}
assert len(BY_NAME) == len(ZOO), "duplicate zoo model name"


def select(names):
    """Zoo entries for a comma-separated list (all when empty); unknown names raise ValueError."""
    wanted = [n for n in (names or "").split(",") if n]
    unknown = [n for n in wanted if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown zoo model(s) {unknown}; known: {', '.join(BY_NAME)}")
    return [BY_NAME[n] for n in wanted] if wanted else list(ZOO)
