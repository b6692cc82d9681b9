/**
 * The photo detector (SPEC §3.4 backend (b)): COCO CenterNet-MobileNetV3 from
 * @vladmandic/human@3.3.6, converted to ONNX by scripts/convert-centernet/run.sh (artifact
 * models/artifacts/coco-centernet/). The graph takes one RGB image, 0..255 float32, NHWC
 * [1, 512, 512, 3], and already decodes its heads into `detections` [1, 100, 6]: the top-100 3x3
 * heatmap peaks as [x1, y1, x2, y2 (input pixels), score, class id], as human reads them.
 * This module letterboxes any image into the input and turns those rows into DetectedObject[]
 * the way human's centernet.ts does (score cut, then NMS), with two deliberate differences:
 * - letterbox (aspect kept, centered, black bars) instead of human's stretch to 512x512: on the
 *   test photos it scores the true objects higher (chelsea: cat 0.54, where the stretched photo
 *   gives dog 0.47 first; coffee: cup 0.60 vs 0.49; person.jpg: dog 0.54 vs 0.45);
 * - NMS per class (human's is class-agnostic), so a person on a bicycle keeps both.
 * Invariants: labels are COCO names (COCO_LABELS, checked against the manifest's decode.classes);
 * boxes are normalized to the input image and clipped to it; every candidate >= the score floor
 * that survives NMS is returned (at most COCO_DETECTOR_MAX_DETECTIONS), highest first — callers
 * apply their own threshold.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { env } from "../env";
import { modelInvalid } from "../errors";
import { COCO_LABELS } from "../verbalize/cocoLabels";
import type { ObjectDetector } from "../verbalize/detector";
import type { DetectedObject, RgbaImage } from "../verbalize/types";
import { loadModel, type LoadedModel } from "./onnxSession";
import { assertRgbaImage, resampleRgbInto } from "./resampleTaps";

export const COCO_DETECTOR_SCORE_FLOOR = 0.1; // low on purpose: the verbalizer cuts at 0.5
export const COCO_DETECTOR_IOU_THRESHOLD = 0.5; // same-class boxes overlapping more are duplicates
export const COCO_DETECTOR_MAX_DETECTIONS = 20;
/** Value of the letterbox bars (RGB, 0..255). */
export const COCO_DETECTOR_PAD_VALUE = 0;

/** The committed photo detector. */
export const defaultCocoDetectorDir = () => path.join(env().repoRoot, "models/artifacts/coco-centernet");

/** Where the image landed inside the square model input (input pixels). */
export type Letterbox = {
  size: number; // side of the model input
  imageWidth: number; // the original image
  imageHeight: number;
  left: number; // the resized image's rectangle inside the input
  top: number;
  width: number;
  height: number;
};

export type CocoDecodeOptions = {
  scoreFloor?: number;
  iouThreshold?: number;
  maxDetections?: number;
  labels?: readonly string[];
};

/** Where an image of width x height goes in a size x size input: longer side = size, centered. */
export function letterboxFor(imageWidth: number, imageHeight: number, size: number): Letterbox {
  const scale = size / Math.max(imageWidth, imageHeight);
  const width = Math.max(1, Math.min(size, Math.round(imageWidth * scale)));
  const height = Math.max(1, Math.min(size, Math.round(imageHeight * scale)));
  return {
    size,
    imageWidth,
    imageHeight,
    left: Math.floor((size - width) / 2),
    top: Math.floor((size - height) / 2),
    width,
    height,
  };
}

/**
 * Writes `image` letterboxed into a size x size RGB float32 NHWC tensor (0..255, bars =
 * COCO_DETECTOR_PAD_VALUE). Alpha is ignored. Returns the placement for decoding.
 */
export function letterboxImage(image: RgbaImage, size: number, out: Float32Array = new Float32Array(size * size * 3)): {
  tensor: Float32Array;
  letterbox: Letterbox;
} {
  assertRgbaImage(image);
  if (out.length !== size * size * 3) throw new RangeError(`output buffer has ${out.length} values, needs ${size * size * 3}`);
  const box = letterboxFor(image.width, image.height, size);
  out.fill(COCO_DETECTOR_PAD_VALUE);
  resampleRgbInto(image, box.width, box.height, out, (box.top * size + box.left) * 3, size * 3, Float32Array);
  return { tensor: out, letterbox: box };
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

type Candidate = DetectedObject & { classId: number; x1: number; y1: number; x2: number; y2: number };

/** IoU of two boxes given as corners in the same (pixel) units. */
function iouCorners(a: Candidate, b: Candidate): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Detection rows ([x1, y1, x2, y2, score, class] in model-input pixels, as the graph returns them)
 * -> objects on the original image: drop rows below the floor (and NaN / unknown classes / empty
 * boxes after clipping to the image), undo the letterbox, normalize to [0, 1], greedy NMS within
 * each class, highest score first, at most maxDetections.
 */
export function decodeCocoDetections(
  rows: ArrayLike<number>,
  letterbox: Letterbox,
  options: CocoDecodeOptions = {},
): DetectedObject[] {
  const {
    scoreFloor = COCO_DETECTOR_SCORE_FLOOR,
    iouThreshold = COCO_DETECTOR_IOU_THRESHOLD,
    maxDetections = COCO_DETECTOR_MAX_DETECTIONS,
    labels = COCO_LABELS,
  } = options;
  if (rows.length % 6 !== 0) throw new RangeError(`detections must be rows of 6 values, got ${rows.length} values`);
  const { left, top, width, height, imageWidth, imageHeight } = letterbox;
  const candidates: Candidate[] = [];
  for (let r = 0; r < rows.length; r += 6) {
    const score = rows[r + 4]!;
    const classId = rows[r + 5]!;
    if (!(score >= scoreFloor)) continue; // NaN never passes
    const label = labels[classId];
    if (!Number.isInteger(classId) || label === undefined) continue;
    // Model-input pixels -> original-image fraction, clipped to the image.
    const x1 = clamp01((rows[r]! - left) / width);
    const y1 = clamp01((rows[r + 1]! - top) / height);
    const x2 = clamp01((rows[r + 2]! - left) / width);
    const y2 = clamp01((rows[r + 3]! - top) / height);
    if (!(x2 > x1 && y2 > y1)) continue;
    candidates.push({
      label,
      score,
      classId,
      box: { x: x1, y: y1, w: x2 - x1, h: y2 - y1 },
      // IoU in original-image pixels, so it does not depend on the aspect ratio.
      x1: x1 * imageWidth,
      y1: y1 * imageHeight,
      x2: x2 * imageWidth,
      y2: y2 * imageHeight,
    });
  }
  candidates.sort((a, b) => b.score - a.score || a.classId - b.classId || a.x1 - b.x1 || a.y1 - b.y1);
  const kept: Candidate[] = [];
  for (const candidate of candidates) {
    if (kept.length >= maxDetections) break;
    const duplicate = kept.some((k) => k.classId === candidate.classId && iouCorners(k, candidate) > iouThreshold);
    if (!duplicate) kept.push(candidate);
  }
  return kept.map(({ label, score, box }) => ({ label, score, box }));
}

const fixedDim = (dims: readonly (string | number)[], at: number): number | undefined => {
  const dim = dims[at];
  return typeof dim === "number" ? dim : undefined;
};

/** Input size from the manifest; refuses an artifact this decoder cannot read. */
async function checkSignature(model: LoadedModel, artifactDir: string): Promise<{ inputSize: number }> {
  const { manifest } = model;
  const input = manifest.inputs.find((spec) => spec.name === "images");
  const detections = manifest.outputs.find((spec) => spec.name === "detections");
  const inputSize = input && fixedDim(input.dims, 1);
  const problems: string[] = [];
  if (
    !input ||
    input.dtype !== "float32" ||
    input.dims.length !== 4 ||
    fixedDim(input.dims, 0) !== 1 ||
    !inputSize ||
    fixedDim(input.dims, 2) !== inputSize ||
    fixedDim(input.dims, 3) !== 3
  )
    problems.push("input images must be float32 [1, S, S, 3]");
  if (!detections || detections.dtype !== "float32" || detections.dims.length !== 3 || fixedDim(detections.dims, 2) !== 6)
    problems.push("output detections must be float32 [1, N, 6]");
  // The converter records the class order of the source model; it must be the app's.
  const raw = JSON.parse(await readFile(path.join(artifactDir, "manifest.json"), "utf8")) as { decode?: { classes?: unknown } };
  if (JSON.stringify(raw.decode?.classes) !== JSON.stringify(COCO_LABELS)) problems.push("manifest decode.classes differ from COCO_LABELS");
  if (problems.length > 0 || !inputSize) {
    throw modelInvalid(`${artifactDir} is not a COCO CenterNet detector: ${problems.join("; ")}`, { artifactDir, problems });
  }
  return { inputSize };
}

export type CocoDetector = ObjectDetector & {
  /** Side of the square model input. */
  readonly inputSize: number;
  /** Raw detection rows of one image and its letterbox (for tests and tools). */
  detectRaw(image: RgbaImage): Promise<{ rows: Float32Array; letterbox: Letterbox }>;
};

/** Loads (sha256-checked, shared) the COCO CenterNet artifact as an ObjectDetector. */
export async function loadCocoDetector(artifactDir: string = defaultCocoDetectorDir()): Promise<CocoDetector> {
  const dir = path.resolve(artifactDir);
  const model = await loadModel(dir);
  const { inputSize } = await checkSignature(model, dir);

  async function detectRaw(image: RgbaImage) {
    const { tensor, letterbox } = letterboxImage(image, inputSize);
    const outputs = await model.run({ images: new ort.Tensor("float32", tensor, [1, inputSize, inputSize, 3]) });
    const detections = outputs.detections;
    if (!detections) throw modelInvalid(`${dir}/model.onnx returned no detections`, { artifactDir: dir });
    return { rows: detections.data as Float32Array, letterbox };
  }

  return {
    name: model.manifest.name,
    version: model.manifest.version,
    inputSize,
    detectRaw,
    detect: async (image) => {
      const { rows, letterbox } = await detectRaw(image);
      return decodeCocoDetections(rows, letterbox);
    },
  };
}
