"""`--set KEY=VALUE`: typed overrides of a preset, refused for reserved or unknown keys and on
resume, and written back into the reproduce command."""
import pytest

from boig_trainer.config_overrides import apply_overrides, override_flags, refuse_on_resume
from boig_trainer.ddpo_config import ddpo_preset
from boig_trainer.errors import UsageError
from boig_trainer.llm_config import llm_preset


def test_overrides_are_typed_by_the_preset_value():
    config = apply_overrides(ddpo_preset("tiny"), ["learning_rate=2e-4", "ddim_steps=6", "clip_range=0.001"])
    assert config.learning_rate == pytest.approx(2e-4)
    assert config.ddim_steps == 6 and isinstance(config.ddim_steps, int)
    assert config.clip_range == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "pair, message",
    [
        ("nonsense=1", "no such setting"),
        ("seed=3", "use its own flag"),
        ("data_snapshot=x", "use its own flag"),
        ("ddim_steps=six", "takes a int"),
        ("learning_rate=nan", "takes a float"),
        ("batches_per_epoch=-2", "must not be negative"),
        ("learning_rate", "expected KEY=VALUE"),
    ],
)
def test_bad_overrides_are_usage_errors(pair, message):
    with pytest.raises(UsageError, match=message):
        apply_overrides(ddpo_preset("tiny"), [pair])


def test_resume_refuses_changes():
    refuse_on_resume([])
    with pytest.raises(UsageError, match="resumed run"):
        refuse_on_resume(["learning_rate=1e-3"])


def test_reproduce_flags_list_exactly_the_changed_settings():
    preset = llm_preset("tiny")
    changed = apply_overrides(preset, ["batch_size=3", "learning_rate=0.01"])
    assert override_flags(preset, preset) == ""
    assert override_flags(changed, preset) == " --set batch_size=3 --set learning_rate=0.01"
