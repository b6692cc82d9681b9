"""The KPI-contrast loss (llm_kpi_contrast.py): it is exactly the cross-entropy of the true label over
[log p(v | kpi k) + log prior(k)], it touches only type 1-2 rows of the high/low buckets, training
with it widens the likelihood gap the calibrated reward reads, and the CLI runs it (and refuses it
for the no-KPI baseline, which has no label to contrast)."""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from boig_trainer.llm_config import llm_preset
from boig_trainer.llm_data import collate, load_instructions
from boig_trainer.llm_kpi_contrast import LOG_PRIOR, contrast_eligible, kpi_contrast_loss, kpi_position, relabeled, target_log_likelihoods
from boig_trainer.llm_model import BoigLM
from boig_trainer.llm_train import make_optimizer, masked_loss
from test_llm import write_instructions
from trainer_process import run_trainer


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_instructions(tmp_path_factory.mktemp("contrast-instructions"), train_images=90, test_images=12)


@pytest.fixture(scope="module")
def data(folder: Path):
    return load_instructions(folder, "behavior", llm_preset("tiny").context)


def fresh_model(data, seed: int = 0) -> BoigLM:
    torch.manual_seed(seed)
    return BoigLM(llm_preset("tiny", vocab_size=len(data.tokenizer))).eval()


def label_log_likelihood(model, example, tokenizer, label: str) -> float:
    """log p(target | prompt with `kpi label`), one example at a time, the slow obvious way."""
    ids = list(example.ids)
    ids[kpi_position(example, tokenizer.ids["kpi"])] = tokenizer.ids[label]
    logits, _ = model(torch.tensor([ids[:-1]]))  # [1, L-1, V]
    log_probs = F.log_softmax(logits[0], dim=-1)  # [L-1, V]
    return sum(float(log_probs[t - 1, ids[t]]) for t in range(example.target_start, len(ids)))


def test_only_type_1_2_rows_of_the_high_and_low_buckets_take_part(data):
    eligible = [e for e in data.train if contrast_eligible(e)]
    assert eligible and all(e.record["type"] in (1, 2) and e.record["bucket"] in ("high", "low") for e in eligible)
    assert not any(contrast_eligible(e) for e in data.train if e.record["type"] in (3, 4) or e.record["bucket"] == "medium")


def test_loss_is_the_cross_entropy_of_the_true_label_with_the_bucket_prior(data):
    model, tokenizer = fresh_model(data), data.tokenizer
    batch = data.train[:24]
    inputs, targets = collate(batch, tokenizer.pad_id)
    with torch.no_grad():
        _, logits = masked_loss(model, inputs, targets)
        loss, rows = kpi_contrast_loss(model, batch, target_log_likelihoods(logits, targets),
                                       {"high": tokenizer.ids["high"], "low": tokenizer.ids["low"]}, tokenizer.ids["kpi"], tokenizer.pad_id)
    expected = []
    for example in batch:
        if not contrast_eligible(example):
            continue
        true, kind = example.record["bucket"], example.record["kind"]
        other = "low" if true == "high" else "high"
        a = label_log_likelihood(model, example, tokenizer, true) + LOG_PRIOR[kind][true]
        b = label_log_likelihood(model, example, tokenizer, other) + LOG_PRIOR[kind][other]
        expected.append(-a + math.log(math.exp(a) + math.exp(b)))
    assert rows == len(expected) > 0
    assert float(loss) == pytest.approx(sum(expected) / len(expected), rel=1e-4)


def test_a_batch_without_eligible_rows_costs_nothing(data):
    model, tokenizer = fresh_model(data), data.tokenizer
    batch = [e for e in data.train if not contrast_eligible(e)][:8]
    loss, rows = kpi_contrast_loss(model, batch, torch.zeros(len(batch)), {"high": tokenizer.ids["high"], "low": tokenizer.ids["low"]},
                                   tokenizer.ids["kpi"], tokenizer.pad_id)
    assert rows == 0 and float(loss) == 0.0


def test_training_on_it_separates_high_from_low_by_likelihood(data):
    """The calibrated reward's log p(v | high) - log p(v | low) on held-out rows: a few steps on the
    contrast loss alone make it larger for the high rows than for the low rows (the synthetic data's
    verbalization depends on the bucket)."""
    model, tokenizer = fresh_model(data, seed=1), data.tokenizer
    labels = {"high": tokenizer.ids["high"], "low": tokenizer.ids["low"]}
    held_out = [e for e in data.eval if contrast_eligible(e)]

    def gap() -> float:
        model.eval()
        with torch.no_grad():
            scores = {}
            for label in ("high", "low"):
                inputs, targets = collate([relabeled(e, kpi_position(e, tokenizer.ids["kpi"]), labels[label]) for e in held_out], tokenizer.pad_id)
                scores[label] = target_log_likelihoods(model(inputs)[0], targets)
            log_odds = scores["high"] - scores["low"]  # [N]
            is_high = torch.tensor([e.record["bucket"] == "high" for e in held_out])
        model.train()
        return float(log_odds[is_high].mean() - log_odds[~is_high].mean())

    before = gap()
    config = llm_preset("tiny", vocab_size=len(tokenizer))
    optimizer = make_optimizer(model, config)
    eligible = [e for e in data.train if contrast_eligible(e)]
    for step in range(30):
        batch = eligible[(step * 16) % len(eligible):][:16]
        inputs, targets = collate(batch, tokenizer.pad_id)
        optimizer.zero_grad()
        _, logits = masked_loss(model, inputs, targets)
        loss, _ = kpi_contrast_loss(model, batch, target_log_likelihoods(logits, targets), labels, tokenizer.ids["kpi"], tokenizer.pad_id)
        loss.backward()
        optimizer.step()
    assert gap() > before + 1.0


def test_cli_reports_the_contrast_and_refuses_it_for_the_nokpi_baseline(folder, tmp_path):
    run = run_trainer("train", "llm", "--data", str(folder), "--preset", "tiny", "--steps", "20", "--set", "kpi_contrast_weight=0.5", "--out", str(tmp_path / "on"))
    assert run.returncode == 0, run.stderr
    messages = [e["message"] for e in run.of_type("progress")]
    assert messages and all("kpi contrast" in m for m in messages)
    assert run.of_type("done")[0]["metrics"]["eval_loss"] > 0
    refused = run_trainer("train", "llm", "--data", str(folder), "--preset", "tiny", "--variant", "nokpi", "--set", "kpi_contrast_weight=0.5", "--out", str(tmp_path / "nokpi"))
    message = refused.of_type("error")[0]["message"]
    assert refused.returncode == 2 and "kpi_contrast_weight" in message and "nokpi" in message
