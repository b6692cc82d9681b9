"""Training configs as frozen dataclasses, plus named presets. A checkpoint stores `asdict(config)`."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict


@dataclass(frozen=True)
class TinyTrainConfig:
    preset: str = "tiny"  # recorded so a checkpoint and a manifest say which preset they came from
    steps: int = 120  # tiny: eval MAE falls ~7x below the predict-the-average baseline in well under a second
    batch_size: int = 32  # small batches keep one step at a few milliseconds on CPU
    learning_rate: float = 5e-3  # best of 3e-3..3e-2 measured at 120 steps; constant, so resuming is exact
    hidden_channels: int = 16  # the task (mean color) needs very little capacity
    image_size: int = 16  # fixes the exported input dims [batch, 3, image_size, image_size]
    blocks_per_image: int = 3  # random color rectangles painted over each image's background
    seed: int = 0  # drives weight init, every training batch, the eval batch and the golden batch
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 40  # how often (steps) a resumable checkpoint is written
    eval_batch_size: int = 256  # held-out synthetic images for eval_mae; large enough to be stable
    torch_threads: int = 2  # dev and CI machines have 2 cores; more threads only contend

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "TinyTrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


TINY_PRESETS: Dict[str, TinyTrainConfig] = {
    "tiny": TinyTrainConfig(),
    "default": TinyTrainConfig(preset="default", steps=600, progress_every=25, checkpoint_every=100),
}


def tiny_preset(name: str, **overrides: Any) -> TinyTrainConfig:
    return replace(TINY_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
