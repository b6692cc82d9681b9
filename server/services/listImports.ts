/**
 * Recent imports for the Data page: each `data.import` job (and the first-start `data.bootstrap`,
 * which runs the same importer) with its status and progress, and — once it has finished — the
 * import reports it wrote. A job links to its reports through its result: the handler returns one
 * entry per imported file, each with the `reportId` importFolder stored.
 */
import path from "node:path";
import { desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { datasets, importReports, jobs } from "../db/schema";
import type { RowError } from "./importFolder";

export const IMPORT_JOB_KINDS = ["data.import", "data.bootstrap"] as const;
/** Rejected rows shown per report on the page; all of them are in getImportReport and the CSV. */
export const ERRORS_SHOWN = 100;

type JobRow = typeof jobs.$inferSelect;
type JobPayload = { dir?: string; name?: string; upload?: { fileName?: string; bytes?: number } };
type JobResult = { datasets?: { reportId?: unknown }[]; verbalized?: { verbalized?: number; failed?: number }[] } | null;

export type ImportSource = { type: "upload"; fileName: string | null; bytes: number | null } | { type: "folder"; dir: string } | { type: "demo" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listImports(db: Db, options: { limit?: number } = {}) {
  const rows = await db
    .select()
    .from(jobs)
    .where(inArray(jobs.kind, [...IMPORT_JOB_KINDS]))
    .orderBy(desc(jobs.createdAt))
    .limit(options.limit ?? 20);
  return describeImportJobs(db, rows);
}

/** Import jobs as the Data page shows them, each with its reports (first ERRORS_SHOWN errors each). */
export async function describeImportJobs(db: Db, rows: JobRow[]) {
  const reportIdsOf = (job: JobRow) =>
    ((job.result as JobResult)?.datasets ?? []).map((d) => d.reportId).filter((id): id is string => typeof id === "string" && UUID.test(id));
  const ids = rows.flatMap(reportIdsOf);
  const reports = ids.length
    ? await db
        .select({
          id: importReports.id,
          datasetId: importReports.datasetId,
          dataset: datasets.name,
          sourceFile: importReports.sourceFile,
          inserted: importReports.inserted,
          updated: importReports.updated,
          unchanged: importReports.unchanged,
          rejected: importReports.rejected,
          buckets: importReports.bucketCounts,
          createdAt: importReports.createdAt,
          // The first rows only: a report can hold 10,000 errors, the page shows 100.
          errors: sql<RowError[]>`(select coalesce(jsonb_agg(e.value order by e.ord), '[]'::jsonb)
              from jsonb_array_elements(${importReports.errors}) with ordinality as e(value, ord) where e.ord <= ${ERRORS_SHOWN})`,
          errorsStored: sql<number>`jsonb_array_length(${importReports.errors})::int`,
        })
        .from(importReports)
        .leftJoin(datasets, eq(datasets.id, importReports.datasetId))
        .where(inArray(importReports.id, ids))
    : [];
  const byId = new Map(reports.map((r) => [r.id, r]));

  return rows.map((job) => {
    const payload = (job.payload ?? {}) as JobPayload;
    const result = job.result as JobResult;
    const source: ImportSource =
      job.kind === "data.bootstrap"
        ? { type: "demo" }
        : payload.upload
          ? { type: "upload", fileName: payload.upload.fileName ?? null, bytes: payload.upload.bytes ?? null }
          : { type: "folder", dir: payload.dir ?? "" };
    const verbalized = result?.verbalized
      ? {
          images: result.verbalized.reduce((s, v) => s + (v.verbalized ?? 0), 0),
          failed: result.verbalized.reduce((s, v) => s + (v.failed ?? 0), 0),
        }
      : null;
    return {
      jobId: job.id,
      kind: job.kind,
      status: job.status,
      progress: job.progress,
      message: job.progressMessage,
      error: job.error,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      source,
      name: payload.name ?? null,
      verbalized,
      reports: reportIdsOf(job).flatMap((id) => {
        const report = byId.get(id);
        if (!report) return [];
        // Where in the import folder the file was: the server's own folders are noise here.
        const file = payload.dir ? path.relative(payload.dir, report.sourceFile) || path.basename(report.sourceFile) : report.sourceFile.split(path.sep).slice(-2).join("/");
        const { sourceFile: _absolute, ...rest } = report;
        return [{ ...rest, file }];
      }),
    };
  });
}

export type ImportView = Awaited<ReturnType<typeof describeImportJobs>>[number];
