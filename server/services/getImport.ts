import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import { notFound } from "../errors";
import { describeImportJobs, IMPORT_JOB_KINDS } from "./listImports";

/** One import job as the Data page follows it (polled while it runs). */
export async function getImport(db: Db, jobId: string) {
  const rows = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.id, jobId), inArray(jobs.kind, [...IMPORT_JOB_KINDS])));
  if (!rows.length) throw notFound("Import");
  return (await describeImportJobs(db, rows))[0]!;
}
