"""World renders for the scene detector: PNGs (PIL) and boxes from `scenes.jsonl`, fixed
calibration and held-out splits, and CenterNet targets built per batch. Each training batch depends only on
(seed, step), so a resumed run sees the same batches as an uninterrupted one.

Layout read (what `boig world` writes): `DIR/{social,stock}/scenes.jsonl`, one line per media
file: {"media": "media/x.png", "verbalization": {"objects": [{"label", "box": {x,y,w,h}}]}};
boxes are normalized, x,y top-left. `DIR` may also be a folder that holds scenes.jsonl itself."""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from PIL import Image

from .detector_vocabulary import CLASS_IDS
from .errors import UsageError
from .synthetic_data import batch_generator

TRAIN_STREAM = 0  # batch index = training step
SUBSETS = ("social", "stock")  # world sub-folders that may hold scenes.jsonl
WORLD_FILE = "world.json"  # `boig world` records its seed and options there (server/world/worldModel.ts)


@dataclass
class SceneSet:
    names: List[str]  # "subset/media/x.png", in file order
    pixels: torch.Tensor  # [N, 3, S, S] uint8
    labels: torch.Tensor  # [N, K] int64 class ids, -1 = empty slot
    boxes: torch.Tensor  # [N, K, 4] float32 normalized x, y, w, h (top-left)

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, index: torch.Tensor) -> "SceneSet":
        return SceneSet([self.names[i] for i in index.tolist()], self.pixels[index], self.labels[index], self.boxes[index])


@dataclass
class WorldData:
    train: SceneSet
    calibration: SceneSet  # not trained on: fits the score calibration (detector_eval.fit_score_calibration)
    eval: SceneSet  # held out from both: the reported metrics
    snapshot: str  # names the data and its sha256, for the manifest and resume checks


def scene_files(data_dir: Path) -> List[Tuple[str, Path]]:
    found = [(subset, data_dir / subset / "scenes.jsonl") for subset in SUBSETS]
    found = [(subset, path) for subset, path in found if path.is_file()]
    if not found and (data_dir / "scenes.jsonl").is_file():
        found = [("", data_dir / "scenes.jsonl")]
    if not found:
        raise UsageError(f"--data {data_dir}: no social/scenes.jsonl, stock/scenes.jsonl or scenes.jsonl (run `npx boig world --out DIR` first)")
    return found


def world_info(data_dir: Path) -> Optional[Dict[str, Any]]:
    """How the world was generated (seed, brands, sizes), from its world.json, for the manifest."""
    try:
        info = json.loads((data_dir / WORLD_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(info, dict):
        return None
    summary = {key: info[key] for key in ("format", "seed", "imageSize", "postsPerBrand", "stockAssets") if key in info}
    if isinstance(info.get("brands"), list):
        summary["brands"] = len(info["brands"])
    return summary or None


def read_image(path: Path, size: int) -> np.ndarray:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if rgb.size != (size, size):
            rgb = rgb.resize((size, size), Image.BOX)  # area average, like the app's resize
        return np.asarray(rgb, dtype=np.uint8).transpose(2, 0, 1)  # [3, S, S]


def path_hash(name: str) -> float:
    """A uniform number in [0, 1) from the media path. The splits use it, not the seed, so every
    detector (any seed or arch) is calibrated and evaluated on the same images."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def held_out(name: str, fraction: float) -> bool:
    return path_hash(name) < fraction


def load_world(data_dir: Path, image_size: int, max_objects: int, eval_fraction: float, calibration_fraction: float) -> WorldData:
    data_dir = data_dir.resolve()
    names: List[str] = []
    images: List[np.ndarray] = []
    labels = []
    boxes = []
    digest = hashlib.sha256()
    for subset, jsonl in scene_files(data_dir):
        digest.update(jsonl.read_bytes())
        for line_number, line in enumerate(jsonl.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                objects = record["verbalization"]["objects"] if "verbalization" in record else record["scene"]["objects"]
                media = record["media"]
            except (KeyError, TypeError, json.JSONDecodeError) as error:
                raise UsageError(f"{jsonl}:{line_number}: not a scene record ({error})") from None
            image_path = (jsonl.parent / media).resolve()
            if jsonl.parent not in image_path.parents:
                raise UsageError(f"{jsonl}:{line_number}: media path {media!r} leaves {jsonl.parent}")
            if len(objects) > max_objects:
                raise UsageError(f"{jsonl}:{line_number}: {len(objects)} objects, more than max_objects {max_objects}")
            row_labels = np.full(max_objects, -1, dtype=np.int64)
            row_boxes = np.zeros((max_objects, 4), dtype=np.float32)
            try:
                for slot, obj in enumerate(objects):
                    row_labels[slot] = CLASS_IDS[obj["label"]]
                    row_boxes[slot] = [float(obj["box"][key]) for key in ("x", "y", "w", "h")]
            except (KeyError, TypeError, ValueError) as error:
                raise UsageError(f"{jsonl}:{line_number}: bad object {error} (labels must be OBJECT_CLASSES, boxes x, y, w, h)") from None
            try:
                digest.update(image_path.read_bytes())
                images.append(read_image(image_path, image_size))
            except OSError as error:
                raise UsageError(f"{jsonl}:{line_number}: cannot read {media}: {error}") from None
            names.append(f"{subset}/{media}" if subset else media)
            labels.append(row_labels)
            boxes.append(row_boxes)
    if not names:
        raise UsageError(f"--data {data_dir}: scenes.jsonl lists no images")
    everything = SceneSet(
        names,
        torch.from_numpy(np.stack(images)),  # [N, 3, S, S] uint8
        torch.from_numpy(np.stack(labels)),  # [N, K]
        torch.from_numpy(np.stack(boxes)),  # [N, K, 4]
    )
    hashes = torch.tensor([path_hash(name) for name in names], dtype=torch.float64)  # [N] in [0, 1)
    is_eval = hashes < eval_fraction  # [N] bool
    is_calibration = ~is_eval & (hashes < eval_fraction + calibration_fraction)  # [N] bool
    is_train = ~is_eval & ~is_calibration
    train_index, calibration_index, eval_index = (mask.nonzero().flatten() for mask in (is_train, is_calibration, is_eval))
    if len(train_index) == 0 or len(calibration_index) == 0 or len(eval_index) == 0:
        raise UsageError(f"--data {data_dir}: {len(names)} images leave an empty train, calibration or held-out split")
    object_count = int((everything.labels >= 0).sum())
    seed = (world_info(data_dir) or {}).get("seed")
    snapshot = f"world{'' if seed is None else f' seed={seed}'} images={len(names)} objects={object_count} sha256={digest.hexdigest()[:16]}"
    return WorldData(everything.subset(train_index), everything.subset(calibration_index), everything.subset(eval_index), snapshot)


def gaussian_radius(height: torch.Tensor, width: torch.Tensor, min_overlap: float) -> torch.Tensor:
    """CenterNet's radius (grid units) within which a shifted box keeps IoU >= min_overlap."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + torch.sqrt(b1**2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + torch.sqrt(b2**2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + torch.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return torch.minimum(torch.minimum(r1, r2), r3)


def centernet_targets(labels: torch.Tensor, boxes: torch.Tensor, num_classes: int, grid: int, min_overlap: float) -> Dict[str, torch.Tensor]:
    """Heatmap, center cell index, size and offset targets for a batch of ground-truth boxes."""
    batch, slots = labels.shape
    present = labels >= 0  # [B, K]
    x, y, w, h = boxes.unbind(-1)  # each [B, K], normalized
    center_x = ((x + w / 2) * grid).clamp(0, grid - 1e-4)  # [B, K] grid units
    center_y = ((y + h / 2) * grid).clamp(0, grid - 1e-4)  # [B, K]
    cell_x, cell_y = center_x.floor(), center_y.floor()  # [B, K]
    radius = gaussian_radius(h * grid, w * grid, min_overlap).clamp(min=0).floor()  # [B, K]
    sigma = (2 * radius + 1) / 6  # [B, K]
    coords = torch.arange(grid, dtype=torch.float32)  # [G]
    dx = coords.view(1, 1, 1, grid) - cell_x.view(batch, slots, 1, 1)  # [B, K, 1, G]
    dy = coords.view(1, 1, grid, 1) - cell_y.view(batch, slots, 1, 1)  # [B, K, G, 1]
    gauss = torch.exp(-(dx**2 + dy**2) / (2 * sigma.view(batch, slots, 1, 1) ** 2))  # [B, K, G, G]
    inside = (dx.abs() <= radius.view(batch, slots, 1, 1)) & (dy.abs() <= radius.view(batch, slots, 1, 1))  # [B, K, G, G]
    gauss = gauss * inside * present.view(batch, slots, 1, 1)  # [B, K, G, G]; exactly 1 at each center cell
    one_hot = torch.nn.functional.one_hot(labels.clamp(min=0), num_classes).float() * present.unsqueeze(-1)  # [B, K, C]
    heatmap = (one_hot.view(batch, slots, num_classes, 1, 1) * gauss.unsqueeze(2)).amax(dim=1)  # [B, C, G, G]
    return {
        "heatmap": heatmap,  # [B, C, G, G]
        "index": (cell_y * grid + cell_x).long(),  # [B, K] flat cell of each object's center
        "mask": present.float(),  # [B, K]
        "size": torch.stack([w, h], dim=-1),  # [B, K, 2] normalized w, h
        "offset": torch.stack([center_x - cell_x, center_y - cell_y], dim=-1),  # [B, K, 2] in [0, 1)
    }


def to_float(pixels: torch.Tensor) -> torch.Tensor:
    return pixels.to(torch.float32).div_(255.0)  # uint8 [B, 3, S, S] -> float32 in [0, 1]


def training_batch(data: SceneSet, step: int, seed: int, batch_size: int, hflip_prob: float, channel_shuffle_prob: float) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pixels [B, 3, S, S] float, labels [B, K], boxes [B, K, 4]; depends only on (seed, step)."""
    generator = batch_generator(seed, TRAIN_STREAM, step)
    index = torch.randint(0, len(data), (batch_size,), generator=generator)  # [B]
    flip = torch.rand(batch_size, generator=generator) < hflip_prob  # [B]
    shuffle = torch.rand(batch_size, generator=generator) < channel_shuffle_prob  # [B]
    orders = torch.rand(batch_size, 3, generator=generator).argsort(dim=1)  # [B, 3] a random permutation each
    pixels = to_float(data.pixels.index_select(0, index))  # [B, 3, S, S]
    labels = data.labels.index_select(0, index)  # [B, K]
    boxes = data.boxes.index_select(0, index)  # [B, K, 4], a copy
    pixels = torch.where(flip.view(-1, 1, 1, 1), pixels.flip(-1), pixels)  # [B, 3, S, S]
    boxes[:, :, 0] = torch.where(flip.view(-1, 1), 1 - boxes[:, :, 0] - boxes[:, :, 2], boxes[:, :, 0])  # mirrored x
    orders = torch.where(shuffle.view(-1, 1), orders, torch.arange(3).expand(batch_size, 3))  # [B, 3]
    pixels = torch.gather(pixels, 1, orders.view(batch_size, 3, 1, 1).expand_as(pixels))  # [B, 3, S, S]
    return pixels, labels, boxes


def iter_batches(data: SceneSet, batch_size: int):
    for start in range(0, len(data), batch_size):
        end = min(start + batch_size, len(data))
        yield start, to_float(data.pixels[start:end])  # [b, 3, S, S]

