import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobLogs, jobs } from "../db/schema";
import { notFound } from "../errors";

/** One job with its log lines (the newest `logLimit`). */
export async function getJob(db: Db, jobId: string, logLimit = 500) {
  const [job] = await db.select().from(jobs).where(eq(jobs.id, jobId));
  if (!job) throw notFound("Job");
  const logs = await db.select().from(jobLogs).where(eq(jobLogs.jobId, jobId)).orderBy(asc(jobLogs.id));
  return { ...job, logs: logs.slice(-logLimit) };
}
