/**
 * Training runs as the Runs page shows them: the job with its launch settings, whether it was
 * interrupted (trainer killed; resumable), its metric history (server/jobs/runMetrics.ts), the
 * per-epoch sample grids of a DDPO run, and its log tail.
 */
import fs from "node:fs";
import path from "node:path";
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobLogs, jobs } from "../db/schema";
import { AppError, notFound } from "../errors";
import { runDirFor } from "../jobs/handlers/trainerRun";
import { readRunMetrics } from "../jobs/runMetrics";
import type { TrainerRunPayload } from "./launchTrainerRun";

const GRID_FILE = /^epoch-\d{3}\.png$/;

export const isInterrupted = (job: { status: string; error: string | null }) => job.status === "failed" && !!job.error?.startsWith("Interrupted:");
const hasCheckpoint = (jobId: string) => fs.existsSync(path.join(runDirFor(jobId), "checkpoint.pt"));

function summarize(job: typeof jobs.$inferSelect) {
  const payload = job.payload as TrainerRunPayload;
  return {
    id: job.id,
    task: payload.task,
    payload,
    status: job.status,
    interrupted: isInterrupted(job),
    resumable: (job.status === "failed" || job.status === "cancelled") && hasCheckpoint(job.id),
    progress: job.progress,
    message: job.progressMessage,
    error: job.error,
    result: job.result as { artifact?: { dir: string }; metrics?: Record<string, number>; modelVersionId?: string } | null,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

export async function listRuns(db: Db, limit = 50) {
  const rows = await db.select().from(jobs).where(eq(jobs.kind, "trainer.run")).orderBy(desc(jobs.createdAt)).limit(limit);
  return rows.map(summarize);
}

export async function getRun(db: Db, jobId: string, logLimit = 200) {
  const [job] = await db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.kind, "trainer.run")));
  if (!job) throw notFound("Run");
  const runDir = runDirFor(jobId);
  const logs = await db.select().from(jobLogs).where(eq(jobLogs.jobId, jobId)).orderBy(desc(jobLogs.id)).limit(logLimit);
  const gridsDir = path.join(runDir, "grids");
  const grids = fs.existsSync(gridsDir) ? fs.readdirSync(gridsDir).filter((f) => GRID_FILE.test(f)).sort() : [];
  return { ...summarize(job), metrics: readRunMetrics(runDir), grids, logs: logs.reverse() };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A DDPO run's sample grid for one epoch: the name is checked, never joined blindly. */
export async function readRunGrid(db: Db, jobId: string, file: string) {
  if (!GRID_FILE.test(file)) throw notFound("Grid");
  // A malformed run id names no run: 404, not a failed uuid cast in the query (a 500).
  if (!UUID.test(jobId)) throw notFound("Run");
  const [job] = await db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.kind, "trainer.run")));
  if (!job) throw notFound("Run");
  const full = path.join(runDirFor(jobId), "grids", file);
  if (!fs.existsSync(full)) throw notFound("Grid");
  try {
    return fs.readFileSync(full);
  } catch {
    throw new AppError("UNAVAILABLE", "The grid file could not be read");
  }
}


