import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it, vi } from "vitest";
import { compareToFixture, readGoldenFixture } from "./goldenFixture";
import { loadModel, tensorFromFixture } from "./onnxSession";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const committedArtifact = path.join(repoRoot, "models/artifacts/tiny-demo");
const freshArtifact = process.env.BOIG_FRESH_GOLDEN_DIR; // e.g. models/runs/pytest-last/artifact after pytest

const scratchDirs: string[] = [];
afterAll(() => Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratchCopyOfArtifact(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "boig-ml-"));
  scratchDirs.push(dir);
  await cp(committedArtifact, dir, { recursive: true });
  return dir;
}

async function replayGolden(artifactDir: string) {
  const model = await loadModel(artifactDir);
  const golden = await readGoldenFixture(path.join(artifactDir, "golden.json"));
  const feeds = Object.fromEntries(Object.entries(golden.inputs).map(([name, fixture]) => [name, tensorFromFixture(fixture)]));
  const outputs = await model.run(feeds);
  for (const [name, expected] of Object.entries(golden.outputs)) {
    const comparison = compareToFixture(outputs[name], expected, golden.rtol, golden.atol);
    expect(comparison.ok, `${name}: ${comparison.reason ?? `max abs diff ${comparison.maxAbsDiff}`}`).toBe(true);
  }
}

const pixels = (dims: number[], type: "float32" | "float64" = "float32") => {
  const size = dims.reduce((a, b) => a * b, 1);
  return type === "float32"
    ? new ort.Tensor("float32", new Float32Array(size).fill(0.5), dims)
    : new ort.Tensor("float64", new Float64Array(size).fill(0.5), dims);
};

describe("loadModel on the committed tiny-demo artifact", () => {
  it("reproduces the PyTorch golden outputs", async () => {
    await replayGolden(committedArtifact);
  });

  it.skipIf(!freshArtifact)("reproduces the golden outputs of a freshly trained artifact", async () => {
    await replayGolden(path.resolve(repoRoot, freshArtifact!));
  });

  it("accepts any batch size on the dynamic batch axis", async () => {
    const model = await loadModel(committedArtifact);
    for (const batch of [1, 7]) {
      const { mean_rgb } = await model.run({ pixels: pixels([batch, 3, 16, 16]) });
      expect(mean_rgb!.dims).toEqual([batch, 3]);
    }
  });

  it("shares one load between concurrent callers", async () => {
    const first = loadModel(committedArtifact);
    const second = loadModel(committedArtifact + path.sep);
    expect(second).toBe(first);
    expect((await first).session).toBe((await second).session);
  });
});

describe("loadModel failure paths", () => {
  it("rejects a model whose sha256 differs from the manifest, then retries on the next call", async () => {
    const dir = await scratchCopyOfArtifact();
    const modelFile = path.join(dir, "model.onnx");
    const bytes = await readFile(modelFile);
    const last = bytes.length - 1;
    bytes[last] = bytes[last]! ^ 0xff;
    await writeFile(modelFile, bytes);
    const { files } = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
    const expectedSha256 = files["model.onnx"].sha256 as string;

    const loading = loadModel(dir);
    await expect(loading).rejects.toMatchObject({
      code: "MODEL_INVALID",
      message: expect.stringContaining(expectedSha256),
      details: { expectedSha256, actualSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const retry = loadModel(dir);
    expect(retry).not.toBe(loading); // the failed promise was evicted
    await expect(retry).rejects.toMatchObject({ code: "MODEL_INVALID" });
  });

  it("rejects a file the manifest does not list, and an invalid manifest", async () => {
    await expect(loadModel(committedArtifact, "other.onnx")).rejects.toMatchObject({ code: "MODEL_INVALID" });
    const dir = await scratchCopyOfArtifact();
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ name: "x", files: {} }));
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: "MODEL_INVALID",
      message: expect.stringContaining("not a valid manifest"),
    });
  });

  it("rejects a manifest that misdescribes the model's inputs", async () => {
    const dir = await scratchCopyOfArtifact();
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    manifest.inputs[0].dims = ["batch", 3, 32, 32];
    await writeFile(manifestFile, JSON.stringify(manifest));
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: "MODEL_INVALID",
      message: expect.stringContaining("does not match its manifest"),
    });
  });
});

describe("run() feed checks", () => {
  const rejectedRun = async (feeds: Record<string, ort.Tensor>) => {
    const model = await loadModel(committedArtifact);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const error = await model.run(feeds).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toMatchObject({ code: "MODEL_INVALID" });
      expect(logged).toHaveBeenCalledWith(expect.stringContaining("expected: pixels float32 [batch,3,16,16]"));
      return (error as { details: { problems: string[] } }).details.problems;
    } finally {
      logged.mockRestore();
    }
  };

  it("names missing and unexpected inputs", async () => {
    expect(await rejectedRun({ image: pixels([4, 3, 16, 16]) })).toEqual([
      'missing input "pixels"',
      'unexpected input "image"',
    ]);
  });

  it("rejects wrong dims", async () => {
    expect(await rejectedRun({ pixels: pixels([4, 3, 8, 8]) })).toEqual([
      'input "pixels" has dims [4,3,8,8], expected [batch,3,16,16]',
    ]);
  });

  it("rejects a wrong dtype", async () => {
    expect(await rejectedRun({ pixels: pixels([4, 3, 16, 16], "float64") })).toEqual([
      'input "pixels" has dtype float64, expected float32',
    ]);
  });
});
