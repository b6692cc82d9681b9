import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { datasets, importReports } from "../db/schema";
import { notFound } from "../errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One import report with every stored rejected row. `rejected` counts them all; at most 10,000
 * are stored (importFolder), so `errors.length` can be smaller on a very bad file.
 */
export async function getImportReport(db: Db, reportId: string) {
  if (!UUID.test(reportId)) throw notFound("Import report");
  const [row] = await db
    .select({ report: importReports, dataset: datasets.name })
    .from(importReports)
    .leftJoin(datasets, eq(datasets.id, importReports.datasetId))
    .where(eq(importReports.id, reportId));
  if (!row) throw notFound("Import report");
  const { bucketCounts, ...report } = row.report;
  return { ...report, buckets: bucketCounts, dataset: row.dataset };
}
