import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compareToFixture, readGoldenFixture } from "../../server/ml/goldenFixture";
import { loadModel, tensorFromFixture } from "../../server/ml/onnxSession";
import {
  decodeDetections,
  defaultSceneDetectorDir,
  evalSceneDetectorDir,
  loadSceneDetector,
  writeImageTensor,
  type DetectorHeads,
} from "../../server/ml/sceneDetector";
import type { Box, DetectedObject, RgbaImage } from "../../server/verbalize/types";
import { OBJECT_CLASSES } from "../../server/verbalize/vocabulary";
import { buildBrands } from "../../server/world/brands";
import { CATEGORY_PROFILES } from "../../server/world/categories";
import { createRng } from "../../server/world/random";
import { renderScene } from "../../server/world/render";
import { sampleScene, type Scene } from "../../server/world/scene";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const committed = {
  default: path.join(repoRoot, "models/artifacts/scene-detector"),
  eval: path.join(repoRoot, "models/artifacts/scene-detector-eval"),
};
const freshArtifact = process.env.BOIG_FRESH_DETECTOR_DIR; // e.g. models/runs/pytest-detector-last/artifact

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** Scenes the detectors never saw: a world seed (99) and streams other than the training world's. */
function freshScenes(count: number): Scene[] {
  const brands = buildBrands(99, 8);
  return Array.from({ length: count }, (_, i) => {
    const brand = brands[i % brands.length]!;
    return sampleScene(createRng(99, `scene-detector-test:${i}`), {
      palette: brand.palette,
      paletteRate: brand.paletteRate,
      products: brand.products,
      productRate: brand.productRate,
      props: CATEGORY_PROFILES[brand.category].props,
      objectCountWeights: brand.objectCountWeights,
    });
  });
}

const render = (scene: Scene, size = 64): RgbaImage => ({ rgba: renderScene(scene, size), width: size, height: size });

/** Greedy matching at IoU >= 0.5 with the right label, among detections scoring >= 0.5. */
function score(scenes: Scene[], results: DetectedObject[][]) {
  let truth = 0, kept = 0, hits = 0;
  scenes.forEach((scene, i) => {
    const confident = results[i]!.filter((d) => d.score >= 0.5);
    const taken = new Set<number>();
    for (const detection of confident) {
      const match = scene.objects.findIndex(
        (o, k) => !taken.has(k) && o.label === detection.label && iou(o.box, detection.box) >= 0.5,
      );
      if (match >= 0) taken.add(match);
    }
    truth += scene.objects.length;
    kept += confident.length;
    hits += taken.size;
  });
  return { recall: hits / truth, precision: hits / kept, truth };
}

/** Same labels in the same order; scores and boxes equal up to float noise (batch size changes kernels). */
function expectSameDetections(actual: DetectedObject[], expected: DetectedObject[]) {
  const confident = (list: DetectedObject[]) => list.filter((d) => d.score >= 0.1); // low peaks may swap order
  expect(confident(actual).map((d) => d.label)).toEqual(confident(expected).map((d) => d.label));
  confident(actual).forEach((d, i) => {
    const want = confident(expected)[i]!;
    expect(d.score).toBeCloseTo(want.score, 4);
    for (const key of ["x", "y", "w", "h"] as const) expect(d.box[key]).toBeCloseTo(want.box[key], 4);
  });
}

async function replayGolden(artifactDir: string) {
  const model = await loadModel(artifactDir);
  const golden = await readGoldenFixture(path.join(artifactDir, "golden.json"));
  const feeds = Object.fromEntries(Object.entries(golden.inputs).map(([name, fixture]) => [name, tensorFromFixture(fixture)]));
  const outputs = await model.run(feeds);
  expect(Object.keys(golden.outputs).sort()).toEqual(["heatmap", "offset", "size"]);
  for (const [name, expected] of Object.entries(golden.outputs)) {
    const comparison = compareToFixture(outputs[name], expected, golden.rtol, golden.atol);
    expect(comparison.ok, `${name}: ${comparison.reason ?? `max abs diff ${comparison.maxAbsDiff}`}`).toBe(true);
  }
}

describe("committed scene detectors", () => {
  it.each(Object.entries(committed))("%s reproduces its PyTorch golden outputs", async (_, dir) => {
    await replayGolden(dir);
  });

  it.skipIf(!freshArtifact)("a freshly trained detector reproduces its golden outputs", async () => {
    await replayGolden(path.resolve(repoRoot, freshArtifact!));
  });

  it("the default and eval detectors are different models (architecture and seed)", async () => {
    const [main, other] = await Promise.all([loadModel(committed.default), loadModel(committed.eval)]);
    expect(main.manifest.files["model.onnx"]!.sha256).not.toBe(other.manifest.files["model.onnx"]!.sha256);
    expect(main.manifest.training.config.arch).not.toBe(other.manifest.training.config.arch);
    expect(main.manifest.training.config.seed).not.toBe(other.manifest.training.config.seed);
    for (const { manifest } of [main, other]) {
      expect(manifest.kind).toBe("scene-detector");
      expect(manifest.metrics.eval_map50).toBeGreaterThan(0.8);
    }
  });

  it("the helpers point at the committed folders", () => {
    expect(defaultSceneDetectorDir()).toBe(path.join(process.cwd(), "models/artifacts/scene-detector"));
    expect(evalSceneDetectorDir()).toBe(path.join(process.cwd(), "models/artifacts/scene-detector-eval"));
  });

  it.each(Object.entries(committed))("%s finds the objects of freshly rendered world scenes", async (_, dir) => {
    const detector = await loadSceneDetector(dir);
    const scenes = freshScenes(150);
    const results = await detector.detectBatch(scenes.map((scene) => render(scene)));
    const { recall, precision, truth } = score(scenes, results);
    // Measured: default recall 0.93 / precision 0.98, eval 0.90 / 0.95 (433 objects).
    expect(truth).toBeGreaterThan(400);
    expect(recall).toBeGreaterThan(0.85);
    expect(precision).toBeGreaterThan(0.85);
    // The first scene's hero object, one by one: the right label at IoU >= 0.5.
    const [first] = scenes;
    const found = (await detector.detect(render(first!))).filter((d) => d.score >= 0.5);
    const hero = first!.objects[0]!;
    expect(found.some((d) => d.label === hero.label && iou(d.box, hero.box) >= 0.5)).toBe(true);
  });
});

describe("loadSceneDetector", () => {
  it("detect and detectBatch agree, across the batch chunking, with names from the manifest", async () => {
    const detector = await loadSceneDetector(committed.default);
    expect(detector.name).toBe("scene-detector-centernet");
    expect(detector.inputSize).toBe(64);
    const images = freshScenes(70).map((scene) => render(scene)); // > SCENE_DETECTOR_MAX_BATCH (64)
    const batch = await detector.detectBatch(images);
    expect(batch).toHaveLength(70);
    for (const i of [0, 65, 69]) expectSameDetections(await detector.detect(images[i]!), batch[i]!);
    for (const detections of batch) {
      expect(detections.length).toBeLessThanOrEqual(20);
      for (const { label, score, box } of detections) {
        expect(OBJECT_CLASSES).toContain(label);
        expect(score).toBeGreaterThanOrEqual(0.05);
        expect(box.x + box.w).toBeLessThanOrEqual(1 + 1e-9);
        expect(box.y + box.h).toBeLessThanOrEqual(1 + 1e-9);
      }
    }
    expect(await detector.detectBatch([])).toEqual([]);
  });

  it("resizes any image size to the model input (a 2x render decodes like the 64x64 one)", async () => {
    const detector = await loadSceneDetector(committed.default);
    const [scene] = freshScenes(1);
    const small = render(scene!);
    // Nearest-neighbour 2x upscale: area averaging back to 64x64 gives the exact same pixels.
    const big = new Uint8Array(128 * 128 * 4);
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++)
        big.set(small.rgba.subarray(((y >> 1) * 64 + (x >> 1)) * 4, ((y >> 1) * 64 + (x >> 1)) * 4 + 4), (y * 128 + x) * 4);
    expectSameDetections(await detector.detect({ rgba: big, width: 128, height: 128 }), await detector.detect(small));
  });

  it("refuses an artifact that is not a scene detector", async () => {
    await expect(loadSceneDetector(path.join(repoRoot, "models/artifacts/tiny-demo"))).rejects.toMatchObject({
      code: "MODEL_INVALID",
      message: expect.stringContaining("is not a scene detector"),
    });
  });
});

describe("writeImageTensor", () => {
  it("copies a 64x64 image into NCHW floats, ignoring alpha", () => {
    const rgba = new Uint8Array(64 * 64 * 4);
    rgba.set([255, 51, 0, 7], 0); // pixel (0, 0)
    rgba.set([0, 0, 255, 0], (5 * 64 + 3) * 4); // pixel (x 3, y 5)
    const out = new Float32Array(2 + 3 * 64 * 64);
    writeImageTensor({ rgba, width: 64, height: 64 }, 64, out, 2);
    expect([out[2], out[2 + 4096], out[2 + 8192]]).toEqual([1, Math.fround(0.2), 0]);
    expect(out[2 + 2 * 4096 + 5 * 64 + 3]).toBe(1);
  });

  it("area-averages a larger image and spreads a smaller one", () => {
    // 3x3 -> 2x2: output (0, 0) covers source [0, 1.5)^2: weights 4/9, 2/9, 2/9, 1/9.
    const gray = (values: number[]) => Uint8Array.from(values.flatMap((v) => [v, v, v, 255]));
    const out = new Float32Array(3 * 4);
    writeImageTensor({ rgba: gray([90, 0, 0, 0, 0, 0, 0, 0, 0]), width: 3, height: 3 }, 2, out, 0);
    expect(out[0]).toBeCloseTo((90 * 4) / 9 / 255, 6);
    expect(out[1]).toBe(0);
    const up = new Float32Array(3 * 16);
    writeImageTensor({ rgba: gray([255, 0, 0, 0]), width: 2, height: 2 }, 4, up, 0);
    expect(Array.from(up.subarray(0, 16), (v) => Math.round(v))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("rejects pixels that do not fit the stated size", () => {
    expect(() => writeImageTensor({ rgba: new Uint8Array(10), width: 2, height: 2 }, 64, new Float32Array(3 * 4096), 0)).toThrow(RangeError);
  });
});

describe("decodeDetections", () => {
  const grid = 16, classes = OBJECT_CLASSES.length, cells = grid * grid;
  function heads(batch: number): DetectorHeads {
    return {
      heatmap: new Float32Array(batch * classes * cells),
      size: new Float32Array(batch * 2 * cells),
      offset: new Float32Array(batch * 2 * cells),
      classes,
      grid,
    };
  }
  function put(h: DetectorHeads, b: number, c: number, x: number, y: number, score: number, box?: [number, number, number, number]) {
    const cell = y * grid + x;
    h.heatmap[(b * classes + c) * cells + cell] = score;
    if (box) {
      const [w, hh, ox, oy] = box;
      h.size[b * 2 * cells + cell] = w;
      h.size[b * 2 * cells + cells + cell] = hh;
      h.offset[b * 2 * cells + cell] = ox;
      h.offset[b * 2 * cells + cells + cell] = oy;
    }
  }

  it("keeps 3x3 local maxima above the floor, best first, with boxes from size and offset", () => {
    const h = heads(2);
    put(h, 1, 3, 4, 8, 0.9, [0.5, 0.25, 0.5, 0.25]); // car at cell (4, 8)
    put(h, 1, 3, 5, 8, 0.6); // its neighbour: not a peak
    put(h, 1, 3, 7, 8, 0.55, [0.125, 0.125, 0, 0]); // two cells away: its own peak
    put(h, 1, 0, 5, 9, 0.7, [0.1, 0.2, 0, 0]); // another class next to the car: its own channel, its own peak
    put(h, 1, 8, 0, 0, 0.3, [0.4, 0.4, 0.1, 0.1]); // corner peak, box clipped to the image
    put(h, 1, 9, 10, 10, 0.04, [0.1, 0.1, 0, 0]); // below the floor
    put(h, 0, 1, 2, 2, 0.99, [0.1, 0.1, 0, 0]); // image 0 must not leak into image 1
    const found = decodeDetections(h, 1);
    expect(found.map((d) => [d.label, d.score])).toEqual([
      ["car", Math.fround(0.9)],
      ["person", Math.fround(0.7)],
      ["car", Math.fround(0.55)],
      ["sun", Math.fround(0.3)],
    ]);
    // center ((4 + 0.5) / 16, (8 + 0.25) / 16) = (0.28125, 0.515625); w 0.5, h 0.25.
    expect(found[0]!.box.x).toBeCloseTo(0.03125, 6);
    expect(found[0]!.box.y).toBeCloseTo(0.390625, 6);
    expect(found[0]!.box.w).toBeCloseTo(0.5, 6);
    expect(found[0]!.box.h).toBeCloseTo(0.25, 6);
    // corner: center (0.1 / 16) - 0.2 < 0 clips to x = 0.
    expect(found[3]!.box.x).toBe(0);
    expect(found[3]!.box.w).toBeCloseTo(0.4, 6);
    expect(decodeDetections(h, 0).map((d) => d.label)).toEqual(["bottle"]);
  });

  it("returns at most topK peaks and honours a custom floor", () => {
    const h = heads(1);
    for (let i = 0; i < 30; i++) put(h, 0, i % classes, (i * 2) % grid, 2 * Math.floor(i / 8), 0.2 + i / 100, [0.1, 0.1, 0, 0]);
    expect(decodeDetections(h, 0)).toHaveLength(20);
    expect(decodeDetections(h, 0, { topK: 5 }).map((d) => d.score)).toEqual([0.49, 0.48, 0.47, 0.46, 0.45].map(Math.fround));
    expect(decodeDetections(h, 0, { scoreFloor: 0.445 })).toHaveLength(5);
  });

  it("clamps negative or oversized regressions into the image", () => {
    const h = heads(1);
    put(h, 0, 2, 15, 15, 0.8, [1.7, -0.2, 0.9, 0.9]);
    const [only] = decodeDetections(h, 0);
    expect(only!.box.w).toBeGreaterThanOrEqual(0);
    expect(only!.box.h).toBe(0);
    expect(only!.box.x + only!.box.w).toBeLessThanOrEqual(1);
  });
});
