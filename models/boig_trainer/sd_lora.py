"""LoRA (Hu et al. 2021) for BoigSD's UNet, the optional DDPO fine-tuning mode of SPEC §5 (as in
ddpo-pytorch, which trains LoRA adapters on SD's attention). Adapters go on the 1x1 maps of every
SpatialTransformer (attention projections and the GEGLU feed-forward): W x + (alpha / r) B A x,
with B = 0 at the start, so the adapted UNet starts equal to the base. `merge_lora` folds the
adapters into the weights for export; the exported graph is then a plain UNet."""
import math
from typing import List

import torch
import torch.nn as nn

from .sd_model import Pointwise, SpatialTransformer, UNet

ADAPTED = ("proj_in", "self_qkv", "self_out", "cross_q", "cross_kv", "cross_out", "ff_in", "ff_out", "proj_out")


class LoraPointwise(nn.Module):
    def __init__(self, base: Pointwise, rank: int, alpha: float):
        super().__init__()
        self.base = base
        for parameter in self.base.parameters():
            parameter.requires_grad_(False)
        self.down = nn.Parameter(torch.empty(rank, base.in_channels))  # A [r, Cin]
        self.up = nn.Parameter(torch.zeros(base.out_channels, rank))  # B [Cout, r], zero: starts as the base
        nn.init.kaiming_uniform_(self.down, a=math.sqrt(5))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        delta = torch.matmul(self.up, torch.matmul(self.down, x))  # [B, Cout, N]
        return self.base(x) + self.scale * delta

    def merged(self) -> Pointwise:
        with torch.no_grad():
            self.base.weight.add_((self.scale * self.up @ self.down).unsqueeze(-1))  # [Cout, Cin, 1]
        for parameter in self.base.parameters():
            parameter.requires_grad_(True)
        return self.base


def apply_lora(unet: UNet, rank: int, alpha: float) -> List[nn.Parameter]:
    """Freezes the UNet, adds adapters; returns the trainable adapter parameters."""
    for parameter in unet.parameters():
        parameter.requires_grad_(False)
    trainable: List[nn.Parameter] = []
    for block in unet.modules():
        if isinstance(block, SpatialTransformer):
            for name in ADAPTED:
                layer = getattr(block, name, None)
                if isinstance(layer, Pointwise):
                    adapter = LoraPointwise(layer, rank, alpha)
                    setattr(block, name, adapter)
                    trainable += [adapter.down, adapter.up]
    return trainable


def merge_lora(unet: UNet) -> UNet:
    for block in unet.modules():
        if isinstance(block, SpatialTransformer):
            for name in ADAPTED:
                layer = getattr(block, name, None)
                if isinstance(layer, LoraPointwise):
                    setattr(block, name, layer.merged())
    for parameter in unet.parameters():
        parameter.requires_grad_(True)
    return unet
