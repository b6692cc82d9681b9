#!/usr/bin/env node
/**
 * Checks the converted ONNX feature extractor against nsfwjs itself, then writes the artifact's
 * golden.json and manifest.json (run.sh calls this after extract.mjs and convert.py).
 *
 * The reference is nsfwjs@4.4.0's own code path, independent of extract.mjs and convert.py:
 * `nsfwjs.load("MobileNetV2")` (its bundled model, decoded by nsfwjs, run by tfjs's layers API on
 * the CPU backend) and `model.infer(image, "flatten_1")` (nsfwjs's preprocessing: /255, bilinear
 * resize with align_corners to 224x224, then the layers up to flatten_1). Both runtimes get the
 * same inputs: seeded noise, black, white, every photo of tests/fixtures/photos/ and the two
 * golden PNGs. onnxruntime-node runs them all as ONE batch (so batching is checked too). Any
 * element over the tolerance fails the run (exit 1).
 *
 * tfjs and nsfwjs come from the temporary prefix given by --js: never project dependencies.
 * onnxruntime-node, pngjs and jpeg-js come from the project.
 *
 * Usage: node verify.mjs --js DIR --extracted DIR --artifact DIR --photos DIR [--command "..."]
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { areaResize, decodeFile, encodePng } from "../convert-centernet/images.mjs";

const { values: args } = parseArgs({
  options: {
    js: { type: "string" },
    extracted: { type: "string" },
    artifact: { type: "string" },
    photos: { type: "string" },
    command: { type: "string", default: "bash scripts/convert-mobilenet/run.sh" },
  },
});
for (const key of ["js", "extracted", "artifact", "photos"]) {
  if (!args[key]) {
    console.error(`missing --${key}`);
    process.exit(2);
  }
}

const SIZE = 224;
const FEATURE_LAYER = "flatten_1";
const GOLDEN = [
  ["golden-a.png", "dog.jpg"],
  ["golden-b.png", "chelsea.jpg"],
];
// allclose: |onnx - nsfwjs| <= atol + RTOL * |nsfwjs|, atol = ATOL_SCALE * max|nsfwjs output| of
// that image. Both compute in float32 with different summation orders (and the ONNX graph has the
// batch norms folded into the convolutions), so differences scale with the output's range.
const RTOL = 1e-4;
const ATOL_SCALE = 1e-5;

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const requireJs = createRequire(path.join(path.resolve(args.js), "package.json"));
const tf = requireJs("@tensorflow/tfjs");
const nsfwjs = requireJs("nsfwjs");
await tf.setBackend("cpu");
await tf.ready();
// nsfwjs's "exports" map hides package.json: locate the package folder from the prefix.
const nsfwDir = path.join(path.resolve(args.js), "node_modules/nsfwjs");
const nsfwPkg = JSON.parse(readFileSync(path.join(nsfwDir, "package.json"), "utf8"));
const tfPkg = JSON.parse(readFileSync(path.join(path.dirname(requireJs.resolve("@tensorflow/tfjs/package.json")), "package.json"), "utf8"));

// ---- models ---------------------------------------------------------------------------------
const nsfw = await nsfwjs.load("MobileNetV2");
const onnxPath = path.join(args.artifact, "model.onnx");
const onnxBytes = readFileSync(onnxPath);
const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 2 });

/** nsfwjs's features of an RGB 0..255 image [h, w, 3] (it resizes to 224 itself when needed). */
async function nsfwFeatures(rgb, height, width) {
  const input = tf.tensor3d(rgb, [height, width, 3]);
  const out = nsfw.infer(input, FEATURE_LAYER);
  const data = await out.data();
  tf.dispose([input, out]);
  return data;
}

/** nsfwjs's top class of the same image (a sanity line in the log, not a check). */
async function nsfwTop(rgb, height, width) {
  const input = tf.tensor3d(rgb, [height, width, 3]);
  const [top] = await nsfw.classify(input, 1);
  input.dispose();
  return `${top.className} ${top.probability.toFixed(2)}`;
}

/** What nsfwjs feeds its model, scaled back to 0..255 (the ONNX graph divides by 255 itself). */
function modelInput(rgb, height, width) {
  if (height === SIZE && width === SIZE) return rgb;
  return tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor3d(rgb, [height, width, 3]).div(255), [SIZE, SIZE], true).mul(255).dataSync().slice(),
  );
}

const maxAbsOf = (data) => data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function compare(want, got) {
  const atol = ATOL_SCALE * Math.max(1, maxAbsOf(want));
  let maxAbs = 0, ok = true;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= atol + RTOL * Math.abs(want[i]))) ok = false;
    if (!(d <= maxAbs)) maxAbs = d;
  }
  return { maxAbs, ok, atol };
}

// ---- inputs ---------------------------------------------------------------------------------
const rgbOf = (img) => {
  const out = new Float32Array(img.width * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = img.rgba[p * 4 + c];
  return { rgb: out, height: img.height, width: img.width };
};

function noise(seed) {
  let s = seed >>> 0;
  const out = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 255;
  }
  return { rgb: out, height: SIZE, width: SIZE };
}

const photoFiles = readdirSync(args.photos).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
// Golden inputs: real photos squeezed (area average) to exactly 224x224, so no resize is involved.
for (const [png, source] of GOLDEN) {
  writeFileSync(path.join(args.artifact, png), encodePng(areaResize(decodeFile(path.join(args.photos, source)), SIZE, SIZE)));
}
const cases = [
  ["noise(seed=1)", noise(1)],
  ["black", { rgb: new Float32Array(SIZE * SIZE * 3), height: SIZE, width: SIZE }],
  ["white", { rgb: new Float32Array(SIZE * SIZE * 3).fill(255), height: SIZE, width: SIZE }],
  ...photoFiles.map((f) => [`photo ${f}`, rgbOf(decodeFile(path.join(args.photos, f)))]),
  ...GOLDEN.map(([png]) => [png, rgbOf(decodeFile(path.join(args.artifact, png)))]),
];

// ---- compare --------------------------------------------------------------------------------
const batch = new Float32Array(cases.length * SIZE * SIZE * 3);
cases.forEach(([, img], i) => batch.set(modelInput(img.rgb, img.height, img.width), i * SIZE * SIZE * 3));
const t0 = performance.now();
const onnxOut = await session.run({ images: new ort.Tensor("float32", batch, [cases.length, SIZE, SIZE, 3]) });
const onnxMs = performance.now() - t0;
const [rows, dim] = onnxOut.features.dims;
if (rows !== cases.length) throw new Error(`ONNX returned ${rows} rows for ${cases.length} images`);

let worst = 0, worstRelative = 0, failed = false;
const reference = {};
for (const [i, [name, img]] of cases.entries()) {
  const want = await nsfwFeatures(img.rgb, img.height, img.width);
  if (want.length !== dim) throw new Error(`${name}: nsfwjs gives ${want.length} features, ONNX ${dim}`);
  const got = onnxOut.features.data.subarray(i * dim, (i + 1) * dim);
  const { maxAbs, ok, atol } = compare(want, got);
  worst = Math.max(worst, maxAbs);
  worstRelative = Math.max(worstRelative, maxAbs / Math.max(1e-12, maxAbsOf(want)));
  if (!ok) failed = true;
  const top = name.startsWith("photo") || name.startsWith("golden") ? ` | nsfwjs: ${await nsfwTop(img.rgb, img.height, img.width)}` : "";
  console.log(`${name.padEnd(20)} max|diff| ${maxAbs.toExponential(2)}${ok ? "" : ` FAIL (atol ${atol.toExponential(1)})`}, max|feature| ${maxAbsOf(want).toFixed(3)}${top}`);
  reference[name] = want;
}
console.log(`onnxruntime: ${cases.length} images in one batch, ${onnxMs.toFixed(0)} ms`);
if (failed) {
  console.error(`FAILED: ONNX and nsfwjs differ beyond rtol ${RTOL}, atol ${ATOL_SCALE} x max|output|`);
  process.exit(1);
}

// ---- golden.json ----------------------------------------------------------------------------
const round = (v) => Number(v.toPrecision(9)); // float32 round-trips through 9 significant digits
const goldenWant = GOLDEN.map(([png]) => reference[png]);
const goldenMax = Math.max(...goldenWant.map(maxAbsOf));
const goldenJson = {
  comment:
    `Features (${FEATURE_LAYER}) of nsfwjs@${nsfwPkg.version}'s MobileNetV2, computed by nsfwjs itself (tfjs ${tfPkg.version}, cpu ` +
    `backend), for the listed 224x224 PNGs stacked into one [2, 224, 224, 3] NHWC float32 batch of RGB 0..255 ` +
    `(PNG pixel values as they are). Elementwise check: |onnx - nsfwjs| <= atol + rtol * |nsfwjs|.`,
  input: {
    name: "images",
    pngs: GOLDEN.map(([png]) => png),
    sha256: Object.fromEntries(GOLDEN.map(([png]) => [png, sha256(readFileSync(path.join(args.artifact, png)))])),
    sources: Object.fromEntries(GOLDEN.map(([png, source]) => [png, `tests/fixtures/photos/${source}, area-resized to 224x224`])),
    dims: [GOLDEN.length, SIZE, SIZE, 3],
  },
  rtol: RTOL,
  atol: Number((ATOL_SCALE * Math.max(1, goldenMax)).toPrecision(3)),
  outputs: {
    features: {
      dims: [GOLDEN.length, dim],
      type: "float32",
      data: goldenWant.flatMap((row) => Array.from(row, round)),
    },
  },
};
writeFileSync(path.join(args.artifact, "golden.json"), JSON.stringify(goldenJson) + "\n");

// ---- manifest.json --------------------------------------------------------------------------
const extracted = JSON.parse(readFileSync(path.join(args.extracted, "model.json"), "utf8"));
const shardPaths = extracted.weightsManifest.flatMap((g) => g.paths);
const layers = extracted.modelTopology.model_config.config.layers;
const fineTuned = layers.filter((l) => l.config.trainable && /^(block_|Conv_1)/.test(l.name)).map((l) => l.name);
const onnxSha = sha256(onnxBytes);
const bundle = (file) => `dist/models/mobilenet_v2/${file}`;
const manifest = {
  name: "mobilenet-v2-features",
  version: `${nsfwPkg.version}-${onnxSha.slice(0, 8)}`,
  kind: "image-features",
  files: { "model.onnx": { sha256: onnxSha, bytes: onnxBytes.length } },
  inputs: [{ name: "images", dtype: "float32", dims: ["batch", SIZE, SIZE, 3] }],
  outputs: [{ name: "features", dtype: "float32", dims: ["batch", dim] }],
  training: {
    config: {
      source: `${nsfwPkg.name}@${nsfwPkg.version}`,
      sourceFiles: {
        [bundle("model.min.js")]: sha256(readFileSync(path.join(nsfwDir, bundle("model.min.js")))),
        ...Object.fromEntries(shardPaths.map((p) => [bundle(`${p}.min.js`), sha256(readFileSync(path.join(nsfwDir, bundle(`${p}.min.js`))))])),
      },
      extractedFiles: {
        "model.json": sha256(readFileSync(path.join(args.extracted, "model.json"))),
        ...Object.fromEntries(shardPaths.map((p) => [p, sha256(readFileSync(path.join(args.extracted, p)))])),
      },
      sourceModel:
        `nsfwjs's "MobileNetV2" (Keras ${extracted.modelTopology.keras_version} MobileNetV2 1.0/224 with ImageNet weights and a ` +
        `5-class NSFW head, TF.js layers model, uint8-quantized weights, dequantized here)`,
      fineTunedLayers: `${fineTuned.length} layers from ${fineTuned[0]} to ${fineTuned[fineTuned.length - 1]} are marked trainable in the source config: ` +
        "the top blocks (11-16) and Conv_1 were likely fine-tuned for the NSFW classes; blocks 0-10 are frozen ImageNet weights",
      outputLayer: FEATURE_LAYER,
      license: `${nsfwPkg.license} (the nsfwjs package's LICENSE); its base network is Keras Applications' MobileNetV2 with ImageNet weights`,
      converter:
        "scripts/convert-mobilenet/extract.mjs (browserify bundles -> TF.js model.json + shard) and convert.py (Keras layers -> ONNX " +
        "opset 13; batch norms folded into the convolutions; reads weights with scripts/convert-centernet/tfjs_artifact.py)",
      verifiedAgainst: `${nsfwPkg.name}@${nsfwPkg.version} load("MobileNetV2") + infer(image, "${FEATURE_LAYER}") on ${tfPkg.name}@${tfPkg.version} (cpu backend)`,
      verifiedOn: cases.map(([name]) => name),
      rtol: RTOL,
      atolScale: ATOL_SCALE,
    },
    command: args.command,
    torch: "none (converted, not trained)",
  },
  data: { snapshot: `imagenet (pretrained MobileNetV2 as shipped in ${nsfwPkg.name}@${nsfwPkg.version})` },
  metrics: {
    max_abs_diff_features: worst,
    max_rel_diff_features: worstRelative,
    feature_dim: dim,
    parameters: extracted.weightsManifest
      .flatMap((g) => g.weights)
      .filter((w) => !/^dense_/.test(w.name))
      .reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0),
  },
  decode: {
    input:
      `images: RGB float32 NHWC [batch, ${SIZE}, ${SIZE}, 3], values 0..255 (the graph divides by 255 itself, as nsfwjs does before ` +
      `its model). nsfwjs stretches any image to ${SIZE}x${SIZE} (bilinear, align_corners); server/ml/imageFeatures.ts stretches ` +
      "with an antialiased (area-aware triangle) filter instead.",
    features: `features: [batch, ${dim}] = ${FEATURE_LAYER}, the 7x7 average pool of MobileNetV2's last ReLU6 feature map (out_relu), before nsfwjs's dense head`,
    use: "FID-like distance (server/eval/fidLike.ts). NOT comparable to Inception FID: different network, layer, input size and training data.",
  },
};
writeFileSync(path.join(args.artifact, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`OK: onnx == nsfwjs on ${cases.length} inputs; max|diff| ${worst.toExponential(2)} (relative ${worstRelative.toExponential(2)})`);
