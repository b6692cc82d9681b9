/**
 * The demo world's instruction folder for jobs (the default data of `eval.run`), built in a CHILD
 * process when it is not cached yet.
 *
 * Why not ensureDemoInstructions() in this process: its build (instructionsFromWorld) points
 * process.env.BOIG_DATA_DIR at a throwaway folder for minutes while it imports the world, and in
 * the web process (embedded worker) every other request and job would read that folder too —
 * generated images and the session secret would land in a directory that is deleted afterwards.
 * A child process keeps the swap to itself. The child gets the same inputs as
 * ensureDemoInstructions (seed 7, this process's scene detector — the registry's active verbalizer
 * or the committed one — and the same cache folders), so the CLI and the jobs share one cache.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { AppError } from "../errors";
import { DEMO_WORLD_SEED, demoInstructionPaths } from "../eval/demoInstructions";
import { defaultSceneDetectorDir } from "../ml/sceneDetector";
import { getActiveModelDir } from "../services/activeModels";

const cached = (instructions: string) => fs.existsSync(path.join(instructions, "test.jsonl"));

export async function ensureDemoInstructionsInChild(opts: { signal?: AbortSignal; onInfo?: (message: string) => void }): Promise<{ data: string; world: string }> {
  const withObjects = demoInstructionPaths(true);
  if (cached(withObjects.instructions)) return { data: withObjects.instructions, world: withObjects.world };
  const detectorDir = getActiveModelDir("verbalizer") ?? defaultSceneDetectorDir();
  const hasDetector = fs.existsSync(path.join(detectorDir, "manifest.json"));
  const paths = demoInstructionPaths(hasDetector);
  if (cached(paths.instructions)) return { data: paths.instructions, world: paths.world };
  if (!hasDetector) opts.onInfo?.(`No scene detector at ${detectorDir}: the demo instructions have no objects`);
  opts.onInfo?.(`Building the demo world's instructions (seed ${DEMO_WORLD_SEED}) into ${paths.instructions}: several minutes, the first time only`);

  const { repoRoot } = env();
  const args = ["--import", "tsx", path.join(repoRoot, "server/llm/instructionsFromWorld.ts"), "--world", paths.world, "--out", paths.instructions, "--seed", String(DEMO_WORLD_SEED)];
  if (hasDetector) args.push("--detector", detectorDir);
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: process.env, stdio: ["ignore", "ignore", "pipe"] });
  const stderrTail: string[] = [];
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderrTail.push(...chunk.split("\n").filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 10));
  });
  const onAbort = () => child.kill("SIGTERM");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", (err) => reject(new AppError("UNAVAILABLE", `Cannot start the instruction build: ${err.message}`)));
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("cancelled");
    // The folder is written under a temp name and renamed (exportInstructions): present = complete.
    if (exit.code !== 0 || !cached(paths.instructions))
      throw new AppError("INTERNAL", `Building the demo instructions failed (${exit.signal ?? `exit ${exit.code}`}): ${stderrTail.slice(-5).join("\n")}`);
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
  return { data: paths.instructions, world: paths.world };
}
