"""`--set KEY=VALUE`: change any plain field of a preset for one run (the admin Runs form's
settings: learning rate, batch sizes, DDIM steps, clip range, ...) without a new preset.

Fields that have their own flag, or that the run itself fills in, cannot be set this way, so a
config is never described twice. Values are parsed by the type of the preset's value. The
manifest's reproduce command lists every field that differs from its preset as `--set`, so the
one-command reproducibility of committed models holds for runs launched from the UI too."""
from dataclasses import fields, replace
from typing import Any, Iterable, List, Tuple, TypeVar

from .errors import UsageError

Config = TypeVar("Config")

# Own flags (--preset --seed --steps --variant --arch --only-bucket --init --reward-variant
# --lora-rank) or filled in by the run (data snapshot, vocabulary, init folder).
NOT_SETTABLE = frozenset({"preset", "seed", "steps", "epochs", "variant", "arch", "only_bucket", "init", "reward_variant", "lora_rank", "data_snapshot", "vocab_size"})


def parse_pairs(pairs: Iterable[str]) -> List[Tuple[str, str]]:
    parsed = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set learning_rate=3e-4")
        parsed.append((key.strip(), value.strip()))
    return parsed


def _convert(key: str, raw: str, current: Any) -> Any:
    try:
        if isinstance(current, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, float):
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return value
        return raw
    except ValueError:
        raise UsageError(f"--set {key}={raw}: {key} takes a {type(current).__name__}") from None


def apply_overrides(config: Config, pairs: Iterable[str]) -> Config:
    """The preset with each KEY=VALUE applied; unknown or reserved keys are a UsageError."""
    names = {f.name for f in fields(config)}  # type: ignore[arg-type]
    changes = {}
    for key, raw in parse_pairs(pairs):
        if key not in names:
            settable = sorted(names - NOT_SETTABLE)
            raise UsageError(f"--set {key}: no such setting; one of {', '.join(settable)}")
        if key in NOT_SETTABLE:
            raise UsageError(f"--set {key}: use its own flag (or it is set by the run)")
        changes[key] = _convert(key, raw, getattr(config, key))
        if isinstance(changes[key], (int, float)) and not isinstance(changes[key], bool) and changes[key] < 0:
            raise UsageError(f"--set {key}={raw}: must not be negative")
    return replace(config, **changes)  # type: ignore[type-var]


def refuse_on_resume(pairs: Iterable[str]) -> None:
    """A resumed run continues the checkpoint's config; changing it midway would break the run."""
    if list(pairs):
        raise UsageError("--set cannot change a resumed run's config (the checkpoint's config is kept)")


def override_flags(config: Any, preset: Any) -> str:
    """` --set k=v` for every settable field where `config` differs from `preset` (sorted)."""
    parts = [
        f" --set {f.name}={getattr(config, f.name)}"
        for f in sorted(fields(config), key=lambda f: f.name)
        if f.name not in NOT_SETTABLE and getattr(config, f.name) != getattr(preset, f.name)
    ]
    return "".join(parts)
