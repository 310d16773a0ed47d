"""Builds a zoo entry (zoo_manifest.ZooModel) into a torch module with seeded random weights.

build(entry) -> (module, last_layers): the module takes the entry's inputs in order and
returns a tensor or a tuple of tensors (the exported outputs); last_layers are the modules
calibration rescales ([] = none). Checks that the entry's input size is the one torchvision's
own weights are used at, so "default input size" is a checked fact, not a claim.
"""
import importlib

import torch
import torch.nn as nn

TV_MODULES = {"torchvision": "torchvision.models", "segmentation": "torchvision.models.segmentation",
              "video": "torchvision.models.video", "detection": "torchvision.models.detection"}


class SegmentationOut(nn.Module):
    """torchvision segmentation models return {"out": logits}; export that tensor."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


class DetectionOnImage(nn.Module):
    """A torchvision detector on a (1, 3, H, W) tensor -> (boxes, scores, labels) of that image,
    after its own resize/normalise, box decoding and NMS.

    In train mode (only used to calibrate BatchNorm statistics) a detector must get targets and
    returns losses; it is given one centred box per image, which is enough for the statistics:
    they depend on the activations, not on the loss."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        images = list(x)
        if self.training:
            h, w = x.shape[-2:]
            box = torch.tensor([[0.25 * w, 0.25 * h, 0.75 * w, 0.75 * h]])
            return self.model(images, [{"boxes": box, "labels": torch.tensor([1])} for _ in images])
        det = self.model(images[:1])[0]
        return det["boxes"], det["scores"], det["labels"]


def default_input_size(kind, name):
    """(H, W) torchvision's weights are evaluated at, from the weights' own transforms (no
    download: only the metadata is read), or None when they do not fix one (detectors)."""
    import torchvision.models as tvm
    t = tvm.get_model_weights(name).DEFAULT.transforms()
    size = getattr(t, "crop_size", None) or (getattr(t, "resize_size", None) if kind == "segmentation" else None)
    if not size:
        return None
    return (size[0], size[-1])


def check_input_size(entry, kind, name):
    want = default_input_size(kind, name)
    got = tuple(entry.inputs[0].shape[-2:])
    if want is not None and got != tuple(want):
        raise ValueError(f"zoo entry {entry.name}: input {entry.inputs[0].shape} is not torchvision's "
                         f"default size {want} for {name}")


def last_linear_or_conv(model):
    """The last Linear/Conv in module order: the classifier of every torchvision classifier."""
    found = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d))]
    if not found:
        raise ValueError(f"{type(model).__name__} has no Linear/Conv layer to rescale")
    return found[-1]


def build(entry):
    """(module in eval mode, [layers to rescale]). Weights are seeded by the caller."""
    kind, _, name = entry.builder.partition(":")
    kwargs = dict(entry.kwargs)
    if kind == "custom":
        import zoo_models
        model = getattr(zoo_models, name)(**kwargs)
    elif kind in TV_MODULES:
        check_input_size(entry, kind, name)
        factory = getattr(importlib.import_module(TV_MODULES[kind]), name)
        if kind in ("segmentation", "detection"):  # their default backbone is pretrained
            kwargs.setdefault("weights_backbone", None)
        model = factory(weights=None, **kwargs)
        if kind == "segmentation":
            model = SegmentationOut(model)
        elif kind == "detection":
            model = DetectionOnImage(model)
    else:
        raise ValueError(f"zoo entry {entry.name}: unknown builder kind {kind!r} in {entry.builder!r}")
    if entry.reinit:
        import zoo_models
        zoo_models.init_weights(model)
    if entry.last is None:
        last = []
    elif entry.last:
        last = [model.get_submodule(path) for path in entry.last]
    else:
        last = [last_linear_or_conv(model)]
    return model.eval(), last
