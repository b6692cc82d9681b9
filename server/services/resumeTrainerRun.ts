/**
 * Resume a training run that was cancelled or interrupted (its trainer killed): the same job goes
 * back to the queue, and its handler, finding the run folder's checkpoint, starts the trainer with
 * --resume — the run continues from its last checkpoint with its metric history intact.
 */
import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import { conflict, notFound } from "../errors";
import { appendJobLog } from "../jobs/queue";
import { runDirFor } from "../jobs/handlers/trainerRun";
import { recordAudit } from "./recordAudit";

export async function resumeTrainerRun(db: Db, jobId: string, actorId: string | null) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  if (!job || job.kind !== "trainer.run") throw notFound("Run");
  if (job.status !== "failed" && job.status !== "cancelled")
    throw conflict(`Only a cancelled or interrupted run can be resumed; this one is ${job.status}`);
  if (!fs.existsSync(path.join(runDirFor(jobId), "checkpoint.pt")))
    throw conflict("This run has no checkpoint to resume from (it stopped before its first one); launch it again instead");
  const [resumed] = await db
    .update(jobs)
    .set({ status: "queued", attempts: 0, cancelRequested: false, error: null, finishedAt: null, lockedBy: null, runAfter: sql`now()` })
    .where(and(eq(jobs.id, jobId), inArray(jobs.status, ["failed", "cancelled"])))
    .returning();
  if (!resumed) throw conflict("The run changed state meanwhile; reload and try again");
  await appendJobLog(db, jobId, "Resume requested: continuing from the last checkpoint");
  await recordAudit(db, { actorId, action: "run.resume", target: jobId });
  return resumed;
}
