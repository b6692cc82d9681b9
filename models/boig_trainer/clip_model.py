"""BoigCLIP's modules (SPEC §6: a small contrastive image-text model trained here, CLIP-like):

- ImageEncoder: sample [B, 3, 64, 64] in [-1, 1] (BoigSD's image range) -> image_embeds [B, E], unit norm.
  A stride-2 conv stem to 32x32, then `image_stages` residual stages that each halve the size and
  double the channels, global average pooling, a linear projection. BatchNorm (as CLIP's ResNets):
  it normalizes each channel over the batch, so an image's own mean color (the background, half of
  what a world prompt says) survives, which per-sample GroupNorm would subtract (docs/boigsd.md §6).
- TextEncoder: input_ids [B, L] int64 (sd_data's `<bos> prompt <eos> <pad>...`) -> text_embeds [B, E],
  unit norm. sd_model.TextEncoder (the same transformer BoigSD uses: token + position embeddings,
  pre-LN blocks, <pad> keys masked), mean-pooled over the non-<pad> positions, a linear projection.
  Mean pooling over real tokens makes the embedding independent of how much padding follows.
- ClipModel: both encoders and the learned logit scale (log of 1 / temperature, CLIP's).
The agreement of an (image, prompt) pair is the cosine of their embeddings = the dot product.
"""
import math
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .clip_config import ClipTrainConfig
from .sd_model import TextEncoder


def normalize(x: torch.Tensor) -> torch.Tensor:
    """L2-normalize the last axis; written out (not F.normalize) so the ONNX graph is plain ops."""
    return x / torch.sqrt((x * x).sum(dim=-1, keepdim=True) + 1e-12)  # [B, E]


def conv_bn(channels_in: int, channels_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(channels_out),
    )


class DownStage(nn.Module):
    """Residual block that halves the size: conv3x3/2 -> BN -> SiLU -> conv3x3 -> BN, + a 1x1/2 projection."""

    def __init__(self, channels_in: int, channels_out: int):
        super().__init__()
        self.conv1 = conv_bn(channels_in, channels_out, 3, 2)
        self.conv2 = conv_bn(channels_out, channels_out, 3, 1)
        self.skip = conv_bn(channels_in, channels_out, 1, 2)
        nn.init.zeros_(self.conv2[1].weight)  # the block starts as its projection (a stable residual start)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.silu(self.conv1(x)))  # [B, Co, H/2, W/2]
        return F.silu(self.skip(x) + h)  # [B, Co, H/2, W/2]


class ImageEncoder(nn.Module):
    def __init__(self, width: int, stages: int, embed_dim: int):
        super().__init__()
        self.stem = conv_bn(3, width, 3, 2)
        channels = [width * 2**i for i in range(stages + 1)]
        self.stages = nn.Sequential(*(DownStage(channels[i], channels[i + 1]) for i in range(stages)))
        self.project = nn.Linear(channels[-1], embed_dim)

    def forward(self, sample: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.stem(sample))  # [B, w, S/2, S/2]
        h = self.stages(h)  # [B, w * 2^stages, S/2^(stages+1), same]
        pooled = h.mean(dim=(2, 3))  # [B, C]
        return normalize(self.project(pooled))  # image_embeds [B, E]


class PooledTextEncoder(nn.Module):
    def __init__(self, vocab_size: int, dim: int, layers: int, heads: int, max_tokens: int, embed_dim: int, pad_id: int):
        super().__init__()
        self.pad_id = pad_id
        self.transformer = TextEncoder(vocab_size, dim, layers, heads, max_tokens, pad_id)
        self.project = nn.Linear(dim, embed_dim)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        states = self.transformer(input_ids)  # [B, L, D]
        real = (input_ids != self.pad_id).to(states.dtype).unsqueeze(-1)  # [B, L, 1]: 1 for non-<pad> tokens
        pooled = (states * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)  # [B, D]
        return normalize(self.project(pooled))  # text_embeds [B, E]


class ClipModel(nn.Module):
    def __init__(self, config: ClipTrainConfig, pad_id: int = 0):
        super().__init__()
        if config.vocab_size < 1:
            raise ValueError("config.vocab_size is not set (it comes from the training prompts)")
        self.config = config
        self.image_encoder = ImageEncoder(config.image_width, config.image_stages, config.embed_dim)
        self.text_encoder = PooledTextEncoder(
            config.vocab_size, config.text_dim, config.text_layers, config.text_heads, config.max_tokens, config.embed_dim, pad_id,
        )
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.init_temperature)))  # [] log(1 / temperature)

    def scale(self) -> torch.Tensor:
        return self.logit_scale.exp().clamp(max=self.config.max_logit_scale)  # []


def contrastive_loss(image_embeds: torch.Tensor, text_embeds: torch.Tensor, input_ids: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """CLIP's symmetric InfoNCE over a batch, with every pair whose prompt ids are identical counted as
    a positive (a post's images share its prompt, and batches are drawn with replacement): the target
    of row i spreads evenly over the columns with row i's prompt. image/text_embeds [B, E] unit norm,
    input_ids [B, L]."""
    logits = scale * image_embeds @ text_embeds.t()  # [B, B]: image i vs text j
    same = (input_ids[:, None, :] == input_ids[None, :, :]).all(dim=-1).to(logits.dtype)  # [B, B], symmetric, diag 1
    targets = same / same.sum(dim=1, keepdim=True)  # [B, B], rows sum to 1
    image_to_text = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    text_to_image = -(targets * F.log_softmax(logits.t(), dim=1)).sum(dim=1).mean()
    return 0.5 * (image_to_text + text_to_image)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def parameter_counts(model: ClipModel) -> Dict[str, int]:
    return {"image_encoder": parameter_count(model.image_encoder), "text_encoder": parameter_count(model.text_encoder)}
