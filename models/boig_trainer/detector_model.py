"""Anchor-free CenterNet-style scene detectors for 64x64 renders. Both return raw heads on a
stride-4 grid: a per-class center heatmap (logits in training, sigmoid in the exported graph),
box size (normalized w, h) and the sub-cell center offset. Decoding (3x3 peak picking, top-k)
happens outside the graph, in detector_eval.py and server/ml/sceneDetector.ts.

Two architectures, so the SPEC §6 evaluation detector is not a reseeded copy of the default:
- `centernet`: a small encoder-decoder (down to stride 8, upsampled and merged at stride 4).
- `dilated`: wider and shallower, never below stride 4; dilated convs give it the receptive field."""
from typing import Dict, Tuple

import torch
from torch import nn

HEATMAP_PRIOR = 0.1  # initial foreground probability (CenterNet's bias init -2.19)


def conv_bn_relu(inputs: int, outputs: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(outputs),
        nn.ReLU(inplace=True),
    )


class Heads(nn.Module):
    """Heatmap logits [B, C, G, G], size [B, 2, G, G], offset [B, 2, G, G] from features [B, F, G, G]."""

    def __init__(self, features: int, num_classes: int):
        super().__init__()
        self.heatmap = nn.Sequential(nn.Conv2d(features, features, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(features, num_classes, 1))
        self.regression = nn.Sequential(nn.Conv2d(features, features // 2, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(features // 2, 4, 1))
        nn.init.constant_(self.heatmap[-1].bias, -torch.log(torch.tensor((1 - HEATMAP_PRIOR) / HEATMAP_PRIOR)).item())

    def forward(self, features: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits = self.heatmap(features)  # [B, C, G, G]
        regression = self.regression(features)  # [B, 4, G, G]
        return logits, regression[:, 0:2], regression[:, 2:4]  # size [B, 2, G, G], offset [B, 2, G, G]


class EncoderDecoderNet(nn.Module):
    """`centernet`: 64 -> 32 -> 16 -> 8, then the stride-8 features are upsampled and merged at 16."""

    def __init__(self, width: int, num_classes: int):
        super().__init__()
        w = width
        self.stem = conv_bn_relu(3, w // 2)  # full resolution: small (8 px) objects need fine edges
        self.down2 = nn.Sequential(conv_bn_relu(w // 2, w, stride=2), conv_bn_relu(w, w))
        self.down4 = nn.Sequential(conv_bn_relu(w, 2 * w, stride=2), conv_bn_relu(2 * w, 2 * w))
        self.down8 = nn.Sequential(conv_bn_relu(2 * w, 3 * w, stride=2), conv_bn_relu(3 * w, 3 * w))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.merge = conv_bn_relu(5 * w, 2 * w)
        self.heads = Heads(2 * w, num_classes)

    def forward(self, pixels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.stem(pixels)  # [B, w/2, 64, 64]
        x = self.down2(x)  # [B, w, 32, 32]
        stride4 = self.down4(x)  # [B, 2w, 16, 16]
        stride8 = self.down8(stride4)  # [B, 3w, 8, 8]
        merged = self.merge(torch.cat([stride4, self.up(stride8)], dim=1))  # [B, 2w, 16, 16]
        return self.heads(merged)


class DilatedNet(nn.Module):
    """`dilated`: 64 -> 32 -> 16, then dilated convs (rates 2, 4, 1) at 16x16; wider, no decoder."""

    def __init__(self, width: int, num_classes: int):
        super().__init__()
        w = width
        self.stem = nn.Sequential(conv_bn_relu(3, w // 2, stride=2), conv_bn_relu(w // 2, w))
        self.down4 = conv_bn_relu(w, 2 * w, stride=2)
        self.context = nn.Sequential(
            conv_bn_relu(2 * w, 2 * w, dilation=2),
            conv_bn_relu(2 * w, 2 * w, dilation=4),
            conv_bn_relu(2 * w, 2 * w),
        )
        self.heads = Heads(2 * w, num_classes)

    def forward(self, pixels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.stem(pixels)  # [B, w, 32, 32]
        x = self.down4(x)  # [B, 2w, 16, 16]
        x = self.context(x)  # [B, 2w, 16, 16]
        return self.heads(x)


ARCHITECTURES: Dict[str, type] = {"centernet": EncoderDecoderNet, "dilated": DilatedNet}


def build_detector(arch: str, width: int, num_classes: int) -> nn.Module:
    return ARCHITECTURES[arch](width, num_classes)


class CalibratedDetector(nn.Module):
    """Platt scaling of the heatmap logits (scale * logit + bias, scale > 0): peaks and their ranking
    are unchanged, but sigmoid(score) becomes P(this peak is a right detection), so the caller's
    0.5 threshold means "more likely right than wrong" (detector_eval.fit_score_calibration)."""

    def __init__(self, detector: nn.Module, scale: float, bias: float):
        super().__init__()
        self.detector = detector
        self.register_buffer("scale", torch.tensor(float(scale)))
        self.register_buffer("bias", torch.tensor(float(bias)))

    def forward(self, pixels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, size, offset = self.detector(pixels)  # [B, C, G, G], [B, 2, G, G], [B, 2, G, G]
        return logits * self.scale + self.bias, size, offset


class ExportedDetector(nn.Module):
    """The exported graph: `pixels` [B, 3, S, S] in [0, 1] -> heatmap (sigmoid), size, offset."""

    def __init__(self, detector: nn.Module):
        super().__init__()
        self.detector = detector  # returns heatmap logits (a CalibratedDetector for artifacts)

    def forward(self, pixels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, size, offset = self.detector(pixels)  # [B, C, G, G], [B, 2, G, G], [B, 2, G, G]
        return torch.sigmoid(logits), size, offset
