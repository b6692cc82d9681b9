/**
 * An import report's rejected rows as CSV (`line,column,reason`), for the Data page's download.
 * Reasons quote the uploaded file's own cells, so csvRow defuses any that a spreadsheet would run
 * as a formula.
 */
import type { Db } from "../db/client";
import { csvRow } from "./exportCampaign";
import { getImportReport } from "./getImportReport";
import { recordAudit } from "./recordAudit";

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "dataset";

export async function exportImportErrors(db: Db, reportId: string, actorId: string) {
  const report = await getImportReport(db, reportId);
  const lines = [csvRow(["line", "column", "reason"]), ...report.errors.map((e) => csvRow([e.line, e.column, e.reason]))];
  await recordAudit(db, { actorId, action: "data.report.download", target: report.id, details: { rows: report.errors.length } });
  return {
    fileName: `import-errors-${slug(report.dataset ?? "dataset")}-${report.id.slice(0, 8)}.csv`,
    text: lines.join("\r\n") + "\r\n",
    rows: report.errors.length,
  };
}
