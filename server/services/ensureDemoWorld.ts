import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { datasets, jobs } from "../db/schema";
import { enqueueJob } from "./enqueueJob";

/**
 * First start on an empty database: queue the demo world (generate → import → verbalize) once.
 * The app stays usable meanwhile; a crash mid-way resumes through the durable job.
 */
export async function ensureDemoWorldQueued(db: Db, options: { postsPerBrand: number }) {
  const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(datasets)) as [{ n: number }];
  if (n > 0) return null;
  const existing = await db.select({ id: jobs.id }).from(jobs).where(eq(jobs.kind, "data.bootstrap")).limit(1);
  if (existing.length > 0) return null;
  return enqueueJob(db, { kind: "data.bootstrap", payload: { postsPerBrand: options.postsPerBrand }, maxAttempts: 5 }, null);
}
