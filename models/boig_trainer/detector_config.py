"""Scene-detector training config (a frozen dataclass, stored in checkpoints) and its presets.
Presets set the training budget; `arch` picks the network (the committed default detector and
the independent evaluation detector of SPEC §6 differ in architecture as well as seed)."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict

from .detector_vocabulary import OBJECT_CLASSES

# Per-architecture channel width: the eval detector is wider and shallower (see detector_model.py).
ARCH_WIDTHS: Dict[str, int] = {"centernet": 32, "dilated": 48}
ARCHES = tuple(sorted(ARCH_WIDTHS))


@dataclass(frozen=True)
class DetectorTrainConfig:
    preset: str = "tiny"  # recorded so a checkpoint and a manifest say which preset they came from
    arch: str = "centernet"  # network family (detector_model.ARCHITECTURES); the eval detector uses another
    width: int = 8  # base channel count; tiny keeps pytest runs at a few seconds
    steps: int = 40  # tiny: enough for the loss to fall clearly, not to be a usable detector
    batch_size: int = 16  # images per step; the default preset uses 64 (~0.36 s per step on an idle 2-core CPU)
    learning_rate: float = 3e-3  # AdamW peak LR; trains stably with BatchNorm from the first steps (not tuned further)
    warmup_steps: int = 5  # linear warmup from 10%: the focal loss is large and noisy at init
    final_lr_fraction: float = 0.02  # cosine decay to this share of the peak at the last step
    weight_decay: float = 1e-4  # light decoupled L2 against overfitting ~10k renders
    image_size: int = 64  # fixes the exported input dims [batch, 3, image_size, image_size] (world renders are 64x64)
    output_stride: int = 4  # heads are on a (image_size / output_stride)^2 grid: 16x16 for 64x64
    num_classes: int = len(OBJECT_CLASSES)  # heatmap channels, in OBJECT_CLASSES order (class id = index)
    max_objects: int = 8  # ground-truth slots per image; world scenes hold at most 4
    min_overlap: float = 0.7  # CenterNet gaussian radius: a box shifted by the radius keeps IoU >= this
    size_loss_weight: float = 5.0  # L1 on normalized w,h (~0.1..0.9) is ~20x smaller than in pixels
    offset_loss_weight: float = 1.0  # L1 on the sub-cell center offset (grid units, 0..1)
    hflip_prob: float = 0.5  # horizontal flips are label-safe (a mirrored car is a car) and double the data
    channel_shuffle_prob: float = 0.3  # permuting RGB keeps shapes and boxes; the detector must not key on color
    eval_fraction: float = 0.1  # share of images held out (chosen by a hash of the media path, not the seed)
    calibration_fraction: float = 0.05  # further share kept out of training to fit the score calibration
    score_threshold: float = 0.5  # precision/recall count detections at or above this score (the verbalizer's cut)
    iou_threshold: float = 0.5  # a detection matches a ground-truth box of its class at IoU >= this
    score_floor: float = 0.05  # decoded peaks below this are dropped (as in server/ml/sceneDetector.ts)
    top_k: int = 20  # at most this many peaks per image (as in server/ml/sceneDetector.ts)
    seed: int = 0  # drives weight init and every training batch (indices, flips, channel order)
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 20  # how often (steps) a resumable checkpoint is written
    eval_batch_size: int = 128  # held-out images per forward pass in evaluation
    torch_threads: int = 2  # dev and CI machines have 2 cores; more threads only contend
    data_snapshot: str = ""  # "world seed=... images=... sha256=..." of --data, set at start; --resume refuses other data

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def grid_size(self) -> int:
        return self.image_size // self.output_stride

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "DetectorTrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


DETECTOR_PRESETS: Dict[str, DetectorTrainConfig] = {
    "tiny": DetectorTrainConfig(),
    "default": DetectorTrainConfig(
        # 1000 x 64 = 64k samples (~6 passes over the default world): 6.5 min on an idle 2-core CPU,
        # held-out mAP@0.5 0.978 (centernet) / 0.963 (dilated); still improving slowly at the end.
        preset="default", width=ARCH_WIDTHS["centernet"], steps=1000, batch_size=64, warmup_steps=40,
        progress_every=20, checkpoint_every=100,
    ),
}


def detector_preset(name: str, arch: str = "centernet", **overrides: Any) -> DetectorTrainConfig:
    base = DETECTOR_PRESETS[name]
    # tiny keeps its small width for every arch; default takes the arch's own width.
    width = base.width if name == "tiny" else ARCH_WIDTHS[arch]
    config = replace(base, arch=arch, width=width)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
