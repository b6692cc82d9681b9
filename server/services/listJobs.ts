import { desc, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs, type JobStatus } from "../db/schema";

export async function listJobs(db: Db, filter: { statuses?: JobStatus[]; limit?: number } = {}) {
  const query = db.select().from(jobs);
  const filtered = filter.statuses?.length ? query.where(inArray(jobs.status, filter.statuses)) : query;
  return filtered.orderBy(desc(jobs.createdAt)).limit(filter.limit ?? 100);
}
