/**
 * Proves a registered version can be served, before it is promoted: (1) manifest.json is still
 * the one registered and every file's sha256 matches it; (2) the folder loads through the very
 * loader the app serves it with (BoigLLM must be the behavior variant); (3) where the folder has a
 * golden fixture (inputs and PyTorch's outputs, written at export), one is replayed through
 * onnxruntime-node and must agree. Any failure is MODEL_INVALID naming the version and the reason.
 */
import fs from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelRole } from "../db/schema";
import { AppError, modelInvalid } from "../errors";
import { loadBoigLlm } from "../ml/boigLlm";
import { loadBoigSd } from "../ml/boigSd";
import { loadBoigClip } from "../ml/clipScore";
import { compareToFixture, goldenFixtureSchema, tensorFromFixture } from "../ml/goldenFixture";
import type { Manifest } from "../ml/manifest";
import { loadModel } from "../ml/onnxSession";
import { loadSceneDetector } from "../ml/sceneDetector";
import { checkArtifactFiles } from "./checkArtifactFiles";

export type VerifiableVersion = { role: ModelRole; name: string; version: string; dir: string; manifestSha256: string };
export type Verification = { files: number; golden: { file: string; graph: string; maxAbsDiff: number } | null };

/** Loads the folder as the app will serve it for the role (each loader re-checks its files' sha256). */
async function loadAsServed(role: ModelRole, dir: string): Promise<void> {
  switch (role) {
    case "boigllm":
    case "reward": {
      const llm = await loadBoigLlm(dir);
      if (llm.variant !== "behavior") throw modelInvalid(`it is the ${llm.variant} variant of BoigLLM; the ${role} role serves the behavior model`);
      return;
    }
    case "boigsd":
      await loadBoigSd(dir);
      return;
    case "verbalizer":
    case "evaluator":
      await loadSceneDetector(dir);
      return;
    case "clip":
      await loadBoigClip(dir);
      return;
  }
}

/**
 * Replays one golden fixture: golden_<graph>.json (or golden.json for model.onnx) of the largest
 * graph — the network training changes most (e.g. the UNet of a DDPO run), and one replay is
 * enough to prove onnxruntime computes what PyTorch did. Fixtures of another format (e.g. a whole
 * DDIM run in golden_ddim.json, named after no graph) are not replayed.
 */
async function replayGolden(dir: string, manifest: Manifest): Promise<Verification["golden"]> {
  const graphs = Object.entries(manifest.files)
    .filter(([file]) => file.endsWith(".onnx"))
    .sort(([, a], [, b]) => b.bytes - a.bytes);
  for (const [graph] of graphs) {
    const stem = graph.slice(0, -".onnx".length);
    for (const file of [`golden_${stem}.json`, ...(graph === "model.onnx" ? ["golden.json"] : [])]) {
      const fixturePath = path.join(dir, file);
      if (!fs.existsSync(fixturePath)) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(fixturePath, "utf8"));
      } catch (error) {
        throw modelInvalid(`${file} is not readable JSON: ${(error as Error).message}`);
      }
      const fixture = goldenFixtureSchema.safeParse(raw);
      if (!fixture.success) continue;
      const model = await loadModel(dir, graph);
      const names = [...model.session.inputNames].sort().join(",");
      if (Object.keys(fixture.data.inputs).sort().join(",") !== names) continue; // a fixture of something else
      const feeds = Object.fromEntries(Object.entries(fixture.data.inputs).map(([name, tensor]) => [name, tensorFromFixture(tensor)]));
      const outputs = await model.run(feeds);
      let maxAbsDiff = 0;
      for (const [name, expected] of Object.entries(fixture.data.outputs)) {
        const comparison = compareToFixture(outputs[name], expected, fixture.data.rtol, fixture.data.atol);
        if (!comparison.ok)
          throw modelInvalid(
            `${graph} does not reproduce ${file}: output ${name} ${comparison.reason ?? `differs from PyTorch's by up to ${comparison.maxAbsDiff}`}`,
          );
        maxAbsDiff = Math.max(maxAbsDiff, comparison.maxAbsDiff);
      }
      return { file, graph, maxAbsDiff };
    }
  }
  return null;
}

export async function verifyModelVersion(version: VerifiableVersion): Promise<Verification> {
  const label = `${version.role} ${version.name} ${version.version}`;
  try {
    const checked = await checkArtifactFiles(version.dir);
    if (checked.manifestSha256 !== version.manifestSha256)
      throw modelInvalid(`${version.dir}/manifest.json changed since it was registered (sha256 ${checked.manifestSha256.slice(0, 12)}…, registered ${version.manifestSha256.slice(0, 12)}…)`);
    await loadAsServed(version.role, version.dir);
    const golden = await replayGolden(version.dir, checked.manifest);
    return { files: checked.files.length, golden };
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    const details = { role: version.role, dir: version.dir, ...(error instanceof AppError ? error.details : {}) };
    throw modelInvalid(`${label} failed verification: ${reason}`, { ...details, reason });
  }
}
