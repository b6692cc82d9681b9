/**
 * The world's scene detector (SPEC §3.4 backend (a)): a CenterNet-style ONNX model trained by
 * `boig train detector` on the world's renders (models/boig_trainer/detector_*.py). The graph
 * returns raw heads on a grid (heatmap after sigmoid [B, C, G, G], box size w,h normalized
 * [B, 2, G, G], center offset in cells [B, 2, G, G]); this module resizes images to the model
 * input and decodes peaks into DetectedObject[]. Decoding matches detector_eval.decode exactly.
 * Invariants: labels are OBJECT_CLASSES in heatmap-channel order; boxes are normalized to the
 * input image and clipped to it; every peak >= SCORE_FLOOR is returned (callers threshold).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { env } from "../env";
import { modelInvalid } from "../errors";
import type { ObjectDetector } from "../verbalize/detector";
import type { DetectedObject, RgbaImage } from "../verbalize/types";
import { OBJECT_CLASSES } from "../verbalize/vocabulary";
import { loadModel, type LoadedModel } from "./onnxSession";

export const SCENE_DETECTOR_TOP_K = 20; // at most this many objects per image
export const SCENE_DETECTOR_SCORE_FLOOR = 0.05; // low on purpose: the verbalizer cuts at 0.5
/** Images per onnxruntime call in detectBatch: big enough to amortize, small enough for memory. */
export const SCENE_DETECTOR_MAX_BATCH = 64;

/** The committed default detector (verbalizes the world for BoigLLM and the reward). */
export const defaultSceneDetectorDir = () => path.join(env().repoRoot, "models/artifacts/scene-detector");
/** The independently trained detector for evaluation only (SPEC §6 true KPI). */
export const evalSceneDetectorDir = () => path.join(env().repoRoot, "models/artifacts/scene-detector-eval");

export type SceneDetector = ObjectDetector & {
  /** Side of the square model input (images of any size are resized to it). */
  readonly inputSize: number;
  /** One result per image, in order; runs the model in chunks of SCENE_DETECTOR_MAX_BATCH. */
  detectBatch(images: readonly RgbaImage[]): Promise<DetectedObject[][]>;
};

/** Raw heads of a batch, as flat NCHW arrays, with the grid they are laid out on. */
export type DetectorHeads = {
  heatmap: Float32Array; // [B, C, G, G]
  size: Float32Array; // [B, 2, G, G]
  offset: Float32Array; // [B, 2, G, G]
  classes: number; // C
  grid: number; // G
};

export type DecodeOptions = { topK?: number; scoreFloor?: number; labels?: readonly string[] };

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/**
 * Peaks of image `index`: a cell whose score equals the max of its 3x3 neighbourhood (borders
 * see only the cells inside), score >= scoreFloor, the topK highest first. Box: w, h = size at
 * the peak; center = (cell + offset) / grid; clipped to the image.
 */
export function decodeDetections(heads: DetectorHeads, index: number, options: DecodeOptions = {}): DetectedObject[] {
  const { topK = SCENE_DETECTOR_TOP_K, scoreFloor = SCENE_DETECTOR_SCORE_FLOOR, labels = OBJECT_CLASSES } = options;
  const { heatmap, size, offset, classes, grid } = heads;
  const cells = grid * grid;
  const heatBase = index * classes * cells;
  const regBase = index * 2 * cells;
  const peaks: { score: number; classId: number; cell: number }[] = [];
  for (let c = 0; c < classes; c++) {
    const channel = heatBase + c * cells;
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        const score = heatmap[channel + y * grid + x]!;
        if (!(score >= scoreFloor)) continue; // NaN never passes
        let isPeak = true;
        for (let dy = -1; dy <= 1 && isPeak; dy++) {
          const ny = y + dy;
          if (ny < 0 || ny >= grid) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx;
            if (nx < 0 || nx >= grid) continue;
            if (heatmap[channel + ny * grid + nx]! > score) {
              isPeak = false;
              break;
            }
          }
        }
        if (isPeak) peaks.push({ score, classId: c, cell: y * grid + x });
      }
    }
  }
  peaks.sort((a, b) => b.score - a.score || a.classId - b.classId || a.cell - b.cell);
  return peaks.slice(0, topK).map(({ score, classId, cell }) => {
    const cx = cell % grid;
    const cy = Math.floor(cell / grid);
    const w = clamp01(size[regBase + cell]!);
    const h = clamp01(size[regBase + cells + cell]!);
    const x = clamp01((cx + offset[regBase + cell]!) / grid - w / 2);
    const y = clamp01((cy + offset[regBase + cells + cell]!) / grid - h / 2);
    const label = labels[classId];
    if (label === undefined) throw new RangeError(`heatmap channel ${classId} has no label`);
    return { label, score, box: { x, y, w: Math.min(w, 1 - x), h: Math.min(h, 1 - y) } };
  });
}

/** For each output index along one axis: the source pixels it covers and their area weights. */
function areaWeights(source: number, target: number): { start: number; weights: number[] }[] {
  const scale = source / target;
  return Array.from({ length: target }, (_, o) => {
    const from = o * scale;
    const to = (o + 1) * scale;
    const start = Math.floor(from);
    const weights: number[] = [];
    for (let s = start; s < Math.min(source, Math.ceil(to)); s++) {
      weights.push((Math.min(to, s + 1) - Math.max(from, s)) / scale);
    }
    return { start, weights };
  });
}

/**
 * Writes `image` as RGB floats in [0, 1], NCHW, into `out` at `offset` (3 * size * size values):
 * area-averaged resize to size x size (a plain copy when the image already is that size).
 * Alpha is ignored, as the trainer's PIL `convert("RGB")` does.
 */
export function writeImageTensor(image: RgbaImage, size: number, out: Float32Array, offset: number): void {
  const { rgba, width, height } = image;
  if (width < 1 || height < 1 || rgba.length !== width * height * 4) {
    throw new RangeError(`image of ${width}x${height} needs ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const plane = size * size;
  if (width === size && height === size) {
    for (let p = 0; p < plane; p++) {
      out[offset + p] = rgba[p * 4]! / 255;
      out[offset + plane + p] = rgba[p * 4 + 1]! / 255;
      out[offset + 2 * plane + p] = rgba[p * 4 + 2]! / 255;
    }
    return;
  }
  const columns = areaWeights(width, size);
  const rows = areaWeights(height, size);
  for (let oy = 0; oy < size; oy++) {
    const row = rows[oy]!;
    for (let ox = 0; ox < size; ox++) {
      const column = columns[ox]!;
      let r = 0, g = 0, b = 0;
      row.weights.forEach((wy, i) => {
        const base = (row.start + i) * width;
        column.weights.forEach((wx, j) => {
          const p = (base + column.start + j) * 4;
          const w = wx * wy;
          r += rgba[p]! * w;
          g += rgba[p + 1]! * w;
          b += rgba[p + 2]! * w;
        });
      });
      const p = oy * size + ox;
      out[offset + p] = r / 255;
      out[offset + plane + p] = g / 255;
      out[offset + 2 * plane + p] = b / 255;
    }
  }
}

const fixedDim = (dims: readonly (string | number)[], at: number): number | undefined => {
  const dim = dims[at];
  return typeof dim === "number" ? dim : undefined;
};

/** Input size, grid and class count from the manifest; refuses a model this decoder cannot read. */
async function checkSignature(model: LoadedModel, artifactDir: string) {
  const { manifest } = model;
  const input = manifest.inputs.find((spec) => spec.name === "pixels");
  const heatmap = manifest.outputs.find((spec) => spec.name === "heatmap");
  const size = manifest.outputs.find((spec) => spec.name === "size");
  const offset = manifest.outputs.find((spec) => spec.name === "offset");
  const inputSize = input && fixedDim(input.dims, 2);
  const classes = heatmap && fixedDim(heatmap.dims, 1);
  const grid = heatmap && fixedDim(heatmap.dims, 2);
  const problems: string[] = [];
  if (!input || input.dims.length !== 4 || fixedDim(input.dims, 1) !== 3 || !inputSize || fixedDim(input.dims, 3) !== inputSize)
    problems.push("input pixels must be [batch, 3, S, S]");
  if (!heatmap || heatmap.dims.length !== 4 || !grid || fixedDim(heatmap.dims, 3) !== grid)
    problems.push("output heatmap must be [batch, C, G, G]");
  if (classes !== OBJECT_CLASSES.length) problems.push(`heatmap has ${classes} classes, OBJECT_CLASSES ${OBJECT_CLASSES.length}`);
  for (const [name, spec] of [["size", size], ["offset", offset]] as const) {
    if (!spec || spec.dims.length !== 4 || fixedDim(spec.dims, 1) !== 2 || fixedDim(spec.dims, 2) !== grid || fixedDim(spec.dims, 3) !== grid)
      problems.push(`output ${name} must be [batch, 2, G, G]`);
  }
  // The trainer records its class order; it must be the app's (the parsed manifest drops `decode`).
  const raw = JSON.parse(await readFile(path.join(artifactDir, "manifest.json"), "utf8")) as { decode?: { classes?: unknown } };
  if (raw.decode?.classes !== undefined && JSON.stringify(raw.decode.classes) !== JSON.stringify(OBJECT_CLASSES))
    problems.push("manifest decode.classes differ from OBJECT_CLASSES");
  if (problems.length > 0 || !inputSize || !grid || !classes) {
    throw modelInvalid(`${artifactDir} is not a scene detector: ${problems.join("; ")}`, { artifactDir, problems });
  }
  return { inputSize, grid, classes };
}

/** Loads (sha256-checked, shared) a scene-detector artifact folder as an ObjectDetector. */
export async function loadSceneDetector(artifactDir: string): Promise<SceneDetector> {
  const dir = path.resolve(artifactDir);
  const model = await loadModel(dir);
  const { inputSize, grid, classes } = await checkSignature(model, dir);
  const imageValues = 3 * inputSize * inputSize;

  async function runChunk(images: readonly RgbaImage[]): Promise<DetectedObject[][]> {
    const data = new Float32Array(images.length * imageValues);
    images.forEach((image, i) => writeImageTensor(image, inputSize, data, i * imageValues));
    const outputs = await model.run({ pixels: new ort.Tensor("float32", data, [images.length, 3, inputSize, inputSize]) });
    const heads: DetectorHeads = {
      heatmap: outputs.heatmap!.data as Float32Array,
      size: outputs.size!.data as Float32Array,
      offset: outputs.offset!.data as Float32Array,
      classes,
      grid,
    };
    return images.map((_, i) => decodeDetections(heads, i));
  }

  async function detectBatch(images: readonly RgbaImage[]): Promise<DetectedObject[][]> {
    const results: DetectedObject[][] = [];
    for (let start = 0; start < images.length; start += SCENE_DETECTOR_MAX_BATCH) {
      results.push(...(await runChunk(images.slice(start, start + SCENE_DETECTOR_MAX_BATCH))));
    }
    return results;
  }

  return {
    name: model.manifest.name,
    version: model.manifest.version,
    inputSize,
    detectBatch,
    detect: async (image) => (await runChunk([image]))[0]!,
  };
}
