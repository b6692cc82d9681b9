/**
 * Workload "DDPO epoch throughput" (issue 8, workload 4): our trainer's epoch against a plain loop
 * in the style of ddpo-pytorch, same settings (the default DDPO preset), same starting weights
 * (the committed base BoigSD) and the same reward server, alternating sides in one Python process
 * (models/boig_trainer/bench_ddpo.py says what each side does). Samples per second of whole
 * epochs, median after a warm-up epoch per side; the prompts come from a small simulated world.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { env } from "../env";
import { servedRewardDir } from "../services/loadServedBoigLlm";
import { generateWorld } from "../world/generateWorld";
import { median, python, type Workload } from "./benchModels";

type DdpoBenchResult = {
  samples_per_epoch: number;
  ddim_steps: number;
  train_timesteps: number;
  train_batch_size: number;
  ours_s: number[];
  reference_s: number[];
  threads: number;
};

export async function benchDdpo(epochs: number): Promise<Workload> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-bench-ddpo-"));
  try {
    const world = path.join(root, "world");
    await generateWorld({ seed: 11, brands: 3, postsPerBrand: 40, stockAssets: 40, outDir: world });
    const init = path.join(env().repoRoot, "models", "artifacts", "boigsd-base");
    const result = python(
      ["--init", init, "--data", world, "--boigllm", servedRewardDir(), "--preset", "default", "--epochs", String(epochs)],
      "boig_trainer.bench_ddpo",
    ) as unknown as DdpoBenchResult;
    const ours = result.samples_per_epoch / median(result.ours_s);
    const reference = result.samples_per_epoch / median(result.reference_s);
    return {
      workload: `DDPO epoch (${result.samples_per_epoch} samples × ${result.ddim_steps} steps, PPO on ${result.train_timesteps})`,
      unit: "samples/s",
      ours,
      reference,
      referenceWhat: "a ddpo-pytorch-style loop (one timestep per UNet call; rewards scored beside sampling, as its executor does), same preset, weights and reward server",
      ratio: ours / reference,
      floorMs: null,
      percentOfFloor: null,
      notes: [
        `epoch seconds: ours ${result.ours_s.map((s) => s.toFixed(1)).join(", ")}; reference ${result.reference_s.map((s) => s.toFixed(1)).join(", ")} (torch threads ${result.threads}, the reward server on the other core)`,
      ],
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
