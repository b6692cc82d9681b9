"""Decoding the detector's heads into boxes (the same rule as server/ml/sceneDetector.ts) and
scoring them on held-out renders: precision and recall at a score threshold, and mAP@IoU."""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .detector_data import SceneSet, iter_batches


@dataclass
class Detection:
    class_id: int
    score: float
    box: Tuple[float, float, float, float]  # normalized x, y (top-left), w, h


def decode(heatmap: torch.Tensor, size: torch.Tensor, offset: torch.Tensor, top_k: int, score_floor: float) -> List[List[Detection]]:
    """heatmap [B, C, G, G] (probabilities), size [B, 2, G, G], offset [B, 2, G, G] -> detections per image.
    A peak is a cell equal to the max of its 3x3 neighbourhood; the top_k peaks >= score_floor are kept."""
    batch, classes, grid, _ = heatmap.shape
    pooled = F.max_pool2d(heatmap, 3, stride=1, padding=1)  # [B, C, G, G]
    peaks = torch.where(heatmap == pooled, heatmap, torch.zeros_like(heatmap)).reshape(batch, -1)  # [B, C*G*G]
    k = min(top_k, peaks.shape[1])
    scores, flat = peaks.topk(k, dim=1)  # [B, k] each, scores descending
    results: List[List[Detection]] = []
    for b in range(batch):
        found = []
        for score, index in zip(scores[b].tolist(), flat[b].tolist()):
            if score < score_floor:
                break
            class_id, cell = divmod(index, grid * grid)
            cy, cx = divmod(cell, grid)
            w = min(max(float(size[b, 0, cy, cx]), 0.0), 1.0)
            h = min(max(float(size[b, 1, cy, cx]), 0.0), 1.0)
            center_x = (cx + float(offset[b, 0, cy, cx])) / grid
            center_y = (cy + float(offset[b, 1, cy, cx])) / grid
            x = min(max(center_x - w / 2, 0.0), 1.0)
            y = min(max(center_y - h / 2, 0.0), 1.0)
            found.append(Detection(class_id, score, (x, y, min(w, 1.0 - x), min(h, 1.0 - y))))
        results.append(found)
    return results


def iou(a: Tuple[float, float, float, float], b: Tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def match_image(detections: List[Detection], truth: List[Tuple[int, Tuple[float, float, float, float]]], iou_threshold: float) -> List[bool]:
    """Greedy by score: each detection takes the unmatched same-class truth box with the highest IoU."""
    taken = [False] * len(truth)
    hits = []
    for detection in sorted(detections, key=lambda d: -d.score):
        best, best_iou = -1, iou_threshold
        for t, (class_id, box) in enumerate(truth):
            if taken[t] or class_id != detection.class_id:
                continue
            overlap = iou(detection.box, box)
            if overlap >= best_iou:
                best, best_iou = t, overlap
        if best >= 0:
            taken[best] = True
        hits.append(best >= 0)
    return hits


def average_precision(scores: List[float], hits: List[bool], positives: int) -> float:
    """VOC all-point interpolated AP: area under the monotone precision envelope of the PR curve."""
    if positives == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    true_positive = np.cumsum(np.asarray(hits, dtype=np.float64)[order]) if hits else np.zeros(0)
    ranks = np.arange(1, len(order) + 1)
    recall = np.concatenate([[0.0], true_positive / positives, [1.0]])
    precision = np.concatenate([[1.0], true_positive / np.maximum(ranks, 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.nonzero(recall[1:] != recall[:-1])[0]
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


CALIBRATION_FLOOR = 0.01  # raw peaks below this take no part in the fit (nearly all are wrong)
CALIBRATION_SCALE_RANGE = (0.25, 20.0)  # a fit outside this is degenerate (too few peaks): keep identity


@torch.no_grad()
def calibration_samples(model: torch.nn.Module, data: SceneSet, *, batch_size: int, top_k: int, iou_threshold: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """Logits of the decoded peaks of `data` and whether each is a right detection (class, IoU)."""
    model.eval()
    logits: List[float] = []
    hits: List[float] = []
    for start, pixels in iter_batches(data, batch_size):
        heat_logits, size, offset = model(pixels)  # [b, C, G, G], [b, 2, G, G], [b, 2, G, G]
        for i, detections in enumerate(decode(torch.sigmoid(heat_logits), size, offset, top_k, CALIBRATION_FLOOR)):
            truth = [(int(c), tuple(float(v) for v in box)) for c, box in zip(data.labels[start + i], data.boxes[start + i]) if c >= 0]
            for detection, hit in zip(sorted(detections, key=lambda d: -d.score), match_image(detections, truth, iou_threshold)):
                logits.append(float(np.log(detection.score) - np.log1p(-min(detection.score, 1 - 1e-7))))
                hits.append(1.0 if hit else 0.0)
    return torch.tensor(logits, dtype=torch.float64), torch.tensor(hits, dtype=torch.float64)


def fit_score_calibration(model: torch.nn.Module, data: SceneSet, *, batch_size: int, top_k: int, iou_threshold: float) -> Tuple[float, float]:
    """Platt scaling: (scale, bias) minimizing the log loss of sigmoid(scale * logit + bias) against
    "this peak is a right detection", on images the detector did not train on. Identity if degenerate."""
    logits, hits = calibration_samples(model, data, batch_size=batch_size, top_k=top_k, iou_threshold=iou_threshold)  # [P], [P]
    if len(hits) < 10 or hits.sum() < 2 or hits.sum() > len(hits) - 2:
        return 1.0, 0.0
    params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)  # scale, bias
    optimizer = torch.optim.LBFGS([params], lr=1.0, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(params[0] * logits + params[1], hits)
        loss.backward()
        return loss

    optimizer.step(closure)
    scale, bias = (float(v) for v in params.detach())
    if not (CALIBRATION_SCALE_RANGE[0] <= scale <= CALIBRATION_SCALE_RANGE[1]) or not np.isfinite(bias):
        return 1.0, 0.0
    return scale, bias


@torch.no_grad()
def evaluate_detector(model: torch.nn.Module, data: SceneSet, *, num_classes: int, batch_size: int, top_k: int, score_floor: float, score_threshold: float, iou_threshold: float) -> Dict[str, float]:
    """Held-out metrics. precision/recall: detections with score >= score_threshold, a hit needs the
    right class and IoU >= iou_threshold. map50: mean over classes present in `data` of VOC AP."""
    model.eval()
    per_class: Dict[int, Tuple[List[float], List[bool]]] = {c: ([], []) for c in range(num_classes)}
    positives = np.zeros(num_classes, dtype=np.int64)
    kept = kept_hits = total_truth = 0
    for start, pixels in iter_batches(data, batch_size):
        logits, size, offset = model(pixels)  # [b, C, G, G], [b, 2, G, G], [b, 2, G, G]
        for i, detections in enumerate(decode(torch.sigmoid(logits), size, offset, top_k, score_floor)):
            labels, boxes = data.labels[start + i], data.boxes[start + i]  # [K], [K, 4]
            truth = [(int(c), tuple(float(v) for v in box)) for c, box in zip(labels, boxes) if c >= 0]
            total_truth += len(truth)
            for class_id, _ in truth:
                positives[class_id] += 1
            # AP ranks every decoded candidate; precision/recall only those a caller would keep.
            for detection, hit in zip(sorted(detections, key=lambda d: -d.score), match_image(detections, truth, iou_threshold)):
                per_class[detection.class_id][0].append(detection.score)
                per_class[detection.class_id][1].append(hit)
            confident = [d for d in detections if d.score >= score_threshold]
            confident_hits = match_image(confident, truth, iou_threshold)
            kept += len(confident)
            kept_hits += sum(confident_hits)
    aps = [average_precision(*per_class[c], int(positives[c])) for c in range(num_classes) if positives[c] > 0]
    return {
        "eval_precision": kept_hits / kept if kept else 0.0,
        "eval_recall": kept_hits / total_truth if total_truth else 0.0,
        "eval_map50": float(np.mean(aps)) if aps else 0.0,
        "eval_images": float(len(data)),
        "eval_objects": float(total_truth),
        "eval_classes": float(len(aps)),
    }
