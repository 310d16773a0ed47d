"""The zoo's own architectures (the ones torchvision does not have), small torch modules.

Shapes are Python ints fixed at construction, so the traced graph is static and the exporter
folds every shape computation. Initialisation is variance preserving (init_weights) instead of
PyTorch's default, which shrinks every layer by ~3x: activations stay O(1) through a deep
random network, and the attention logits are large enough that the softmax is not uniform
(uniform attention would hide attention bugs).
"""
import math

import torch
import torch.nn as nn


def init_weights(model, qkv_gain=1.5):
    """weight ~ N(0, gain^2 / fan_in) (gain sqrt(2) ahead of a ReLU-like activation for convs,
    1 for Linear, `qkv_gain` for attention projections named *q, *k, *qkv), biases ~ N(0, 0.02),
    embeddings ~ N(0, 1) so the first LayerNorm sees O(1) inputs; recurrent weights below."""
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear):
            gain = qkv_gain if name.rsplit(".", 1)[-1] in ("q", "k", "qkv") else 1.0
            nn.init.normal_(m.weight, std=gain / math.sqrt(m.in_features))
        elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)):
            k = math.prod(m.kernel_size)
            if isinstance(m, nn.ConvTranspose2d):  # each output sees in_ch * k / stride^2 weights
                fan_in = m.in_channels * k // math.prod(m.stride)
            else:
                fan_in = m.in_channels // m.groups * k
            nn.init.normal_(m.weight, std=math.sqrt(2.0 / fan_in))
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=1.0)
        elif isinstance(m, nn.RNNBase):
            # Every gate's pre-activation ~ N(0, 1), so the sigmoids and tanhs work in their
            # non-linear range (PyTorch's U(+-1/sqrt(hidden)) leaves them near-linear).
            for pname, p in m.named_parameters():
                if pname.startswith("weight"):
                    nn.init.normal_(p, std=1.0 / math.sqrt(p.shape[1]))
                else:
                    nn.init.normal_(p, std=0.1)
            continue
        else:
            continue
        if getattr(m, "bias", None) is not None:
            nn.init.normal_(m.bias, std=0.02)


class SelfAttention(nn.Module):
    """Multi-head softmax(Q K^T / sqrt(d) + mask) V written op by op (MatMul, Softmax), the way
    exported language models arrive. `fused_qkv` = one projection split three ways (GPT-2),
    otherwise separate Q, K, V projections (BERT)."""

    def __init__(self, dim, heads, tokens, fused_qkv):
        super().__init__()
        self.heads, self.head_dim, self.tokens = heads, dim // heads, tokens
        if fused_qkv:
            self.qkv = nn.Linear(dim, 3 * dim)
        else:
            self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def split_heads(self, x):  # (1, T, C) -> (1, heads, T, head_dim)
        return x.reshape(1, self.tokens, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, bias=None, keep=None):
        if hasattr(self, "qkv"):
            q, k, v = self.qkv(x).split(self.heads * self.head_dim, dim=-1)
        else:
            q, k, v = self.q(x), self.k(x), self.v(x)
        q, k, v = self.split_heads(q), self.split_heads(k), self.split_heads(v)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if bias is not None:   # additive padding mask (0 or -10000 per key)
            scores = scores + bias
        if keep is not None:   # causal: key j > query i gets -inf, so exp() gives exactly 0
            scores = scores.masked_fill(~keep, float("-inf"))
        ctx = scores.softmax(dim=-1) @ v
        return self.out(ctx.transpose(1, 2).reshape(1, self.tokens, self.heads * self.head_dim))


class BertLayer(nn.Module):
    """Post-norm encoder layer: x = LN(x + attn(x)); x = LN(x + FFN(x)), FFN with exact GELU."""

    def __init__(self, dim, heads, ffn, tokens):
        super().__init__()
        self.attn = SelfAttention(dim, heads, tokens, fused_qkv=False)
        self.norm1 = nn.LayerNorm(dim, eps=1e-12)
        self.ffn = nn.Sequential(nn.Linear(dim, ffn), nn.GELU(), nn.Linear(ffn, dim))
        self.norm2 = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, x, bias):
        x = self.norm1(x + self.attn(x, bias=bias))
        return self.norm2(x + self.ffn(x))


class BertLikeEncoder(nn.Module):
    """BERT-base layout: word + position + token-type embeddings, LayerNorm, 12 post-norm layers.
    attention_mask (1 = token, 0 = padding) becomes the additive bias (1 - mask) * -10000 on
    every score row, as BERT's exports compute it in the graph."""

    def __init__(self, vocab=30522, dim=768, depth=12, heads=12, ffn=3072, tokens=128, max_pos=512):
        super().__init__()
        self.word = nn.Embedding(vocab, dim)
        self.position = nn.Embedding(max_pos, dim)
        self.token_type = nn.Embedding(2, dim)
        self.register_buffer("position_ids", torch.arange(tokens).unsqueeze(0), persistent=False)
        self.norm = nn.LayerNorm(dim, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(dim, heads, ffn, tokens) for _ in range(depth))
        init_weights(self)

    def forward(self, input_ids, attention_mask):
        x = self.word(input_ids) + self.position(self.position_ids) + self.token_type.weight[0]
        x = self.norm(x)
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


class GptBlock(nn.Module):
    """Pre-norm decoder block: x += attn(LN(x)) under the causal mask; x += MLP(LN(x))."""

    def __init__(self, dim, heads, tokens):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, tokens, fused_qkv=True)
        self.norm2 = nn.LayerNorm(dim)
        # GPT-2's GELU is the tanh approximation; opset 17 has no Gelu op, so it exports as
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) in Mul/Pow/Tanh/Add.
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(approximate="tanh"),
                                 nn.Linear(4 * dim, dim))

    def forward(self, x, keep):
        x = x + self.attn(self.norm1(x), keep=keep)
        return x + self.mlp(self.norm2(x))


class GptDecoder(nn.Module):
    """GPT-2-small layout with a 16384-token vocabulary and an untied output projection."""

    def __init__(self, vocab=16384, dim=768, depth=12, heads=12, tokens=128):
        super().__init__()
        self.word = nn.Embedding(vocab, dim)
        self.position = nn.Embedding(tokens, dim)
        self.register_buffer("position_ids", torch.arange(tokens).unsqueeze(0), persistent=False)
        # keep[i, j] = j <= i: a query attends to itself and earlier tokens only.
        self.register_buffer("keep", torch.ones(tokens, tokens, dtype=torch.bool).tril(), persistent=False)
        self.blocks = nn.ModuleList(GptBlock(dim, heads, tokens) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        init_weights(self)
        # Residual branches scaled by 1/sqrt(2 depth) (GPT-2's rule), so the residual stream
        # stays O(1) over 24 additions.
        for blk in self.blocks:
            blk.attn.out.weight.data /= math.sqrt(2 * depth)
            blk.mlp[2].weight.data /= math.sqrt(2 * depth)

    def forward(self, input_ids):
        x = self.word(input_ids) + self.position(self.position_ids)
        for blk in self.blocks:
            x = blk(x, self.keep)
        return self.head(self.norm(x))


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class UNet(nn.Module):
    """U-Net: `levels` x (two 3x3 conv-BN-ReLU, 2x2 max-pool) down, a bottleneck, then per level
    a 2x2 stride-2 ConvTranspose up, Concat with the skip, two conv-BN-ReLU; 1x1 conv to classes."""

    def __init__(self, in_ch=3, classes=3, base=32, levels=4):
        super().__init__()
        widths = [base * 2 ** i for i in range(levels + 1)]
        self.down = nn.ModuleList()
        c = in_ch
        for w in widths[:-1]:
            self.down.append(nn.Sequential(*conv_bn_relu(c, w), *conv_bn_relu(w, w)))
            c = w
        self.pool = nn.MaxPool2d(2)
        self.bottom = nn.Sequential(*conv_bn_relu(c, widths[-1]), *conv_bn_relu(widths[-1], widths[-1]))
        self.up, self.fuse = nn.ModuleList(), nn.ModuleList()
        for w_in, w in zip(widths[:0:-1], widths[-2::-1]):
            self.up.append(nn.ConvTranspose2d(w_in, w, 2, stride=2))
            self.fuse.append(nn.Sequential(*conv_bn_relu(2 * w, w), *conv_bn_relu(w, w)))
        self.classify = nn.Conv2d(base, classes, 1)
        init_weights(self)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, fuse, skip in zip(self.up, self.fuse, reversed(skips)):
            x = fuse(torch.cat([skip, up(x)], dim=1))
        return self.classify(x)


class WaveformKeywordNet(nn.Module):
    """Keyword spotting on a raw waveform: wav2vec2's convolutional feature encoder (512
    channels; kernel/stride (10,5), 4 x (3,2), 2 x (2,2): 16000 samples -> 49 frames of 20 ms;
    GroupNorm with one group per channel after the first conv; GELU), then LayerNorm and a
    per-frame Linear to the keyword classes."""

    LAYERS = ((10, 5),) + ((3, 2),) * 4 + ((2, 2),) * 2

    def __init__(self, channels=512, classes=35):
        super().__init__()
        convs, c = [], 1
        for i, (k, s) in enumerate(self.LAYERS):
            convs.append(nn.Conv1d(c, channels, k, stride=s, bias=False))
            if i == 0:
                convs.append(nn.GroupNorm(channels, channels))
            convs.append(nn.GELU())
            c = channels
        self.encoder = nn.Sequential(*convs)
        self.norm = nn.LayerNorm(channels)
        self.classify = nn.Linear(channels, classes)
        init_weights(self)

    def forward(self, wave):
        return self.classify(self.norm(self.encoder(wave).transpose(1, 2)))


class LstmSpeech(nn.Module):
    """Acoustic model: 2-layer bidirectional LSTM (256 per direction), per-frame Linear."""

    def __init__(self, features=80, hidden=256, classes=40):
        super().__init__()
        self.rnn = nn.LSTM(features, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.classify = nn.Linear(2 * hidden, classes)
        init_weights(self)

    def forward(self, x):
        return self.classify(self.rnn(x)[0])


class GruTagger(nn.Module):
    """Sequence tagger: 2-layer unidirectional GRU (256), per-frame Linear."""

    def __init__(self, features=80, hidden=256, classes=40):
        super().__init__()
        self.rnn = nn.GRU(features, hidden, num_layers=2, batch_first=True)
        self.classify = nn.Linear(hidden, classes)
        init_weights(self)

    def forward(self, x):
        return self.classify(self.rnn(x)[0])
