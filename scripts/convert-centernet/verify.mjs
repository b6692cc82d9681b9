#!/usr/bin/env node
/**
 * Checks the converted ONNX model against the original TF.js graph model, then writes the
 * artifact's golden.json and manifest.json (run.sh calls this after convert.py).
 *
 * Both runtimes get the same float32 NHWC inputs: seeded uniform noise, every photo of
 * tests/fixtures/photos/ (bilinear-resized to 512x512 by tfjs, as human does), and the golden
 * input (golden-input.png, 128x128, replicated 4x4 -> 512x512). All three outputs are compared
 * elementwise; any difference over the tolerance fails the run (exit 1).
 *
 * tfjs (pure JS, CPU backend) is loaded from the temporary prefix given by --tfjs: it is never a
 * project dependency. onnxruntime-node, pngjs and jpeg-js come from the project.
 *
 * Usage: node verify.mjs --human DIR --tfjs DIR --artifact DIR --photos DIR [--golden-source dog.jpg] [--command "..."]
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { areaResize, decodeFile, encodePng } from "./images.mjs";

const { values: args } = parseArgs({
  options: {
    human: { type: "string" },
    tfjs: { type: "string" },
    artifact: { type: "string" },
    photos: { type: "string" },
    command: { type: "string", default: "bash scripts/convert-centernet/run.sh" },
    "golden-source": { type: "string", default: "dog.jpg" },
  },
});
for (const key of ["human", "tfjs", "artifact", "photos"]) {
  if (!args[key]) {
    console.error(`missing --${key}`);
    process.exit(2);
  }
}

const SIZE = 512;
const GOLDEN_SIDE = 128;
const GOLDEN_UPSAMPLE = SIZE / GOLDEN_SIDE;
const OUTPUTS = { keypoints: "tower_0/keypoints", wh: "tower_0/wh", detections: "tower_0/detections" };
// allclose per output: |onnx - tfjs| <= atol + RTOL * |tfjs|, atol = ATOL_SCALE * max|tfjs output|.
// Both runtimes compute in float32 with different summation orders, so differences scale with the
// output's range: keypoints are probabilities (0..1), wh and boxes are input pixels (up to ~600).
const RTOL = 1e-4;
const ATOL_SCALE = 1e-5;

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const requireTf = createRequire(path.join(path.resolve(args.tfjs), "package.json"));
const tf = requireTf("@tensorflow/tfjs");
await tf.setBackend("cpu");
await tf.ready();

// ---- models ---------------------------------------------------------------------------------
const modelJsonPath = path.join(args.human, "models/centernet.json");
const modelJson = JSON.parse(readFileSync(modelJsonPath, "utf8"));
const weightBytes = Buffer.concat(modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(args.human, "models", p)))));
const weightData = weightBytes.buffer.slice(weightBytes.byteOffset, weightBytes.byteOffset + weightBytes.byteLength);
const tfModel = await tf.loadGraphModel({
  load: async () => ({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
    weightData,
    format: modelJson.format,
    generatedBy: modelJson.generatedBy,
    convertedBy: modelJson.convertedBy,
    signature: modelJson.signature,
  }),
});

const onnxPath = path.join(args.artifact, "model.onnx");
const onnxBytes = readFileSync(onnxPath);
const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 2 });

async function runTf(nhwc) {
  const input = tf.tensor4d(nhwc, [1, SIZE, SIZE, 3]);
  const names = Object.values(OUTPUTS);
  const outs = await tfModel.executeAsync(input, names);
  const result = {};
  for (const [key, i] of Object.keys(OUTPUTS).map((k, j) => [k, j])) result[key] = { data: await outs[i].data(), dims: outs[i].shape };
  tf.dispose([input, ...outs]);
  return result;
}

async function runOnnx(nhwc) {
  const outs = await session.run({ images: new ort.Tensor("float32", nhwc, [1, SIZE, SIZE, 3]) });
  return Object.fromEntries(Object.keys(OUTPUTS).map((k) => [k, { data: outs[k].data, dims: [...outs[k].dims] }]));
}

const maxAbsOf = (data) => data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Max |onnx - tfjs| and whether allclose holds (see RTOL/ATOL_SCALE). */
function compare(name, want, got) {
  if (want.dims.join() !== got.dims.join()) throw new Error(`${name}: dims ${got.dims} != ${want.dims}`);
  const atol = ATOL_SCALE * Math.max(1, maxAbsOf(want.data));
  let maxAbs = 0, ok = true;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    if (!(d <= atol + RTOL * Math.abs(want.data[i]))) ok = false;
    if (!(d <= maxAbs)) maxAbs = d;
  }
  return { maxAbs, ok, atol };
}

// ---- inputs ---------------------------------------------------------------------------------
/** RGB float32 [h, w, 3] of an image, 0..255. */
const rgbFloats = (img) => {
  const out = new Float32Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = img.rgba[p * 4 + c];
  return out;
};

/** What human does: bilinear resize (tfjs, align_corners = false) of the 0..255 RGB image to 512x512. */
function humanInput(img) {
  return tf.tidy(() => {
    const t = tf.tensor4d(rgbFloats(img), [1, img.height, img.width, 3]);
    return tf.image.resizeBilinear(t, [SIZE, SIZE]).dataSync().slice();
  });
}

/** Golden input: each pixel of the 128x128 PNG replicated into a 4x4 block (exact anywhere). */
function goldenInput(img) {
  if (img.width !== GOLDEN_SIDE || img.height !== GOLDEN_SIDE) throw new Error(`golden input must be ${GOLDEN_SIDE}x${GOLDEN_SIDE}`);
  const out = new Float32Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const p = (Math.floor(y / GOLDEN_UPSAMPLE) * GOLDEN_SIDE + Math.floor(x / GOLDEN_UPSAMPLE)) * 4;
      for (let c = 0; c < 3; c++) out[(y * SIZE + x) * 3 + c] = img.rgba[p + c];
    }
  return out;
}

function noiseInput(seed) {
  let s = seed >>> 0;
  const out = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 255;
  }
  return out;
}

const photoFiles = readdirSync(args.photos).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
const goldenPng = path.join(args.artifact, "golden-input.png");
// The golden input is a real photo (fixture dog.jpg: dog, bicycle, truck) squeezed to 128x128.
writeFileSync(goldenPng, encodePng(areaResize(decodeFile(path.join(args.photos, args["golden-source"])), GOLDEN_SIDE, GOLDEN_SIDE)));
const cases = [
  ["noise(seed=1)", () => noiseInput(1)],
  ["black", () => new Float32Array(SIZE * SIZE * 3)],
  ...photoFiles.map((f) => [`photo ${f}`, () => humanInput(decodeFile(path.join(args.photos, f)))]),
  ["golden-input.png", () => goldenInput(decodeFile(goldenPng))],
];

// ---- compare --------------------------------------------------------------------------------
const labels = [...readFileSync(path.join(args.human, "src/object/labels.ts"), "utf8").matchAll(/label: '([^']+)'/g)].map((m) => m[1]);
if (labels.length !== 80) throw new Error(`expected 80 labels in human's labels.ts, found ${labels.length}`);

const worst = { keypoints: 0, wh: 0, detections: 0 };
const worstRelative = { keypoints: 0, wh: 0, detections: 0 }; // max|diff| / max|tfjs output|
let failed = false;
let golden;
for (const [name, make] of cases) {
  const input = make();
  const t0 = performance.now();
  const want = await runTf(input);
  const t1 = performance.now();
  const got = await runOnnx(input);
  const t2 = performance.now();
  const line = [];
  for (const key of Object.keys(OUTPUTS)) {
    const { maxAbs, ok, atol } = compare(key, want[key], got[key]);
    worst[key] = Math.max(worst[key], maxAbs);
    worstRelative[key] = Math.max(worstRelative[key], maxAbs / Math.max(1e-12, maxAbsOf(want[key].data)));
    if (!ok) failed = true;
    line.push(`${key} ${maxAbs.toExponential(2)}${ok ? "" : ` FAIL (atol ${atol.toExponential(1)})`}`);
  }
  const det = got.detections.data;
  const top = [];
  for (let r = 0; r < 3; r++) top.push(`${labels[det[r * 6 + 5]]} ${det[r * 6 + 4].toFixed(2)}`);
  console.log(`${name.padEnd(24)} ${line.join(", ")}  | tfjs ${(t1 - t0).toFixed(0)} ms, ort ${(t2 - t1).toFixed(0)} ms | top: ${top.join(", ")}`);
  if (name === "golden-input.png") golden = { input, want };
}
if (failed) {
  console.error(`FAILED: ONNX and tfjs differ beyond rtol ${RTOL}, atol ${ATOL_SCALE} x max|output|`);
  process.exit(1);
}

// ---- golden.json ----------------------------------------------------------------------------
const H = 128, W = 128;
const round = (v) => Number(v.toPrecision(9)); // float32 round-trips through 9 significant digits
const tensorOf = (data, dims) => ({ dims, type: "float32", data: Array.from(data, round) });
const det = golden.want.detections.data;
const peakCells = [];
// Exact cells: a peak's heatmap value equals its detection score; search the class channel.
const kp = golden.want.keypoints.data;
for (let r = 0; r < 100 && peakCells.length < 4; r++) {
  const score = det[r * 6 + 4], cls = det[r * 6 + 5];
  for (let i = cls; i < kp.length; i += 80) {
    if (kp[i] === score) {
      const cell = (i - cls) / 80;
      const key = `${Math.floor(cell / W)},${cell % W}`;
      if (!peakCells.some((c) => c.key === key)) peakCells.push({ key, y: Math.floor(cell / W), x: cell % W });
      break;
    }
  }
}
const slices = [];
for (const { y, x } of [...peakCells, { y: 0, x: 0 }, { y: 64, x: 64 }, { y: H - 1, x: W - 1 }]) {
  const k0 = (y * W + x) * 80, w0 = (y * W + x) * 4;
  slices.push({ output: "keypoints", at: [0, y, x], ...tensorOf(kp.slice(k0, k0 + 80), [80]) });
  slices.push({ output: "wh", at: [0, y, x], ...tensorOf(golden.want.wh.data.slice(w0, w0 + 4), [4]) });
}
const sums = (data) => {
  let sum = 0, abs = 0;
  for (const v of data) {
    sum += v;
    abs += Math.abs(v);
  }
  return { sum: round(sum), absSum: round(abs) };
};
const tolerance = Object.fromEntries(
  Object.keys(OUTPUTS).map((k) => [k, { rtol: RTOL, atol: Number((ATOL_SCALE * Math.max(1, maxAbsOf(golden.want[k].data))).toPrecision(3)) }]),
);
const goldenJson = {
  comment:
    "Outputs of the original TF.js graph model (tfjs, CPU backend) on golden-input.png, each pixel replicated into a 4x4 block -> " +
    "[1, 512, 512, 3] NHWC float32 RGB 0..255. detections: the whole output; keypoints and wh: the 80/4 values at the listed " +
    "cells (top peaks and fixed cells) plus whole-tensor sums. Elementwise check: |onnx - tfjs| <= atol + rtol * |tfjs|.",
  input: {
    name: "images",
    png: "golden-input.png",
    sha256: sha256(readFileSync(goldenPng)),
    upsample: GOLDEN_UPSAMPLE,
    dims: [1, SIZE, SIZE, 3],
  },
  tolerance,
  detections: tensorOf(det, golden.want.detections.dims),
  slices,
  sums: { keypoints: sums(kp), wh: sums(golden.want.wh.data) },
  sumRtol: 1e-5,
};
writeFileSync(path.join(args.artifact, "golden.json"), JSON.stringify(goldenJson) + "\n");

// ---- manifest.json --------------------------------------------------------------------------
const humanPkg = JSON.parse(readFileSync(path.join(args.human, "package.json"), "utf8"));
const tfPkg = JSON.parse(readFileSync(path.join(path.dirname(requireTf.resolve("@tensorflow/tfjs/package.json")), "package.json"), "utf8"));
const onnxSha = sha256(onnxBytes);
const manifest = {
  name: "coco-centernet",
  version: `${humanPkg.version}-${onnxSha.slice(0, 8)}`,
  kind: "coco-detector",
  files: { "model.onnx": { sha256: onnxSha, bytes: onnxBytes.length } },
  inputs: [{ name: "images", dtype: "float32", dims: [1, SIZE, SIZE, 3] }],
  outputs: [
    { name: "keypoints", dtype: "float32", dims: [1, 128, 128, 80] },
    { name: "wh", dtype: "float32", dims: [1, 128, 128, 4] },
    { name: "detections", dtype: "float32", dims: [1, 100, 6] },
  ],
  training: {
    config: {
      source: `${humanPkg.name}@${humanPkg.version}`,
      sourceFiles: {
        "models/centernet.json": sha256(readFileSync(modelJsonPath)),
        "models/centernet.bin": sha256(weightBytes),
      },
      sourceModel: `${modelJson.generatedBy} (TF.js graph model, float16-quantized weights, converted by ${modelJson.convertedBy})`,
      license: humanPkg.license,
      converter: "scripts/convert-centernet/convert.py (TF.js graph JSON -> ONNX opset 13, NHWC kept at the boundary)",
      verifiedAgainst: `${tfPkg.name}@${tfPkg.version} (cpu backend)`,
      verifiedOn: cases.map(([name]) => name),
      rtol: RTOL,
      atolScale: ATOL_SCALE,
    },
    command: args.command,
    torch: "none (converted, not trained)",
  },
  data: { snapshot: `coco (pretrained, ${humanPkg.name}@${humanPkg.version})` },
  metrics: {
    max_abs_diff_keypoints: worst.keypoints,
    max_abs_diff_wh: worst.wh,
    max_abs_diff_detections: worst.detections,
    max_rel_diff_keypoints: worstRelative.keypoints,
    max_rel_diff_wh: worstRelative.wh,
    max_rel_diff_detections: worstRelative.detections,
    parameters: modelJson.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0),
  },
  decode: {
    input: "RGB 0..255 float32, NHWC, the image bilinear-resized to 512x512 (human's preprocessing)",
    detections: "rows [x1, y1, x2, y2, score, class] in input pixels (0..512), top-100 3x3 heatmap peaks, score-sorted",
    classes: labels,
  },
};
writeFileSync(path.join(args.artifact, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(
  `OK: onnx == tfjs on ${cases.length} inputs; max|diff| keypoints ${worst.keypoints.toExponential(2)}, wh ${worst.wh.toExponential(2)}, detections ${worst.detections.toExponential(2)}`,
);
