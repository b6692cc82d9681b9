"""ColorStatsNet: a tiny conv net that predicts an image's per-channel mean color.
It exists to exercise the whole train -> checkpoint -> ONNX -> onnxruntime-node path quickly."""
import torch
from torch import nn


class ColorStatsNet(nn.Module):
    def __init__(self, hidden_channels: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, hidden_channels, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(hidden_channels, hidden_channels, kernel_size=3, padding=1, stride=2),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden_channels, 3)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        features = self.features(pixels)  # [B, hidden, H/2, W/2]
        pooled = features.mean(dim=(2, 3))  # [B, hidden]; a mean (not a reshape) keeps the batch axis dynamic in ONNX
        return self.head(pooled)  # [B, 3] = mean_rgb
