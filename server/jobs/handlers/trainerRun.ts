/**
 * Job `trainer.run`: one training run of the Python trainer. Its run folder lives under
 * BOIG_DATA_DIR/runs/<jobId>; a retried attempt (worker crash) passes --resume so the
 * trainer continues from its last checkpoint instead of starting over.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../../env";
import { trainerArgs, type TrainerRunPayload } from "../../services/launchTrainerRun";
import { runTrainer } from "../trainerProcess";
import type { JobHandler } from "../types";

export const runDirFor = (jobId: string) => path.join(env().dataDir, "runs", jobId);

export const trainerRunHandler: JobHandler<TrainerRunPayload> = async (ctx) => {
  const runDir = runDirFor(ctx.job.id);
  const resume = fs.existsSync(runDir) && fs.readdirSync(runDir).length > 0;
  fs.mkdirSync(runDir, { recursive: true });
  const args = trainerArgs(ctx.payload, runDir, resume);
  await ctx.log(`${resume ? "Resuming" : "Starting"}: boig_trainer ${args.join(" ")}`);

  let artifact: { dir: string; manifest: unknown } | null = null;
  let metrics: Record<string, number> = {};
  await runTrainer(args, {
    signal: ctx.signal,
    onStderr: (line) => void ctx.log(line, "warn"),
    onEvent: async (event) => {
      if (event.type === "progress") {
        const e = event as { step: number; total: number; message?: string };
        await ctx.progress(e.total > 0 ? e.step / e.total : 0, e.message ?? `step ${e.step}/${e.total}`);
      } else if (event.type === "artifact") {
        artifact = event as { dir: string; manifest: unknown };
        await ctx.log(`Artifact written to ${artifact.dir}`);
      } else if (event.type === "done") {
        metrics = (event as { metrics: Record<string, number> }).metrics;
      } else {
        await ctx.log(JSON.stringify(event));
      }
    },
  });
  return { runDir, artifact, metrics };
};
