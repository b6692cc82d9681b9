#!/usr/bin/env node
// Replays a golden fixture through onnxruntime-node and checks allclose against the stored outputs.
// Usage: node models/verify_onnx.mjs MODEL.onnx GOLDEN.json
// Exit 0: every output allclose. 1: a mismatch (max abs diff printed). 2: bad usage or unreadable files.
// The Python trainer calls this right after export: Python has no onnxruntime here, and this is
// the runtime the app itself uses.
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";

const TYPED_ARRAYS = {
  float32: (data) => Float32Array.from(data),
  float64: (data) => Float64Array.from(data),
  int32: (data) => Int32Array.from(data),
  int64: (data) => BigInt64Array.from(data, (value) => BigInt(value)),
  uint8: (data) => Uint8Array.from(data),
  bool: (data) => Uint8Array.from(data, (value) => (value ? 1 : 0)),
};

function fixtureToTensor(name, fixture) {
  const toTypedArray = TYPED_ARRAYS[fixture.type];
  if (!toTypedArray) throw new Error(`input ${name}: unsupported fixture type ${fixture.type}`);
  return new ort.Tensor(fixture.type, toTypedArray(fixture.data), fixture.dims);
}

function compareOutput(name, actual, expected, rtol, atol) {
  if (!actual) return { name, ok: false, reason: "missing from the model's outputs" };
  if (JSON.stringify(Array.from(actual.dims)) !== JSON.stringify(expected.dims)) {
    return { name, ok: false, reason: `dims ${JSON.stringify(actual.dims)} != expected ${JSON.stringify(expected.dims)}` };
  }
  let maxAbsDiff = 0;
  let ok = true;
  expected.data.forEach((want, i) => {
    const got = Number(actual.data[i]);
    const diff = Math.abs(got - want);
    if (!(diff <= atol + rtol * Math.abs(want))) ok = false; // NaN fails too
    maxAbsDiff = Math.max(maxAbsDiff, diff); // NaN propagates, and is reported as such
  });
  return { name, ok, maxAbsDiff };
}

async function main([modelPath, goldenPath]) {
  if (!modelPath || !goldenPath) {
    console.error("usage: node models/verify_onnx.mjs MODEL.onnx GOLDEN.json");
    return 2;
  }
  let session, golden;
  try {
    golden = JSON.parse(await readFile(goldenPath, "utf8"));
    session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 2 });
  } catch (error) {
    console.error(`cannot load: ${error.message}`);
    return 2;
  }
  const rtol = golden.rtol ?? 1e-4;
  const atol = golden.atol ?? 1e-5;
  const feeds = Object.fromEntries(
    Object.entries(golden.inputs).map(([name, fixture]) => [name, fixtureToTensor(name, fixture)]),
  );
  const results = await session.run(feeds);
  const checks = Object.entries(golden.outputs).map(([name, expected]) =>
    compareOutput(name, results[name], expected, rtol, atol),
  );
  for (const check of checks) {
    const detail = check.reason ?? `max abs diff ${check.maxAbsDiff.toExponential(3)}`;
    console.log(`${check.ok ? "ok" : "MISMATCH"} ${check.name}: ${detail} (rtol ${rtol}, atol ${atol})`);
  }
  return checks.every((check) => check.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`verify failed: ${error.message}`);
    process.exit(2);
  },
);
