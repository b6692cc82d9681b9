"""Synthetic images of random color blocks, and their per-channel mean color (the target).
Each batch depends only on (seed, stream, index), so a resumed run sees the same batches."""
from typing import Tuple

import numpy as np
import torch

TRAIN_STREAM = 0  # batch index = training step
EVAL_STREAM = 1  # held-out images for eval_mae
GOLDEN_STREAM = 2  # the fixed batch written to golden.json


def batch_generator(seed: int, stream: int, index: int) -> torch.Generator:
    # SeedSequence mixes the three numbers so streams never collide, whatever the step count.
    mixed_seed = int(np.random.SeedSequence([seed, stream, index]).generate_state(1, dtype=np.uint64)[0])
    return torch.Generator().manual_seed(mixed_seed % (2**63))


def color_block_batch(
    batch_size: int, image_size: int, blocks_per_image: int, generator: torch.Generator
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Returns pixels [B, 3, S, S] in [0, 1] and mean_rgb [B, 3]."""
    size = image_size
    background = torch.rand(batch_size, 3, 1, 1, generator=generator)  # [B, 3, 1, 1]
    pixels = background.expand(batch_size, 3, size, size).clone()  # [B, 3, S, S]
    coords = torch.arange(size)  # [S]
    for _ in range(blocks_per_image):
        corners = torch.randint(0, size, (batch_size, 4), generator=generator)  # [B, 4]: y, y, x, x
        top = torch.minimum(corners[:, 0], corners[:, 1])  # [B]
        bottom = torch.maximum(corners[:, 0], corners[:, 1]) + 1  # [B], exclusive
        left = torch.minimum(corners[:, 2], corners[:, 3])  # [B]
        right = torch.maximum(corners[:, 2], corners[:, 3]) + 1  # [B], exclusive
        rows = (coords >= top[:, None]) & (coords < bottom[:, None])  # [B, S]
        cols = (coords >= left[:, None]) & (coords < right[:, None])  # [B, S]
        mask = rows[:, :, None] & cols[:, None, :]  # [B, S, S]
        color = torch.rand(batch_size, 3, 1, 1, generator=generator)  # [B, 3, 1, 1]
        pixels = torch.where(mask[:, None], color, pixels)  # [B, 3, S, S]
    mean_rgb = pixels.mean(dim=(2, 3))  # [B, 3]
    return pixels, mean_rgb
