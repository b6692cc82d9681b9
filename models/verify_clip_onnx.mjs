#!/usr/bin/env node
// Verifies a BoigCLIP artifact (models/boig_trainer/clip_export.py) in onnxruntime-node, the runtime the app uses.
// Usage: node models/verify_clip_onnx.mjs ARTIFACT_DIR
//  1. golden_image_encoder.json, golden_text_encoder.json: each graph reproduces PyTorch's outputs
//     on the fixture's inputs (allclose with the fixture's rtol / atol);
//  2. golden_pairs.json: the pairs' PNGs decoded here (pixel / 127.5 - 1, NCHW) and their prompt ids
//     through both graphs give PyTorch's cosine matrix (image i vs prompt j).
// Exit 0: all ok. 1: a mismatch. 2: bad usage or unreadable files.
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { PNG } from "pngjs";
import { checkGolden, compare, report, runMain } from "./verify_common.mjs";

const GRAPHS = ["image_encoder", "text_encoder"];

/** PNG (base64) -> float32 CHW in [-1, 1], computed in float32 steps as sd_data.to_signed does. */
function pngToSigned(base64, out, offset) {
  const png = PNG.sync.read(Buffer.from(base64, "base64"));
  const plane = png.width * png.height;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[offset + c * plane + p] = Math.fround(Math.fround(png.data[p * 4 + c] / 127.5) - 1);
  }
  return plane;
}

async function checkPairs(sessions, golden) {
  const { pairs, cosine, rtol, atol } = golden;
  const size = PNG.sync.read(Buffer.from(pairs[0].png_base64, "base64")).width; // square renders
  const pixels = new Float32Array(pairs.length * 3 * size * size);
  pairs.forEach((pair, i) => pngToSigned(pair.png_base64, pixels, i * 3 * size * size));
  const ids = BigInt64Array.from(pairs.flatMap((pair) => pair.input_ids), (v) => BigInt(v));
  const { image_embeds: images } = await sessions.image_encoder.run({ sample: new ort.Tensor("float32", pixels, [pairs.length, 3, size, size]) });
  const { text_embeds: texts } = await sessions.text_encoder.run({ input_ids: new ort.Tensor("int64", ids, [pairs.length, pairs[0].input_ids.length]) });
  const dim = images.dims[1];
  const matrix = [];
  for (let i = 0; i < pairs.length; i++) {
    for (let j = 0; j < pairs.length; j++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += images.data[i * dim + d] * texts.data[j * dim + d];
      matrix.push(dot);
    }
  }
  return [compare("pairs cosine", matrix, [pairs.length, pairs.length], cosine, rtol, atol)];
}

async function main([artifactDir]) {
  if (!artifactDir) {
    console.error("usage: node models/verify_clip_onnx.mjs ARTIFACT_DIR");
    return 2;
  }
  const sessions = {};
  const goldens = {};
  let pairs;
  try {
    for (const graph of GRAPHS) {
      sessions[graph] = await ort.InferenceSession.create(path.join(artifactDir, `${graph}.onnx`), { intraOpNumThreads: 2 });
      goldens[graph] = JSON.parse(await readFile(path.join(artifactDir, `golden_${graph}.json`), "utf8"));
    }
    pairs = JSON.parse(await readFile(path.join(artifactDir, "golden_pairs.json"), "utf8"));
  } catch (error) {
    console.error(`cannot load: ${error.message}`);
    return 2;
  }
  const checks = [];
  for (const graph of GRAPHS) checks.push(...(await checkGolden(sessions[graph], goldens[graph], graph)));
  checks.push(...(await checkPairs(sessions, pairs)));
  return report(checks);
}

runMain(main);
