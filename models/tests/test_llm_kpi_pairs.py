"""The within-brand pair ranking loss (llm_kpi_pairs.py): partners are clean low posts of the anchor's
own brand, drawn the same way on a replay; the loss is exactly -log sigmoid(r(v_h, x_h) - r(v_l, x_h))
with both images scored under the high post's prompt; training on it orders a prompt's images by
bucket; the CLI runs it beside the contrast loss and refuses it for the no-KPI baseline."""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from boig_trainer.llm_config import llm_preset
from boig_trainer.llm_data import load_instructions
from boig_trainer.llm_kpi_contrast import kpi_position
from boig_trainer.llm_kpi_pairs import PairPool, clean_type_1_2, kpi_pair_loss, pair_group, with_target_of
from boig_trainer.llm_model import BoigLM
from boig_trainer.llm_train import make_optimizer
from test_llm import write_instructions
from trainer_process import run_trainer

CONTEXT = llm_preset("tiny").context


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_instructions(tmp_path_factory.mktemp("pair-instructions"), train_images=90, test_images=24)


@pytest.fixture(scope="module")
def data(folder: Path):
    return load_instructions(folder, "behavior", CONTEXT)


def fresh_model(data, seed: int = 0) -> BoigLM:
    torch.manual_seed(seed)
    return BoigLM(llm_preset("tiny", vocab_size=len(data.tokenizer))).eval()


def labels(data):
    return {"high": data.tokenizer.ids["high"], "low": data.tokenizer.ids["low"]}


def reward(model, example, tokenizer) -> float:
    """r(v, x) = log p(v | x, high) - log p(v | x, low), one example at a time, the slow obvious way."""
    out = []
    for label in ("high", "low"):
        ids = list(example.ids)
        ids[kpi_position(example, tokenizer.ids["kpi"])] = tokenizer.ids[label]
        log_probs = F.log_softmax(model(torch.tensor([ids[:-1]]))[0][0], dim=-1)  # [L-1, V]
        out.append(sum(float(log_probs[t - 1, ids[t]]) for t in range(example.target_start, len(ids))))
    return out[0] - out[1]


def test_partners_are_clean_low_posts_of_the_same_brand_and_replay_identically(data):
    pool = PairPool.build(data.train)
    # (The synthetic data's stock posts are all high: only social has partners there.)
    anchors = [e for e in data.train if clean_type_1_2(e, "high") and e.record["kind"] == "social"]
    assert anchors and {g for g in pool.lows} == {("social", "acme"), ("social", "fizzwell")}
    stock = next(e for e in data.train if clean_type_1_2(e, "high") and e.record["kind"] == "stock")
    assert pair_group(stock) == ("stock", None) and pool.partner(stock, 0, 0, 0) is None
    for row, anchor in enumerate(anchors[:20]):
        partner = pool.partner(anchor, seed=3, step=7, row=row)
        assert partner is not None and clean_type_1_2(partner, "low")
        assert pair_group(partner) == pair_group(anchor)
        assert partner is pool.partner(anchor, seed=3, step=7, row=row)
    social = [a for a in anchors if a.record["kind"] == "social"]
    assert pair_group(social[0])[1] in ("acme", "fizzwell")
    assert len({id(pool.partner(social[0], 3, step, 0)) for step in range(20)}) > 1  # a fresh draw per step


def test_the_partner_is_scored_under_the_high_posts_prompt(data):
    pool = PairPool.build(data.train)
    high = next(e for e in data.train if clean_type_1_2(e, "high") and pool.partner(e, 0, 0, 0) is not None)
    low = pool.partner(high, 0, 0, 0)
    joined = with_target_of(high, low, CONTEXT)
    assert joined.ids[: high.target_start] == high.ids[: high.target_start]
    assert joined.ids[high.target_start :] == low.ids[low.target_start :]


def test_loss_is_bradley_terry_on_the_reward_difference(data):
    model, tokenizer = fresh_model(data), data.tokenizer
    pool = PairPool.build(data.train)
    batch = data.train[:40]
    with torch.no_grad():
        loss, rows = kpi_pair_loss(model, batch, pool, 5, 11, labels(data), tokenizer.ids["kpi"], tokenizer.pad_id, CONTEXT)
    expected = []
    for row, example in enumerate(batch):
        if not clean_type_1_2(example, "high") or pool.partner(example, 5, 11, row) is None:
            continue  # no low post in its group: the loss skips it too
        partner = with_target_of(example, pool.partner(example, 5, 11, row), CONTEXT)
        margin = reward(model, example, tokenizer) - reward(model, partner, tokenizer)
        expected.append(math.log1p(math.exp(-margin)))
    assert rows == len(expected) > 0
    assert float(loss) == pytest.approx(sum(expected) / len(expected), rel=1e-4)


def test_a_batch_without_high_rows_costs_nothing(data):
    model, tokenizer = fresh_model(data), data.tokenizer
    batch = [e for e in data.train if not clean_type_1_2(e, "high")][:8]
    loss, rows = kpi_pair_loss(model, batch, PairPool.build(data.train), 0, 0, labels(data), tokenizer.ids["kpi"], tokenizer.pad_id, CONTEXT)
    assert rows == 0 and float(loss) == 0.0


def test_training_on_it_orders_one_prompts_images_by_bucket(data):
    """Held out: under each high post's prompt, r(own image) - r(a low image of the brand) grows."""
    model, tokenizer = fresh_model(data, seed=1), data.tokenizer
    train_pool, held_out_pool = PairPool.build(data.train), PairPool.build(data.eval)
    held_out = [e for e in data.eval if clean_type_1_2(e, "high") and held_out_pool.partner(e, 0, 0, 0) is not None]
    assert held_out

    def margin() -> float:
        with torch.no_grad():
            return sum(reward(model, e, tokenizer) - reward(model, with_target_of(e, held_out_pool.partner(e, 0, 0, i), CONTEXT), tokenizer)
                       for i, e in enumerate(held_out)) / len(held_out)

    before = margin()
    optimizer = make_optimizer(model, llm_preset("tiny", vocab_size=len(tokenizer)))
    anchors = [e for e in data.train if clean_type_1_2(e, "high") and train_pool.partner(e, 0, 0, 0) is not None]
    model.train()
    for step in range(30):
        batch = anchors[(step * 8) % len(anchors):][:8]
        optimizer.zero_grad()
        loss, _ = kpi_pair_loss(model, batch, train_pool, 0, step, labels(data), tokenizer.ids["kpi"], tokenizer.pad_id, CONTEXT)
        loss.backward()
        optimizer.step()
    model.eval()
    assert margin() > before + 1.0


def test_cli_reports_the_pair_loss_and_refuses_it_for_the_nokpi_baseline(folder, tmp_path):
    run = run_trainer("train", "llm", "--data", str(folder), "--preset", "tiny", "--steps", "20",
                      "--set", "kpi_contrast_weight=0.5", "--set", "kpi_pair_weight=0.5", "--out", str(tmp_path / "on"))
    assert run.returncode == 0, run.stderr
    messages = [e["message"] for e in run.of_type("progress")]
    assert messages and all("kpi contrast" in m and "pair rank" in m for m in messages)
    assert run.of_type("start")[0]["config"]["kpi_pair_weight"] == 0.5
    refused = run_trainer("train", "llm", "--data", str(folder), "--preset", "tiny", "--variant", "nokpi", "--set", "kpi_pair_weight=1", "--out", str(tmp_path / "nokpi"))
    message = refused.of_type("error")[0]["message"]
    assert refused.returncode == 2 and "kpi_pair_weight" in message and "nokpi" in message
