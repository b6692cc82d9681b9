/**
 * Job `trainer.run`: one training run of the Python trainer. Its run folder lives under
 * BOIG_DATA_DIR/runs/<jobId>; a retried attempt (worker crash) passes --resume so the
 * trainer continues from its last checkpoint instead of starting over.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../../env";
import { AppError } from "../../errors";
import { registerModelVersion, roleOfTrainerRun } from "../../services/registerModelVersion";
import { trainerArgs, type TrainerRunPayload } from "../../services/launchTrainerRun";
import { appendRunMetric, estimateSecondsLeft, formatDuration } from "../runMetrics";
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
  let firstStep: { step: number; at: number } | null = null; // this attempt's first step: the ETA's pace
  let metrics: Record<string, number> = {};
  await runTrainer(args, {
    signal: ctx.signal,
    onStderr: (line) => void ctx.log(line, "warn"),
    onEvent: async (event) => {
      if (event.type === "progress" || event.type === "epoch") {
        // Steps (or DDPO epochs) with the loss / epoch metrics go to the run's metrics.jsonl
        // for the Runs page charts; the job's progress message carries the ETA.
        const e = event as { step?: number; epoch?: number; total: number; loss?: number; message?: string; metrics?: Record<string, number>; grid?: string };
        const step = e.step ?? e.epoch ?? 0;
        const at = Date.now();
        firstStep ??= { step, at };
        if (event.type === "epoch") appendRunMetric(runDir, { type: "epoch", step, total: e.total, metrics: e.metrics ?? {}, grid: e.grid ?? null, at });
        else appendRunMetric(runDir, { type: "progress", step, total: e.total, ...(typeof e.loss === "number" ? { loss: e.loss } : {}), at });
        const eta = estimateSecondsLeft(firstStep, { step, at, total: e.total });
        const label = e.message ?? `${event.type === "epoch" ? "epoch" : "step"} ${step}/${e.total}`;
        await ctx.progress(e.total > 0 ? step / e.total : 0, `${label}${eta === null ? "" : ` · ETA ${formatDuration(eta)}`}`);
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
  // The artifact becomes a registry version (Admin → Models), copied out of the run folder;
  // promoting it stays an admin's decision. An artifact that fails its checks does not fail the
  // finished run (retrying would not change it): the log and result say why it is not registered.
  const role = roleOfTrainerRun(ctx.payload);
  const published = artifact as { dir: string } | null;
  let modelVersionId: string | null = null;
  let registrationError: string | null = null;
  if (published && role) {
    try {
      const version = await registerModelVersion(ctx.db, { role, sourceDir: published.dir, source: "run", runJobId: ctx.job.id, actorId: ctx.job.createdBy });
      modelVersionId = version.id;
      await ctx.log(`Registered as ${role} model ${version.name} ${version.version} (${version.dir})`);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      registrationError = error.message;
      await ctx.log(`Not registered as a ${role} model: ${error.message}`, "error");
    }
  }
  return { runDir, artifact, metrics, modelVersionId, registrationError };
};
