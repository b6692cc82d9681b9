import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import { conflict, notFound } from "../errors";
import { appendJobLog } from "../jobs/queue";
import { recordAudit } from "./recordAudit";

/**
 * A queued job is cancelled at once; a running one is flagged and its worker stops it
 * at the next heartbeat (killing a trainer subprocess if there is one).
 */
export async function cancelJob(db: Db, jobId: string, actorId: string | null) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  if (!job) throw notFound("Job");
  if (job.status === "succeeded" || job.status === "failed" || job.status === "cancelled")
    throw conflict(`Job already ${job.status}`);
  await db
    .update(jobs)
    .set({ status: "cancelled", cancelRequested: true, finishedAt: sql`now()` })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")));
  await db.update(jobs).set({ cancelRequested: true }).where(and(eq(jobs.id, jobId), eq(jobs.status, "running")));
  await appendJobLog(db, jobId, "Cancel requested");
  await recordAudit(db, { actorId, action: "job.cancel", target: jobId });
  const [after] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  return after!;
}
