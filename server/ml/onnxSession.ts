/**
 * Loads a model artifact (folder with manifest.json + ONNX files) into an onnxruntime-node session.
 * Invariants: a session only ever runs the exact bytes whose sha256 the manifest lists, and only
 * on feeds that fit the manifest's signature. Both failures are MODEL_INVALID.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { modelInvalid } from "../errors";
import { readManifest, type Manifest, type TensorSpec } from "./manifest";
import { describeSpec, describeTensor, feedProblems, manifestVsModelProblems } from "./signature";

export { tensorFromFixture } from "./goldenFixture";

const INTRA_OP_THREADS = 2; // dev and CI machines have 2 cores
/**
 * No spin-waiting in the intra-op pool: our models are small (a BoigLLM decode step is ~0.5 ms),
 * so a spinning worker thread mostly burns the other core — measured on this 2-core box, a decode
 * step took 1.48 ms with spinning and 0.61 ms without (docs/performance.md), and the web
 * process, the job worker and a trainer share those two cores.
 */
const SESSION_OPTIONS = {
  intraOpNumThreads: INTRA_OP_THREADS,
  extra: { session: { intra_op: { allow_spinning: "0" } } },
} as ort.InferenceSession.SessionOptions;

export type LoadedModel = {
  manifest: Manifest;
  session: ort.InferenceSession;
  /** Checks feed names, dtypes and dims against the manifest, then runs the session. */
  run(feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType>;
};

/** One promise per absolute model path, so concurrent callers share a single session. */
const modelsByPath = new Map<string, Promise<LoadedModel>>();

export function loadModel(artifactDir: string, file = "model.onnx"): Promise<LoadedModel> {
  const modelPath = path.resolve(artifactDir, file);
  const cached = modelsByPath.get(modelPath);
  if (cached) return cached;
  const loading = openModel(path.resolve(artifactDir), file);
  modelsByPath.set(modelPath, loading);
  // A failed load must not stick: the next caller retries (e.g. after the artifact is fixed).
  loading.catch(() => {
    if (modelsByPath.get(modelPath) === loading) modelsByPath.delete(modelPath);
  });
  return loading;
}

/** Drops a cached session, e.g. after retraining replaced the artifact in place. */
export function forgetModel(artifactDir: string, file = "model.onnx"): void {
  modelsByPath.delete(path.resolve(artifactDir, file));
}

const sha256Hex = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function openModel(artifactDir: string, file: string): Promise<LoadedModel> {
  const manifest = await readManifest(artifactDir);
  const entry = manifest.files[file];
  if (!entry) {
    throw modelInvalid(`${file} is not listed in ${artifactDir}/manifest.json`, {
      artifactDir,
      file,
      listed: Object.keys(manifest.files),
    });
  }
  const modelPath = path.join(artifactDir, file);
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    throw modelInvalid(`cannot read ${modelPath}: ${(error as Error).message}`, { file: modelPath });
  }
  const actualSha256 = sha256Hex(bytes);
  if (actualSha256 !== entry.sha256) {
    throw modelInvalid(`${modelPath} has sha256 ${actualSha256}, but the manifest expects ${entry.sha256}`, {
      file: modelPath,
      expectedSha256: entry.sha256,
      actualSha256,
    });
  }

  // The session is built from the bytes just hashed, so a file swapped after the check is never run.
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (error) {
    throw modelInvalid(`onnxruntime cannot load ${modelPath}: ${(error as Error).message}`, { file: modelPath });
  }
  const inputs = entry.inputs ?? manifest.inputs;
  const outputs = entry.outputs ?? manifest.outputs;
  const mismatches = [
    ...manifestVsModelProblems("input", inputs, session.inputMetadata),
    ...manifestVsModelProblems("output", outputs, session.outputMetadata),
  ];
  if (mismatches.length > 0) {
    await session.release();
    throw modelInvalid(`${modelPath} does not match its manifest: ${mismatches.join("; ")}`, {
      file: modelPath,
      problems: mismatches,
    });
  }

  return {
    manifest,
    session,
    run: async (feeds) => {
      checkFeeds(modelPath, session.inputNames, inputs, feeds);
      return session.run(feeds);
    },
  };
}

function checkFeeds(
  modelPath: string,
  inputNames: readonly string[],
  specs: readonly TensorSpec[],
  feeds: Record<string, ort.Tensor>,
): void {
  const problems = feedProblems(inputNames, specs, feeds);
  if (problems.length === 0) return;
  const expected = specs.map(describeSpec);
  const given = Object.entries(feeds).map(([name, tensor]) => describeTensor(name, tensor));
  console.error(
    `[ml] feeds rejected by ${modelPath}\n  expected: ${expected.join("; ")}\n  given:    ${given.join("; ")}\n  problems: ${problems.join("; ")}`,
  );
  throw modelInvalid(`inputs do not fit ${path.basename(modelPath)}: ${problems.join("; ")}`, {
    file: modelPath,
    problems,
    expected,
    given,
  });
}
