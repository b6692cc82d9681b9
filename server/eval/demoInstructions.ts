/**
 * The default data of `boig eval llm`: the instruction folder of the demo world (seed 7, the world
 * the committed BoigLLM models are trained on; docs/boigllm.md §1), built once and cached under
 * the data directory — the same as `npx boig instructions --world <dataDir>/cache/world-7 --out …`
 * with the scene detector.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { instructionsFromWorld } from "../llm/instructionsFromWorld";
import { loadDetector } from "../services/loadDetector";

export const DEMO_WORLD_SEED = 7;

export function demoInstructionPaths(withObjects = true) {
  const cache = path.join(env().dataDir, "cache");
  return {
    world: path.join(cache, `world-${DEMO_WORLD_SEED}`),
    // Without the scene detector the ground truth has no objects: a separate folder, so such a
    // build is never mistaken for the real one later.
    instructions: path.join(cache, `llm-instructions-w${DEMO_WORLD_SEED}${withObjects ? "" : "-noobjects"}`),
  };
}

/** The cached folder, built first when missing (minutes: world generation, import, verbalization). */
export async function ensureDemoInstructions(onInfo: (message: string) => void = () => {}): Promise<string> {
  const cached = demoInstructionPaths(true);
  if (fs.existsSync(path.join(cached.instructions, "test.jsonl"))) return cached.instructions;
  const { detector, note } = await loadDetector("scene");
  if (note) onInfo(note);
  const paths = demoInstructionPaths(detector !== null);
  if (fs.existsSync(path.join(paths.instructions, "test.jsonl"))) return paths.instructions;
  onInfo(`Building the demo world's instructions (seed ${DEMO_WORLD_SEED}) into ${paths.instructions}: a few minutes, once`);
  const result = await instructionsFromWorld({ world: paths.world, out: paths.instructions, seed: DEMO_WORLD_SEED, detector });
  return result.outDir;
}
