import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { compareToFixture, type FixtureTensor } from "../../server/ml/goldenFixture";
import {
  defaultImageFeaturesDir,
  imageFeatures,
  loadImageFeatureExtractor,
  resizeToFeatureInput,
} from "../../server/ml/imageFeatures";
import { loadModel } from "../../server/ml/onnxSession";
import { resetEnv } from "../../server/env";
import { decodeImage } from "../../server/verbalize/decodeImage";
import type { RgbaImage } from "../../server/verbalize/types";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const artifact = path.join(repoRoot, "models/artifacts/mobilenet-v2-features");
const photosDir = path.join(repoRoot, "tests/fixtures/photos");
const photo = (file: string): RgbaImage => decodeImage(readFileSync(path.join(photosDir, file)));

type Golden = {
  input: { name: string; pngs: string[]; sha256: Record<string, string>; dims: number[] };
  rtol: number;
  atol: number;
  outputs: { features: FixtureTensor };
};
const readGolden = async () => JSON.parse(await readFile(path.join(artifact, "golden.json"), "utf8")) as Golden;
const readPng = (file: string): RgbaImage => {
  const png = PNG.sync.read(readFileSync(path.join(artifact, file)));
  return { rgba: new Uint8Array(png.data), width: png.width, height: png.height };
};

const uniform = (width: number, height: number, rgb: [number, number, number]): RgbaImage => {
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([...rgb, 255], p * 4);
  return { rgba, width, height };
};

const l2 = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));
const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0) / (norm(a) * norm(b));

// ------------------------------------------------------------------------------------------------
// Golden replay: the committed ONNX file computes what nsfwjs itself (tfjs) computed, written by
// scripts/convert-mobilenet/run.sh on two real photos.
// ------------------------------------------------------------------------------------------------

describe("mobilenet-v2-features artifact", () => {
  it("replays golden.json through loadModel (sha256-checked) as one batch, within tolerance", async () => {
    const golden = await readGolden();
    const [batch, height, width, channels] = golden.input.dims as [number, number, number, number];
    expect(golden.input.pngs).toHaveLength(batch);
    const input = new Float32Array(batch * height * width * channels);
    golden.input.pngs.forEach((file, i) => {
      const bytes = readFileSync(path.join(artifact, file));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(golden.input.sha256[file]);
      const png = PNG.sync.read(bytes);
      expect([png.width, png.height, channels]).toEqual([width, height, 3]);
      for (let p = 0; p < width * height; p++)
        for (let c = 0; c < 3; c++) input[(i * width * height + p) * 3 + c] = png.data[p * 4 + c]!;
    });
    const model = await loadModel(artifact);
    const outputs = await model.run({ [golden.input.name]: new ort.Tensor("float32", input, golden.input.dims) });
    const result = compareToFixture(outputs.features, golden.outputs.features, golden.rtol, golden.atol);
    expect(result, `features max|diff| ${result.maxAbsDiff}`).toMatchObject({ ok: true });
  });

  it("has a manifest that documents the input, under 15 MB, converted from nsfwjs@4.4.0", async () => {
    const manifest = JSON.parse(await readFile(path.join(artifact, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      name: "mobilenet-v2-features",
      kind: "image-features",
      inputs: [{ name: "images", dtype: "float32", dims: ["batch", 224, 224, 3] }],
      outputs: [{ name: "features", dtype: "float32", dims: ["batch", 1280] }],
    });
    expect(manifest.files["model.onnx"].bytes).toBeLessThan(15 * 1024 * 1024);
    expect(manifest.training.config.source).toBe("nsfwjs@4.4.0");
    expect(Object.keys(manifest.training.config.sourceFiles)).toEqual([
      "dist/models/mobilenet_v2/model.min.js",
      "dist/models/mobilenet_v2/group1-shard1of1.min.js",
    ]);
    expect(manifest.decode.input).toMatch(/0\.\.255/);
    expect(manifest.decode.input).toMatch(/NHWC/);
    expect(manifest.metrics.max_rel_diff_features).toBeLessThan(1e-4);
  });

  it("defaults to the committed artifact under the repo root", () => {
    const saved = process.env.BOIG_REPO_ROOT;
    process.env.BOIG_REPO_ROOT = repoRoot;
    resetEnv();
    try {
      expect(defaultImageFeaturesDir()).toBe(artifact);
    } finally {
      if (saved === undefined) delete process.env.BOIG_REPO_ROOT;
      else process.env.BOIG_REPO_ROOT = saved;
      resetEnv();
    }
  });
});

// ------------------------------------------------------------------------------------------------
// The wrapper
// ------------------------------------------------------------------------------------------------

describe("resizeToFeatureInput", () => {
  it("copies an image that already has the input size", () => {
    const image = readPng("golden-a.png");
    const out = resizeToFeatureInput(image, 224);
    let mismatches = 0;
    for (let p = 0; p < 224 * 224; p++) for (let c = 0; c < 3; c++) if (out[p * 3 + c] !== image.rgba[p * 4 + c]) mismatches++;
    expect(out).toHaveLength(224 * 224 * 3);
    expect(mismatches).toBe(0);
  });

  it("keeps a uniform color at any size and aspect ratio (alpha ignored)", () => {
    for (const [w, h] of [[1, 1], [3, 700], [1000, 37], [225, 223]] as const) {
      const image = uniform(w, h, [12, 200, 99]);
      for (let p = 0; p < w * h; p++) image.rgba[p * 4 + 3] = p % 256;
      const out = resizeToFeatureInput(image, 224);
      for (let p = 0; p < 224 * 224; p += 97) {
        expect(out[p * 3]).toBeCloseTo(12, 9);
        expect(out[p * 3 + 1]).toBeCloseTo(200, 9);
        expect(out[p * 3 + 2]).toBeCloseTo(99, 9);
      }
    }
  });

  it("averages when shrinking (a 2x2 checkerboard of 1-px cells becomes flat grey)", () => {
    const size = 448;
    const rgba = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) rgba.fill((x + y) % 2 ? 255 : 0, (y * size + x) * 4, (y * size + x) * 4 + 3);
    const out = resizeToFeatureInput({ rgba, width: size, height: size }, 224);
    const middle = (112 * 224 + 112) * 3;
    expect(out[middle]).toBeCloseTo(127.5, 6);
  });

  it("refuses malformed images", () => {
    expect(() => resizeToFeatureInput({ rgba: new Uint8Array(10), width: 2, height: 2 }, 224)).toThrow(RangeError);
    expect(() => resizeToFeatureInput({ rgba: new Uint8Array(0), width: 0, height: 0 }, 224)).toThrow(RangeError);
  });
});

describe("imageFeatures", () => {
  it("loads the committed extractor: 224x224 input, 1280-d features", async () => {
    const extractor = await loadImageFeatureExtractor(artifact);
    expect(extractor).toMatchObject({ name: "mobilenet-v2-features", inputSize: 224, dim: 1280 });
  });

  it("reproduces the golden features end to end (decoded 224x224 images, no resize)", async () => {
    const golden = await readGolden();
    const features = await imageFeatures(golden.input.pngs.map(readPng), { artifactDir: artifact });
    const flat = new Float32Array(features.length * 1280);
    features.forEach((row, i) => flat.set(row, i * 1280));
    const result = compareToFixture(new ort.Tensor("float32", flat, [features.length, 1280]), golden.outputs.features, golden.rtol, golden.atol);
    expect(result, `max|diff| ${result.maxAbsDiff}`).toMatchObject({ ok: true });
  });

  it("gives different features for different real photos, the same ones every time, whatever the batch size", async () => {
    const images = ["dog.jpg", "chelsea.jpg", "coffee.jpg"].map(photo);
    const first = await imageFeatures(images, { artifactDir: artifact });
    const again = await imageFeatures(images, { artifactDir: artifact });
    const oneByOne = await imageFeatures(images, { artifactDir: artifact, batchSize: 1 });
    expect(first).toHaveLength(3);
    for (const [i, row] of first.entries()) {
      expect(row).toBeInstanceOf(Float32Array);
      expect(row).toHaveLength(1280);
      expect(row.every((v) => Number.isFinite(v) && v >= 0 && v <= 6)).toBe(true); // ReLU6, then an average
      expect(Array.from(again[i]!)).toEqual(Array.from(row)); // deterministic
      expect(l2(oneByOne[i]!, row)).toBeLessThan(1e-4 * norm(row)); // batching does not change an image's features
    }
    const [dog, cat, cup] = first as [Float32Array, Float32Array, Float32Array];
    for (const [a, b] of [[dog, cat], [dog, cup], [cat, cup]] as const) {
      expect(l2(a, b)).toBeGreaterThan(0.2 * Math.min(norm(a), norm(b)));
      expect(cosine(a, b)).toBeLessThan(0.95);
    }
  });

  it("is robust to rescaling: a photo and its half-size copy are closer than two different photos", async () => {
    const dog = photo("dog.jpg");
    const half: RgbaImage = { rgba: new Uint8Array((dog.width >> 1) * (dog.height >> 1) * 4), width: dog.width >> 1, height: dog.height >> 1 };
    for (let y = 0; y < half.height; y++)
      for (let x = 0; x < half.width; x++)
        for (let c = 0; c < 4; c++) {
          let sum = 0;
          for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) sum += dog.rgba[((2 * y + dy!) * dog.width + 2 * x + dx!) * 4 + c]!;
          half.rgba[(y * half.width + x) * 4 + c] = Math.round(sum / 4);
        }
    const [full, small, cat] = await imageFeatures([dog, half, photo("chelsea.jpg")], { artifactDir: artifact });
    expect(l2(full!, small!)).toBeLessThan(0.3 * l2(full!, cat!)); // measured: 1.1 vs 7.9
  });

  it("returns nothing for no images and refuses an artifact of another kind", async () => {
    expect(await imageFeatures([], { artifactDir: artifact })).toEqual([]);
    await expect(loadImageFeatureExtractor(path.join(repoRoot, "models/artifacts/coco-centernet"))).rejects.toMatchObject({
      code: "MODEL_INVALID",
    });
  });
});
