"""Make randomly initialised models produce well-scaled, input-dependent outputs.

Why: layerscope's correctness check is max|ours - ref| <= 1e-3 * max|ref|. With
raw random weights, outputs are often ~0 or dominated by a constant (bias / BN
default statistics), which would let almost any numerical bug pass. After
`calibrate()`:
  * BatchNorm running stats match the activations seen on N(0,1) input, so every
    BN actually normalises (defaults mean=0/var=1 would let activations explode
    or vanish through 50 layers);
  * norm affine params and biases are non-trivial, so a runtime that ignores them
    (or swaps scale and bias) produces a visible error;
  * the last layer is rescaled so the output varies by O(1) *between inputs*, i.e.
    a bug anywhere in the network moves the output by a measurable amount.
Everything uses explicit torch.Generator seeds, so results are reproducible.
"""
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

NORM_TYPES = (_BatchNorm, nn.LayerNorm, nn.GroupNorm)


def _randn(shape, gen, std=1.0):
    return torch.randn(shape, generator=gen) * std


def perturb_norm_affine(model, gen):
    """weight ~ U(0.5, 1.5), bias ~ N(0, 0.1) for every BatchNorm/LayerNorm."""
    for m in model.modules():
        if isinstance(m, NORM_TYPES) and getattr(m, "weight", None) is not None:
            m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
            if m.bias is not None:
                m.bias.copy_(_randn(m.bias.shape, gen, 0.1))


def fill_zero_params(model, gen, std=0.02):
    """Parameters that are (numerically) all zero get N(0, std): biases, torchvision
    ViT's class token, its zero-initialised classifier head, ..."""
    for p in model.parameters():
        if p.abs().max() < 1e-4:
            p.copy_(_randn(p.shape, gen, std))


def residual_branch_ends(model):
    """The parameters that scale each residual branch's output before it is added to the skip
    path, in the torchvision architectures: ResNet Bottleneck/BasicBlock's last BatchNorm,
    MobileNetV2 InvertedResidual's last BatchNorm (blocks with a skip connection), ViT
    EncoderBlock's attention output projection and last MLP Linear."""
    ends = []
    for m in model.modules():
        kind = type(m).__name__
        if kind == "Bottleneck" and hasattr(m, "bn3"):
            ends.append(m.bn3.weight)
        elif kind == "BasicBlock" and hasattr(m, "bn2"):
            ends.append(m.bn2.weight)
        elif kind == "InvertedResidual" and getattr(m, "use_res_connect", False):
            ends.append(m.conv[-1].weight)
        elif kind == "EncoderBlock":
            ends.append(m.self_attention.out_proj.weight)
            ends.append([l for l in m.mlp if isinstance(l, nn.Linear)][-1].weight)
    return ends


def damp_residual_branches(model, gain):
    """Scales every residual branch's output by `gain` (< 1). Why: a deep residual network with
    random unit-gain branches is chaotic -- a 1e-3 relative input perturbation moves ResNet-50's
    calibrated output to cosine 0.985, 1e-2 to 0.63 -- so int8 rounding noise alone scrambles
    its output and no quantized-model comparison means anything. Trained networks have small
    residual updates next to the skip path (what zero-initialised last BatchNorms aim for);
    with gain 0.2 the same perturbations give cosine 0.99999 and 0.9994, and the classes still
    differ between inputs."""
    for p in residual_branch_ends(model):
        p.mul_(gain)


def calibrate_batchnorm(model, input_shape, gen, batches=4, batch_size=8):
    """Cumulative-average BN statistics over a few N(0,1) batches in train mode."""
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not bns:
        return
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # None = cumulative moving average over all batches seen
    model.train()
    for _ in range(batches):
        model(_randn((batch_size,) + tuple(input_shape[1:]), gen))
    model.eval()
    for m, mom in zip(bns, saved):
        m.momentum = mom  # restore (the exported BN momentum attribute reads it)


def torch_forward(model, layer, xs):
    """Default forward engine: [(output of `layer`, output of model)] per input.
    Inputs are run one at a time because some models only support batch 1."""
    res = []
    for x in xs:
        grabbed = []
        hook = layer.register_forward_hook(lambda m, i, o: grabbed.append(o))
        try:
            out = model(x)
        finally:
            hook.remove()
        res.append((grabbed[0], out))
    return res


def rescale_last_layer(model, layer, input_shape, gen, n=8, target_mean=0.0,
                       forward=torch_forward):
    """Affine-adjust the last Linear/Conv so that its output, per output channel,
    has mean `target_mean` and (pooled) std 1 over N(0,1) inputs. Centering per
    channel removes the input-independent part (e.g. per-class logit offsets),
    which would otherwise dominate max|output| while carrying no information."""
    xs = [_randn(input_shape, gen) for _ in range(n)]
    z = torch.cat([zi for zi, _ in forward(model, layer, xs)])  # (n, C, ...)
    if isinstance(layer, nn.Linear):
        z = z.movedim(-1, 1)  # a Linear's channels are its last dim (per-frame taggers: (n, T, C))
    z = z.transpose(0, 1).flatten(1)  # (C, samples)
    mean = z.mean(dim=1)
    std = (z - mean[:, None]).std().clamp_min(1e-12)
    layer.weight.div_(std)
    if layer.bias is None:
        layer.bias = nn.Parameter(torch.zeros_like(mean))
    layer.bias.copy_((layer.bias - mean) / std + target_mean)


def output_stats(outs):
    """Std, max|out| and cross-input std (per-element std over the inputs, averaged)
    relative to max|out|: the last one is what makes the 1e-3 check meaningful.
    `outs` is a list of same-shaped numpy/torch outputs for different inputs."""
    outs = torch.stack([torch.as_tensor(o) for o in outs])
    max_abs = outs.abs().max().item()
    cross = outs.std(dim=0).mean().item()
    return {"std": outs.std().item(), "max_abs": max_abs, "cross_input_std": cross,
            "cross_input_std_rel": cross / max(max_abs, 1e-30)}


@torch.no_grad()
def calibrate(model, input_shape, last_layer, seed, n_rescale=8, target_mean=0.0,
              forward=torch_forward, residual_gain=None):
    """Full recipe; leaves the model in eval mode. `forward` lets the caller run the
    eval-mode passes with a faster engine (Debian's torch uses reference BLAS)."""
    gen = torch.Generator().manual_seed(seed)
    perturb_norm_affine(model, gen)
    fill_zero_params(model, gen)
    if residual_gain is not None:
        damp_residual_branches(model, residual_gain)
    calibrate_batchnorm(model, input_shape, gen)
    model.eval()
    rescale_last_layer(model, last_layer, input_shape, gen, n_rescale, target_mean, forward)
