#!/usr/bin/env node
/**
 * nsfwjs@4.4.0 ships its models as browserify bundles, not as files: dist/models/<model>/model.min.js
 * wraps the TF.js model.json as a JS object literal, and group1-shardXofN.min.js wraps each weight
 * shard as a base64 string. This writes them back out as a plain TF.js artifact (model.json + binary
 * shards named as its weightsManifest says) for convert.py and verify.mjs.
 *
 * The bundles are evaluated in an empty vm context (no require, no process, no globals beyond the
 * language's own): they only build a literal and hand it to `module.exports`.
 *
 * Usage: node extract.mjs NSFWJS_PACKAGE_DIR MODEL_DIR_NAME OUT_DIR     (MODEL_DIR_NAME: mobilenet_v2)
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";

const [pkgDir, modelName, outDir] = process.argv.slice(2);
if (!pkgDir || !modelName || !outDir) {
  console.error("usage: node extract.mjs NSFWJS_PACKAGE_DIR MODEL_DIR_NAME OUT_DIR");
  process.exit(2);
}
const bundleDir = path.join(pkgDir, "dist/models", modelName);

/** module.exports of a UMD bundle, evaluated in a bare context. */
function evaluateBundle(file) {
  const sandbox = { module: { exports: {} } };
  sandbox.exports = sandbox.module.exports;
  vm.runInNewContext(readFileSync(file, "utf8"), sandbox, { filename: file, timeout: 30_000 });
  return sandbox.module.exports;
}

// JSON round trip: a plain object with no prototypes from the sandbox.
const model = JSON.parse(JSON.stringify(evaluateBundle(path.join(bundleDir, "model.min.js"))));
if (!model.modelTopology || !Array.isArray(model.weightsManifest)) {
  console.error(`${bundleDir}/model.min.js is not a TF.js model (no modelTopology / weightsManifest)`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "model.json"), JSON.stringify(model));

const BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
const shards = [];
for (const group of model.weightsManifest) {
  let expected = 0;
  for (const w of group.weights) expected += w.shape.reduce((a, b) => a * b, 1) * BYTES[w.quantization?.dtype ?? w.dtype];
  let total = 0;
  for (const shard of group.paths) {
    const base64 = evaluateBundle(path.join(bundleDir, `${shard}.min.js`));
    if (typeof base64 !== "string") throw new Error(`${shard}.min.js does not export a base64 string`);
    const bytes = Buffer.from(base64, "base64");
    writeFileSync(path.join(outDir, shard), bytes);
    shards.push({ shard, bytes: bytes.length });
    total += bytes.length;
  }
  if (total !== expected) throw new Error(`weight group ${group.paths}: ${total} bytes, the manifest needs ${expected}`);
}
const layers = model.modelTopology.model_config?.config?.layers ?? [];
console.log(JSON.stringify({ out: outDir, format: model.format ?? "layers-model (keras)", layers: layers.length, shards }));
