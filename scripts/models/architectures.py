"""Model definitions used to generate layerscope test data.

DepthAnythingLike mirrors the structure of Depth Anything (ViT-S/14 DINOv2-style
encoder + DPT head) closely enough that its exported ONNX graph exercises the same
operator mix (LayerNormalization, explicit attention MatMul/Softmax chains, exact
erf GELU, ConvTranspose, align_corners bilinear Resize, ...), but with random
weights so no download is needed.

All spatial sizes are derived from the configured input resolution at construction
time and used as Python ints, so the traced graph has static shapes and the exporter
can fold every shape computation into constants.

RecurrentTagger (LSTM or GRU stack, bidirectional, batch 2) exercises the ONNX LSTM and GRU
ops as torch exports them (layout 0 behind a Transpose, initial states as Expand of zeros,
GRU with linear_before_reset).

ScriptedDecoder is exported from torch.jit.script, not traced: a data-dependent while loop
(ONNX Loop with a cond) holding a data-dependent branch (If inside the Loop body), and a
final If, the control flow of decoders and detection post-processing.

The torchvision models (ResNet-50, MobileNetV2, ViT-B/16) are built by
`torchvision_model()`; their random init is left as torchvision does it, and
calibrate.py makes the outputs well-scaled.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    """Multi-head self-attention written out op by op (as DINOv2 does), so the
    export is MatMul/Softmax/Transpose rather than a fused attention op."""

    def __init__(self, dim, heads, tokens):
        super().__init__()
        self.heads, self.head_dim, self.tokens = heads, dim // heads, tokens
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, c = self.tokens, self.heads * self.head_dim
        qkv = self.qkv(x).reshape(1, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(1, n, c)
        return self.proj(x)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim, heads, tokens, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, tokens)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        # nn.GELU() default is the exact erf form (exports as Div/Erf/Add/Mul/Mul).
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViTEncoder(nn.Module):
    """ViT with a cls token and a learned position embedding sized for one fixed
    input resolution (no interpolation of the position embedding is needed)."""

    def __init__(self, img_hw, patch, dim, depth, heads, mlp_ratio):
        super().__init__()
        # A stride-`patch` conv drops the remainder rows/cols, e.g. 480x640 -> 34x45.
        self.grid = (img_hw[0] // patch, img_hw[1] // patch)
        tokens = self.grid[0] * self.grid[1] + 1
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, tokens, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x, out_indices):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token, x], dim=1) + self.pos_embed
        outs = []
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in out_indices:
                # Depth Anything uses get_intermediate_layers(..., norm=True).
                outs.append(self.norm(x))
        return outs


class ResidualConvUnit(nn.Module):
    """DPT residual conv unit: ReLU -> conv3x3 -> ReLU -> conv3x3, plus skip."""

    def __init__(self, features):
        super().__init__()
        self.conv1 = nn.Conv2d(features, features, 3, padding=1)
        self.conv2 = nn.Conv2d(features, features, 3, padding=1)

    def forward(self, x):
        out = self.conv1(F.relu(x))
        out = self.conv2(F.relu(out))
        return out + x


class FusionBlock(nn.Module):
    """DPT feature fusion: (x + RCU(skip)) -> RCU -> bilinear x2 or to `size` -> 1x1 conv."""

    def __init__(self, features, has_skip, size=None):
        super().__init__()
        self.res1 = ResidualConvUnit(features) if has_skip else None
        self.res2 = ResidualConvUnit(features)
        self.out_conv = nn.Conv2d(features, features, 1)
        self.size = size  # static (h, w) target, or None for scale_factor=2

    def forward(self, x, skip=None):
        if skip is not None:
            x = x + self.res1(skip)
        x = self.res2(x)
        if self.size is None:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        else:
            x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=True)
        return self.out_conv(x)


class DPTHead(nn.Module):
    def __init__(self, dim, grid, out_hw, features, out_channels, head_features):
        super().__init__()
        self.dim, self.grid, self.out_hw = dim, grid, tuple(out_hw)
        oc = out_channels
        self.projects = nn.ModuleList(nn.Conv2d(dim, c, 1) for c in oc)
        # Multi-scale pyramid from the single-scale ViT grid: x4, x2, x1, x1/2.
        self.resize = nn.ModuleList([
            nn.ConvTranspose2d(oc[0], oc[0], 4, stride=4),
            nn.ConvTranspose2d(oc[1], oc[1], 2, stride=2),
            nn.Identity(),
            nn.Conv2d(oc[3], oc[3], 3, stride=2, padding=1),
        ])
        self.layer_rn = nn.ModuleList(nn.Conv2d(c, features, 3, padding=1, bias=False) for c in oc)
        gh, gw = grid
        sizes = [(4 * gh, 4 * gw), (2 * gh, 2 * gw), (gh, gw)]
        # refinenet4 has no skip and resizes 17x23 -> 34x45 (x2 would give 34x46);
        # refinenet1 uses scale_factor=2 like the original DPT code.
        self.refinenet4 = FusionBlock(features, False, sizes[2])
        self.refinenet3 = FusionBlock(features, True, sizes[1])
        self.refinenet2 = FusionBlock(features, True, sizes[0])
        self.refinenet1 = FusionBlock(features, True, None)
        self.output_conv1 = nn.Conv2d(features, features // 2, 3, padding=1)
        self.output_conv2 = nn.Sequential(
            nn.Conv2d(features // 2, head_features, 3, padding=1), nn.ReLU(),
            nn.Conv2d(head_features, 1, 1), nn.ReLU())

    def forward(self, feats):
        gh, gw = self.grid
        layers = []
        for i, x in enumerate(feats):
            x = x[:, 1:]  # drop the cls token
            x = x.permute(0, 2, 1).reshape(1, self.dim, gh, gw)
            x = self.resize[i](self.projects[i](x))
            layers.append(self.layer_rn[i](x))
        l1, l2, l3, l4 = layers
        p = self.refinenet4(l4)
        p = self.refinenet3(p, l3)
        p = self.refinenet2(p, l2)
        p = self.refinenet1(p, l1)
        p = self.output_conv1(p)
        p = F.interpolate(p, size=self.out_hw, mode="bilinear", align_corners=True)
        return self.output_conv2(p)

    @property
    def last_layer(self):
        return self.output_conv2[2]


class DepthAnythingLike(nn.Module):
    """ViT-S/14 + DPT head producing a (1, 1, H, W) depth map. Batch size is 1."""

    def __init__(self, embed_dim=384, depth=12, heads=6, patch=14, out_indices=(2, 5, 8, 11),
                 features=64, out_channels=(48, 96, 192, 384), img_hw=(480, 640),
                 mlp_ratio=4.0, head_features=32):
        super().__init__()
        assert len(out_indices) == 4 and len(out_channels) == 4
        self.out_indices = tuple(out_indices)
        self.input_shape = (1, 3, img_hw[0], img_hw[1])
        self.encoder = ViTEncoder(img_hw, patch, embed_dim, depth, heads, mlp_ratio)
        self.head = DPTHead(embed_dim, self.encoder.grid, img_hw, features, out_channels,
                            head_features)
        self._init_weights()

    def _init_weights(self):
        """Variance-preserving init (instead of PyTorch's default, which shrinks every
        layer by ~3x) so activations stay O(1) through the random network, and a
        slightly larger qkv gain so the softmax is not uniform (uniform attention
        would hide attention bugs)."""
        for name, m in self.named_modules():
            if isinstance(m, nn.Linear):
                gain = 1.5 if name.endswith("qkv") else 1.0
                nn.init.normal_(m.weight, std=gain / math.sqrt(m.in_features))
                nn.init.normal_(m.bias, std=0.02)
            elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                kh, kw = m.kernel_size
                if isinstance(m, nn.Conv2d):
                    fan_in = m.in_channels // m.groups * kh * kw
                else:  # each output pixel sees in_ch * (k/s)^2 weights
                    fan_in = m.in_channels * kh * kw // (m.stride[0] * m.stride[1])
                nn.init.normal_(m.weight, std=math.sqrt(2.0 / fan_in))
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=0.02)
        nn.init.normal_(self.encoder.cls_token, std=0.02)
        nn.init.normal_(self.encoder.pos_embed, std=0.02)

    def forward(self, x):
        return self.head(self.encoder(x, self.out_indices))

    @property
    def last_layer(self):
        return self.head.last_layer


class RecurrentTagger(nn.Module):
    """Per-frame tagger over [batch, frames, features] (batch_first): a 2-layer bidirectional
    LSTM or GRU stack, then a Linear to `classes` per frame."""

    def __init__(self, cell, features=40, hidden=48, classes=16, frames=50, batch=2):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(features, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.classify = nn.Linear(2 * hidden, classes)
        self.input_shape = (batch, frames, features)

    def forward(self, x):
        return self.classify(self.rnn(x)[0])


class ScriptedDecoder(nn.Module):
    """A recurrent decoder whose step count and branches depend on the data: steps run while
    the state's L1 norm stays under a bound (at most `max_steps`), each step damps or shifts
    the state by the sign of its first feature's sum, and the head's output is doubled when
    its sum is negative (with the test input: 6 steps, both inner branches, the outer then). Meant for torch.jit.script (ScriptedDecoder().eval() scripted), batch 2."""

    def __init__(self, features=8, hidden=16, classes=4, batch=2, max_steps=10, bound=40.0):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.cell = nn.Linear(hidden, hidden)
        self.head = nn.Linear(hidden, classes)
        self.max_steps, self.bound = max_steps, bound
        self.input_shape = (batch, features)

    def forward(self, x):
        h = torch.tanh(self.inp(x))
        i = 0
        while bool(h.abs().sum() < self.bound) and i < self.max_steps:
            h = torch.tanh(self.cell(h)) + h
            if bool(h[:, 0].sum() > 0):
                h = h * 0.9
            else:
                h = h + 0.1
            i += 1
        y = self.head(h)
        if bool(y.sum() < 0):
            y = y * 2.0
        return y


# Configuration of the small model bundled with layerscope (scripts/make_sample_model.py).
# mlp_ratio 2 and narrower out_channels keep it under ~3 MB (~660k params) while
# keeping exactly the same operator mix as the full-size model.
SAMPLE_CONFIG = dict(embed_dim=96, depth=4, heads=3, out_indices=(0, 1, 2, 3), features=32,
                     out_channels=(24, 48, 64, 64), img_hw=(224, 308), mlp_ratio=2.0)


def torchvision_model(name):
    """Returns (model, input_shape, last_layer) for a randomly initialised torchvision model."""
    import torchvision.models as tvm
    if name == "resnet50":
        m = tvm.resnet50(weights=None)
        return m, (1, 3, 224, 224), m.fc
    if name == "mobilenetv2":
        m = tvm.mobilenet_v2(weights=None)
        return m, (1, 3, 224, 224), m.classifier[1]
    if name == "vit_b_16":
        m = tvm.vit_b_16(weights=None)
        return m, (1, 3, 224, 224), m.heads.head
    raise ValueError(f"unknown torchvision model {name!r}")
