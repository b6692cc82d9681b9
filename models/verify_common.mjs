// Shared pieces of the ONNX verifiers (verify_llm_onnx.mjs, verify_sd_onnx.mjs): golden fixture
// tensors, allclose comparison, the report and the exit-code protocol (0 ok, 1 mismatch, 2 usage).
import * as ort from "onnxruntime-node";

const TYPED = {
  float32: (data) => Float32Array.from(data),
  int64: (data) => BigInt64Array.from(data, (value) => BigInt(value)),
};

export const toTensor = (fixture) => new ort.Tensor(fixture.type, TYPED[fixture.type](fixture.data), fixture.dims);

/** allclose of `actualData` (dims `actualDims`) against a fixture `{ data, dims }`. */
export function compare(name, actualData, actualDims, expected, rtol, atol) {
  if (!actualData) return { name, ok: false, reason: "missing" };
  if (JSON.stringify(Array.from(actualDims)) !== JSON.stringify(expected.dims)) {
    return { name, ok: false, reason: `dims ${JSON.stringify(actualDims)} != ${JSON.stringify(expected.dims)}` };
  }
  let maxAbsDiff = 0;
  let ok = true;
  for (let i = 0; i < expected.data.length; i++) {
    const diff = Math.abs(Number(actualData[i]) - expected.data[i]);
    if (!(diff <= atol + rtol * Math.abs(expected.data[i]))) ok = false;
    maxAbsDiff = Math.max(maxAbsDiff, diff);
  }
  return { name, ok, maxAbsDiff };
}

/** Runs a golden fixture's inputs and compares every output it lists. */
export async function checkGolden(session, golden, label) {
  const feeds = Object.fromEntries(Object.entries(golden.inputs).map(([name, f]) => [name, toTensor(f)]));
  const results = await session.run(feeds);
  return Object.entries(golden.outputs).map(([name, want]) =>
    compare(`${label} ${name}`, results[name]?.data, results[name]?.dims, want, golden.rtol, golden.atol),
  );
}

/** Prints one line per check; 0 when all are ok, else 1. */
export function report(checks) {
  for (const check of checks) {
    const detail = check.reason ?? `max abs diff ${check.maxAbsDiff.toExponential(3)}`;
    console.log(`${check.ok ? "ok" : "MISMATCH"} ${check.name}: ${detail}`);
  }
  return checks.every((check) => check.ok) ? 0 : 1;
}

/** Runs `main(argv)` and exits with its code (2 when it throws). */
export function runMain(main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`verify failed: ${error.message}`);
      process.exit(2);
    },
  );
}
