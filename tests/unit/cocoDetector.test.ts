import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import {
  COCO_DETECTOR_SCORE_FLOOR,
  decodeCocoDetections,
  defaultCocoDetectorDir,
  letterboxFor,
  letterboxImage,
  loadCocoDetector,
  type Letterbox,
} from "../../server/ml/cocoDetector";
import { compareToFixture, type FixtureTensor } from "../../server/ml/goldenFixture";
import { loadModel } from "../../server/ml/onnxSession";
import { resetEnv } from "../../server/env";
import { COCO_LABELS } from "../../server/verbalize/cocoLabels";
import { decodeImage } from "../../server/verbalize/decodeImage";
import type { Box, DetectedObject, RgbaImage } from "../../server/verbalize/types";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const artifact = path.join(repoRoot, "models/artifacts/coco-centernet");
const photosDir = path.join(repoRoot, "tests/fixtures/photos");

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

const uniform = (width: number, height: number, rgb: [number, number, number]): RgbaImage => {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([...rgb, 255], p * 4);
  return { rgba, width, height };
};

// ------------------------------------------------------------------------------------------------
// Golden replay: the committed ONNX file computes what the original TF.js model computed (tfjs,
// written by scripts/convert-centernet/run.sh) on a real photo.
// ------------------------------------------------------------------------------------------------

type GoldenSlice = FixtureTensor & { output: "keypoints" | "wh"; at: [number, number, number] };
type Golden = {
  input: { name: string; png: string; sha256: string; upsample: number; dims: number[] };
  tolerance: Record<"keypoints" | "wh" | "detections", { rtol: number; atol: number }>;
  detections: FixtureTensor;
  slices: GoldenSlice[];
  sums: Record<"keypoints" | "wh", { sum: number; absSum: number }>;
  sumRtol: number;
};

describe("coco-centernet artifact", () => {
  it("replays golden.json through loadModel (sha256-checked) within tolerance", async () => {
    const golden = JSON.parse(await readFile(path.join(artifact, "golden.json"), "utf8")) as Golden;
    const pngBytes = await readFile(path.join(artifact, golden.input.png));
    expect(createHash("sha256").update(pngBytes).digest("hex")).toBe(golden.input.sha256);
    const png = PNG.sync.read(pngBytes);
    const [, height, width, channels] = golden.input.dims as [number, number, number, number];
    const k = golden.input.upsample;
    expect([png.width * k, png.height * k, channels]).toEqual([width, height, 3]);
    // Each PNG pixel replicated into a k x k block: exact in any implementation.
    const input = new Float32Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = (Math.floor(y / k) * png.width + Math.floor(x / k)) * 4;
        for (let c = 0; c < 3; c++) input[(y * width + x) * 3 + c] = png.data[p + c]!;
      }

    const model = await loadModel(artifact);
    const outputs = await model.run({ [golden.input.name]: new ort.Tensor("float32", input, golden.input.dims) });

    const { rtol, atol } = golden.tolerance.detections;
    const detections = compareToFixture(outputs.detections, golden.detections, rtol, atol);
    expect(detections, `detections max|diff| ${detections.maxAbsDiff}`).toMatchObject({ ok: true });

    for (const slice of golden.slices) {
      const tensor = outputs[slice.output]!;
      const [, grid, , depth] = tensor.dims as [number, number, number, number];
      const [, y, x] = slice.at;
      const start = (y * grid + x) * depth;
      const values = (tensor.data as Float32Array).slice(start, start + depth);
      const tol = golden.tolerance[slice.output];
      const result = compareToFixture(new ort.Tensor("float32", values, [depth]), slice, tol.rtol, tol.atol);
      expect(result, `${slice.output}[0, ${y}, ${x}] max|diff| ${result.maxAbsDiff}`).toMatchObject({ ok: true });
    }

    for (const name of ["keypoints", "wh"] as const) {
      let sum = 0, absSum = 0;
      for (const v of outputs[name]!.data as Float32Array) {
        sum += v;
        absSum += Math.abs(v);
      }
      const want = golden.sums[name];
      expect(Math.abs(sum - want.sum)).toBeLessThanOrEqual(golden.sumRtol * Math.abs(want.absSum));
      expect(Math.abs(absSum - want.absSum)).toBeLessThanOrEqual(golden.sumRtol * Math.abs(want.absSum));
    }
  });

  it("has a manifest this decoder can read, under 10 MB, with human's class order", async () => {
    const manifest = JSON.parse(await readFile(path.join(artifact, "manifest.json"), "utf8"));
    expect(manifest.name).toBe("coco-centernet");
    expect(manifest.decode.classes).toEqual([...COCO_LABELS]);
    expect(manifest.files["model.onnx"].bytes).toBeLessThan(10 * 1024 * 1024);
    expect(manifest.training.config.source).toBe("@vladmandic/human@3.3.6");
    expect(manifest.metrics.max_abs_diff_keypoints).toBeLessThan(1e-5);
  });

  it("defaults to the committed artifact under the repo root", () => {
    const saved = process.env.BOIG_REPO_ROOT;
    process.env.BOIG_REPO_ROOT = repoRoot;
    resetEnv();
    try {
      expect(defaultCocoDetectorDir()).toBe(artifact);
    } finally {
      if (saved === undefined) delete process.env.BOIG_REPO_ROOT;
      else process.env.BOIG_REPO_ROOT = saved;
      resetEnv();
    }
  });

  const tempDirs: string[] = [];
  afterAll(async () => {
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("refuses an artifact whose class list is not COCO_LABELS, and one that is not a CenterNet", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "coco-centernet-"));
    tempDirs.push(dir);
    await copyFile(path.join(artifact, "model.onnx"), path.join(dir, "model.onnx"));
    const manifest = JSON.parse(await readFile(path.join(artifact, "manifest.json"), "utf8"));
    manifest.decode.classes = [...COCO_LABELS].reverse();
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    await expect(loadCocoDetector(dir)).rejects.toMatchObject({ code: "MODEL_INVALID", message: expect.stringContaining("COCO_LABELS") });
    await expect(loadCocoDetector(path.join(repoRoot, "models/artifacts/tiny-demo"))).rejects.toMatchObject({ code: "MODEL_INVALID" });
  });
});

// ------------------------------------------------------------------------------------------------
// Real photos (tests/fixtures/photos/README.md): what the detector must find, where.
// Boxes are hand-checked against the photos (normalized x, y, w, h); a match needs the label, the
// score and IoU >= 0.5. "confident" lists every label allowed at score >= 0.5.
// ------------------------------------------------------------------------------------------------

type Expected = { labels: readonly string[]; minScore: number; box: Box };
const PHOTOS: { file: string; expect: Expected[]; confident: readonly string[] }[] = [
  { file: "astronaut.jpg", expect: [{ labels: ["person"], minScore: 0.5, box: { x: 0.02, y: 0.02, w: 0.7, h: 0.98 } }], confident: ["person"] },
  { file: "chelsea.jpg", expect: [{ labels: ["cat"], minScore: 0.5, box: { x: 0, y: 0, w: 0.92, h: 1 } }], confident: ["cat"] },
  { file: "coffee.jpg", expect: [{ labels: ["cup"], minScore: 0.5, box: { x: 0.28, y: 0.04, w: 0.41, h: 0.62 } }], confident: ["cup"] },
  {
    file: "dog.jpg",
    expect: [
      { labels: ["bicycle"], minScore: 0.5, box: { x: 0.15, y: 0.23, w: 0.58, h: 0.58 } },
      // A pickup truck; the model calls it car (0.54) before truck (0.27).
      { labels: ["car", "truck"], minScore: 0.5, box: { x: 0.61, y: 0.13, w: 0.28, h: 0.16 } },
      // The dog is found at 0.35 only (it overlaps the bicycle).
      { labels: ["dog"], minScore: 0.3, box: { x: 0.17, y: 0.38, w: 0.23, h: 0.55 } },
    ],
    confident: ["bicycle", "car", "truck"],
  },
  {
    file: "horses.jpg",
    expect: [
      { labels: ["horse"], minScore: 0.5, box: { x: 0.56, y: 0.41, w: 0.22, h: 0.27 } },
      { labels: ["horse"], minScore: 0.5, box: { x: 0, y: 0.37, w: 0.41, h: 0.43 } },
    ],
    confident: ["horse"],
  },
  {
    file: "person.jpg",
    expect: [
      { labels: ["person"], minScore: 0.5, box: { x: 0.3, y: 0.25, w: 0.13, h: 0.64 } },
      { labels: ["dog"], minScore: 0.5, box: { x: 0.1, y: 0.62, w: 0.21, h: 0.21 } },
      // The white horse is found, but as sheep 0.41 / cow 0.39 / horse 0.29.
      { labels: ["horse", "sheep", "cow"], minScore: 0.3, box: { x: 0.63, y: 0.32, w: 0.31, h: 0.47 } },
    ],
    confident: ["person", "dog"],
  },
];

describe("loadCocoDetector on real photos", () => {
  const detectorPromise = loadCocoDetector(artifact);

  it("is the committed artifact", async () => {
    const detector = await detectorPromise;
    expect(detector.name).toBe("coco-centernet");
    expect(detector.version).toMatch(/^3\.3\.6-[0-9a-f]{8}$/);
    expect(detector.inputSize).toBe(512);
  });

  for (const photo of PHOTOS) {
    it(`finds ${photo.expect.map((e) => e.labels.join("/")).join(", ")} in ${photo.file}`, async () => {
      const detector = await detectorPromise;
      const image = decodeImage(readFileSync(path.join(photosDir, photo.file)));
      const found = await detector.detect(image);
      const summary = found.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(", ");
      for (const want of photo.expect) {
        const match = found.find((d) => want.labels.includes(d.label) && d.score >= want.minScore && iou(d.box, want.box) >= 0.5);
        expect(match, `${photo.file}: no ${want.labels.join("/")} >= ${want.minScore} at the expected box; got ${summary}`).toBeDefined();
      }
      const unexpected = found.filter((d) => d.score >= 0.5 && !photo.confident.includes(d.label));
      expect(unexpected, `${photo.file}: unexpected confident detections`).toEqual([]);
      // Contract: normalized boxes inside the image, scores above the floor, highest first.
      for (const d of found) {
        expect(d.score).toBeGreaterThanOrEqual(COCO_DETECTOR_SCORE_FLOOR);
        expect(d.box.x).toBeGreaterThanOrEqual(0);
        expect(d.box.y).toBeGreaterThanOrEqual(0);
        expect(d.box.x + d.box.w).toBeLessThanOrEqual(1 + 1e-9);
        expect(d.box.y + d.box.h).toBeLessThanOrEqual(1 + 1e-9);
        expect(COCO_LABELS).toContain(d.label);
      }
      expect(found.map((d) => d.score)).toEqual([...found.map((d) => d.score)].sort((a, b) => b - a));
    });
  }

  it("finds nothing in blank images of any size", async () => {
    const detector = await detectorPromise;
    for (const [width, height, rgb] of [
      [300, 200, [0, 0, 0]],
      [640, 480, [255, 255, 255]],
      [512, 512, [128, 128, 128]],
      [32, 32, [128, 128, 128]],
      [100, 700, [40, 90, 200]],
    ] as const) {
      const found = await detector.detect(uniform(width, height, [...rgb]));
      expect(found.filter((d) => d.score >= 0.3), `${width}x${height} rgb(${rgb})`).toEqual([]);
    }
  });

  it("gives the same objects for the same photo at another size and aspect-preserving scale", async () => {
    const detector = await detectorPromise;
    const image = decodeImage(readFileSync(path.join(photosDir, "horses.jpg")));
    // Nearest 2x enlargement: same content, letterboxed to the same place.
    const big = { width: image.width * 2, height: image.height * 2, rgba: new Uint8Array(image.width * image.height * 16) };
    for (let y = 0; y < big.height; y++)
      for (let x = 0; x < big.width; x++) {
        const p = ((y >> 1) * image.width + (x >> 1)) * 4;
        big.rgba.set(image.rgba.subarray(p, p + 4), (y * big.width + x) * 4);
      }
    const [small, large] = [await detector.detect(image), await detector.detect(big)];
    const confident = (list: DetectedObject[]) => list.filter((d) => d.score >= 0.5);
    expect(confident(large).map((d) => d.label)).toEqual(confident(small).map((d) => d.label));
    confident(small).forEach((d, i) => expect(iou(d.box, confident(large)[i]!.box)).toBeGreaterThan(0.9));
  });
});

// ------------------------------------------------------------------------------------------------
// Pure functions: letterbox and decoding on synthetic data.
// ------------------------------------------------------------------------------------------------

describe("letterboxImage", () => {
  it("copies an image of the input size exactly", () => {
    const size = 8;
    const rgba = Uint8Array.from({ length: size * size * 4 }, (_, i) => (i * 37) % 256);
    const { tensor, letterbox } = letterboxImage({ rgba, width: size, height: size }, size);
    expect(letterbox).toMatchObject({ left: 0, top: 0, width: size, height: size });
    for (let p = 0; p < size * size; p++)
      for (let c = 0; c < 3; c++) expect(tensor[p * 3 + c]).toBeCloseTo(rgba[p * 4 + c]!, 4);
  });

  it("keeps the aspect ratio, centers the image and pads with black", () => {
    const { tensor, letterbox } = letterboxImage(uniform(200, 100, [10, 200, 30]), 64);
    expect(letterbox).toEqual({ size: 64, imageWidth: 200, imageHeight: 100, left: 0, top: 16, width: 64, height: 32 });
    for (let y = 0; y < 64; y++) {
      const inside = y >= 16 && y < 48;
      for (let x = 0; x < 64; x++) {
        const p = (y * 64 + x) * 3;
        const want = inside ? [10, 200, 30] : [0, 0, 0];
        for (let c = 0; c < 3; c++) expect(tensor[p + c]).toBeCloseTo(want[c]!, 3);
      }
    }
  });

  it("averages when shrinking (a 1-pixel checkerboard becomes flat gray)", () => {
    const width = 64, height = 64;
    const rgba = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) rgba.fill((x + y) % 2 ? 255 : 0, (y * width + x) * 4, (y * width + x) * 4 + 3);
    const { tensor } = letterboxImage({ rgba, width, height }, 16);
    for (const v of tensor) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });

  it("places tall images with bars left and right", () => {
    expect(letterboxFor(100, 400, 512)).toEqual({ size: 512, imageWidth: 100, imageHeight: 400, left: 192, top: 0, width: 128, height: 512 });
    expect(letterboxFor(1, 1000, 512)).toMatchObject({ width: 1, height: 512 });
  });

  it("rejects pixels that do not fit the stated size", () => {
    expect(() => letterboxImage({ rgba: new Uint8Array(10), width: 2, height: 2 }, 16)).toThrow(RangeError);
  });
});

describe("decodeCocoDetections", () => {
  // A 200x100 image letterboxed into 512: the image fills x 0..512, y 128..384 of the input.
  const box: Letterbox = letterboxFor(200, 100, 512);
  const row = (x1: number, y1: number, x2: number, y2: number, score: number, classId: number) => [x1, y1, x2, y2, score, classId];
  const cat = COCO_LABELS.indexOf("cat");
  const person = COCO_LABELS.indexOf("person");
  const bicycle = COCO_LABELS.indexOf("bicycle");

  it("undoes the letterbox and normalizes to the original image", () => {
    expect(box).toMatchObject({ left: 0, top: 128, width: 512, height: 256 });
    const [d] = decodeCocoDetections(row(128, 192, 384, 320, 0.9, cat), box);
    expect(d!.label).toBe("cat");
    expect(d!.score).toBeCloseTo(0.9, 6);
    expect(d!.box.x).toBeCloseTo(0.25, 9);
    expect(d!.box.y).toBeCloseTo(0.25, 9);
    expect(d!.box.w).toBeCloseTo(0.5, 9);
    expect(d!.box.h).toBeCloseTo(0.5, 9);
  });

  it("clips boxes to the image and drops boxes that lie in the bars", () => {
    const found = decodeCocoDetections([...row(-40, 100, 256, 256, 0.8, person), ...row(10, 10, 500, 120, 0.7, cat)], box);
    expect(found).toHaveLength(1);
    expect(found[0]!.box).toEqual({ x: 0, y: 0, w: 0.5, h: 0.5 });
  });

  it("keeps scores >= the floor, drops NaN and unknown classes", () => {
    const rows = [
      ...row(0, 128, 100, 200, COCO_DETECTOR_SCORE_FLOOR, person),
      ...row(0, 128, 100, 200, COCO_DETECTOR_SCORE_FLOOR - 0.01, cat),
      ...row(0, 128, 100, 200, Number.NaN, cat),
      ...row(0, 128, 100, 200, 0.9, 80),
      ...row(0, 128, 100, 200, 0.9, -1),
      ...row(0, 128, 100, 200, 0.9, 2.5),
    ];
    expect(decodeCocoDetections(rows, box).map((d) => d.label)).toEqual(["person"]);
  });

  it("suppresses overlapping boxes of the same class only, keeping the highest score", () => {
    const rows = [
      ...row(100, 150, 300, 350, 0.6, person),
      ...row(110, 160, 300, 350, 0.8, person), // IoU ~0.85 with the first: a duplicate
      ...row(100, 150, 300, 350, 0.7, bicycle), // same place, other class: kept
      ...row(350, 150, 500, 350, 0.5, person), // another person beside: kept
    ];
    const found = decodeCocoDetections(rows, box);
    expect(found.map((d) => `${d.label} ${d.score}`)).toEqual(["person 0.8", "bicycle 0.7", "person 0.5"]);
    const loose = decodeCocoDetections(rows, box, { iouThreshold: 0.95 });
    expect(loose).toHaveLength(4);
  });

  it("returns at most maxDetections, highest score first, with the given labels", () => {
    const rows: number[] = [];
    for (let i = 0; i < 30; i++) rows.push(...row(i * 16, 130, i * 16 + 15, 140, 0.2 + i * 0.01, 0));
    const found = decodeCocoDetections(rows, box, { maxDetections: 5, labels: ["thing"] });
    expect(found.map((d) => d.score)).toEqual([0.49, 0.48, 0.47, 0.46, 0.45].map((s) => expect.closeTo(s, 9)));
    expect(new Set(found.map((d) => d.label))).toEqual(new Set(["thing"]));
  });

  it("rejects rows that are not 6 values wide", () => {
    expect(() => decodeCocoDetections(new Float32Array(7), box)).toThrow(RangeError);
  });
});
