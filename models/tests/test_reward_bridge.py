"""The reward DDPO trains on is the reward the app serves (SPEC §5): RewardBridge (the trainer's end
of `boig reward-server`) gives, for world renders and their prompts, exactly the numbers
`boig score --json` prints for the same files and prompt, both variants; the PNGs the bridge sends
round-trip the trainer's pixels losslessly; bad requests fail with the field named, and the server
keeps answering after one."""
import base64
import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
import pytest
import torch
from PIL import Image

from boig_trainer.errors import TrainerError
from boig_trainer.reward_bridge import PromptFields, RewardBridge, png_base64, to_uint8
from trainer_process import NODE, REPO_ROOT

BOIGLLM = REPO_ROOT / "tests" / "fixtures" / "llm" / "boigllm-tiny"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world_dir = tmp_path_factory.mktemp("bridge-world") / "world"
    command = [NODE, "bin/boig.mjs", "world", "--seed", "3", "--out", str(world_dir), "--brands", "2", "--posts", "4", "--stock", "3"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return world_dir


@pytest.fixture(scope="module")
def bridge(world: Path):
    with RewardBridge(BOIGLLM, world) as running:
        yield running


def rows(world: Path, kind: str) -> List[Dict[str, str]]:
    with open(world / kind / "posts.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def read_png(path: Path) -> torch.Tensor:
    with Image.open(path) as image:
        return torch.from_numpy(np.array(image.convert("RGB"))).permute(2, 0, 1).contiguous()  # uint8 [3, S, S]


def cases(world: Path) -> List[Tuple[PromptFields, List[Path]]]:
    """One social prompt (a real post's fields) and one stock prompt, each with three world renders
    (the post's own and two others, so the images differ)."""
    social, stock = rows(world, "social"), rows(world, "stock")
    social_files = [world / "social" / r["media"].split(";")[0] for r in social[:3]]
    stock_files = [world / "stock" / r["media"].split(";")[0] for r in stock[:3]]
    post, asset = social[0], stock[0]
    return [
        (PromptFields("social", post["account"], post["posted_at"], post["text"], tuple(post["keywords"].split(";"))), social_files),
        (PromptFields("stock", None, asset["released_at"], asset["caption"], tuple(asset["keywords"].split(";"))), stock_files),
        (PromptFields("social", post["account"], "2024-03-15", "Fall sale! Ünïcode & emoji 🎉 too", ("sale", "fall colors")), social_files[:2]),
    ]


def score_cli(fields: PromptFields, files: List[Path]) -> List[Dict[str, Any]]:
    command = [NODE, "bin/boig.mjs", "--json", "score", *map(str, files), "--date", fields.date, "--prompt", fields.prompt,
               "--keywords", ",".join(fields.keywords), "--kind", fields.kind, "--model", str(BOIGLLM)]
    if fields.brand:
        command += ["--brand", fields.brand]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_bridge_rewards_equal_what_boig_score_prints(bridge, world):
    assert bridge.model["name"] == "boigllm"
    for fields, files in cases(world):
        served = score_cli(fields, files)
        assert [s["image"] for s in served] == [str(f) for f in files]
        trained = bridge.rewards(torch.stack([read_png(f) for f in files]), [fields] * len(files))
        assert len(trained) == len(files)
        for mine, app in zip(trained, served):
            assert mine["canonical"] == app["canonical"]  # the same verbalization was read
            for variant in ("paper", "calibrated", "paperMean", "probabilityHigh"):
                assert mine[variant] == pytest.approx(app["reward"][variant], abs=1e-9, rel=0), (fields, variant)
        rewards = [t["calibrated"] for t in trained]
        assert len(set(rewards)) > 1  # different images, different rewards: the comparison is not vacuous


def test_bridge_answers_per_image_prompts_in_one_request(bridge, world):
    """A batch mixing prompts gives each image its own prompt's reward (as separate requests would)."""
    (social, social_files), (stock, stock_files), _ = cases(world)
    images = torch.stack([read_png(social_files[0]), read_png(stock_files[0])])
    mixed = bridge.rewards(images, [social, stock])
    alone = bridge.rewards(images[:1], [social]) + bridge.rewards(images[1:], [stock])
    for a, b in zip(mixed, alone):
        assert a["paper"] == pytest.approx(b["paper"], abs=1e-9) and a["calibrated"] == pytest.approx(b["calibrated"], abs=1e-9)


def test_true_kpis_are_positive_numbers(bridge, world):
    (social, files), (stock, stock_files), _ = cases(world)
    kpis = bridge.true_kpis(torch.stack([read_png(files[0]), read_png(stock_files[0])]), [social, stock])
    assert len(kpis) == 2 and all(k > 0 for k in kpis)


def test_png_round_trip_is_lossless():
    generator = torch.Generator().manual_seed(0)
    images = torch.randn((3, 3, 64, 64), generator=generator) * 1.5  # VAE-like output, partly outside [-1, 1]
    images[0, 0, 0, :5] = torch.tensor([-1.0, 1.0, 0.0, -7.0, 7.0])
    pixels = to_uint8(images)
    assert pixels.dtype == torch.uint8 and pixels.shape == (3, 3, 64, 64)
    assert pixels[0, 0, 0, :5].tolist() == [0, 255, 128, 0, 255]  # clamp((x + 1) / 2) * 255, rounded
    expected = ((images.double() + 1) / 2).clamp(0, 1).mul(255).round()
    assert torch.equal(pixels.double(), expected)
    for image in pixels:
        with Image.open(io.BytesIO(base64.b64decode(png_base64(image)))) as decoded:
            assert decoded.format == "PNG" and decoded.mode == "RGB" and decoded.size == (64, 64)
            back = torch.from_numpy(np.array(decoded)).permute(2, 0, 1)
        assert torch.equal(back, image)


def test_bad_date_names_the_field_and_the_server_keeps_answering(bridge, world):
    (fields, files), _, _ = cases(world)
    image = read_png(files[0])[None]
    bad = PromptFields(fields.kind, fields.brand, "2024-13-45", fields.prompt, fields.keywords)
    with pytest.raises(TrainerError, match=r"items\.0\.date: is not an ISO 8601 date"):
        bridge.rewards(image, [bad])
    second_bad = [fields, PromptFields("social", None, fields.date, "x", ())]  # social without a brand
    with pytest.raises(TrainerError, match=r"items\.1\.brand"):
        bridge.rewards(torch.cat([image, image]), second_bad)
    assert len(bridge.rewards(image, [fields])) == 1  # the next request is answered normally


def test_true_kpi_without_a_world_and_a_bad_model_fail_clearly(tmp_path):
    with RewardBridge(BOIGLLM) as no_world:
        with pytest.raises(TrainerError, match=r"true_kpi needs the server started with --world"):
            no_world.true_kpis(torch.zeros((1, 3, 64, 64), dtype=torch.uint8), [PromptFields("stock", None, "2024-01-01", "x", ())])
    with pytest.raises(TrainerError, match=r"reward server \(ping\)"):
        RewardBridge(tmp_path)  # no BoigLLM artifact there: fails at start, not mid-training
