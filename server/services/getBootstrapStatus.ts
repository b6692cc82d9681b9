import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";

/** The first-start demo-data job, for the banner every signed-in user sees while it runs. */
export async function getBootstrapStatus(db: Db) {
  const [job] = await db
    .select({ status: jobs.status, progress: jobs.progress, message: jobs.progressMessage, error: jobs.error })
    .from(jobs)
    .where(eq(jobs.kind, "data.bootstrap"))
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  return job ?? null;
}
