/**
 * Admin → Evaluation: every `eval.run` job, newest first, with its status, progress, the models
 * and sizes it was launched with, and a short summary of its result (Table 1: BoigLLM's win
 * counts per dataset; Table 2: BoigSD's true-KPI change vs base and SFT per dataset).
 * The summary is cut out of the stored report in SQL: the page polls this list while a run is
 * going, and a full Table 1 report per row would be megabytes per poll.
 */
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs, users } from "../db/schema";
import type { EvalRunPayload } from "../jobs/handlers/evalRun";

export type LlmSummaryRow = { dataset: string; kind: string; images: number; wins: { nokpi: number; shot3: number; shot5: number }; required: number; kpiLabelAccuracy: number | null };
export type SdSummaryRow = { dataset: string; bucket: string; model: string; trueKpi: number | null };

export type EvaluationSummary =
  | { table: "llm"; datasets: LlmSummaryRow[] }
  | { table: "sd"; datasets: { dataset: string; trueKpiVsBase: number | null; trueKpiVsSft: number | null }[] };

/** Columns of a jobs row an evaluation listing needs (everything but the report). */
export const evaluationColumns = {
  id: jobs.id,
  payload: jobs.payload,
  status: jobs.status,
  progress: jobs.progress,
  message: jobs.progressMessage,
  error: jobs.error,
  createdAt: jobs.createdAt,
  startedAt: jobs.startedAt,
  finishedAt: jobs.finishedAt,
  createdBy: users.email,
};

/** The payload typed (it was checked by evalRunPayload when queued), and its table beside it. */
export function describeEvaluation<Row extends { payload: unknown }>(row: Row) {
  const payload = row.payload as EvalRunPayload;
  return { ...row, payload, table: payload.table };
}

export async function listEvaluations(db: Db, limit = 50) {
  const rows = await db
    .select({
      ...evaluationColumns,
      llmSummary: sql<LlmSummaryRow[] | null>`(
        select jsonb_agg(jsonb_build_object(
          'dataset', d->'dataset', 'kind', d->'kind', 'images', d->'images', 'required', d->'issueTarget'->'required',
          'wins', jsonb_build_object('nokpi', d->'wins'->'nokpi'->'wins', 'shot3', d->'wins'->'shot3'->'wins', 'shot5', d->'wins'->'shot5'->'wins'),
          'kpiLabelAccuracy', d->'kpiLabel'->'overall'->'accuracy'))
        from jsonb_array_elements(case when jsonb_typeof(${jobs.result}->'datasets') = 'array' then ${jobs.result}->'datasets' else '[]'::jsonb end) d)`,
      sdRows: sql<SdSummaryRow[] | null>`(
        select jsonb_agg(jsonb_build_object('dataset', r->'dataset', 'bucket', r->'bucket', 'model', r->'model', 'trueKpi', r->'trueKpi'))
        from jsonb_array_elements(case when jsonb_typeof(${jobs.result}->'rows') = 'array' then ${jobs.result}->'rows' else '[]'::jsonb end) r)`,
    })
    .from(jobs)
    .leftJoin(users, eq(users.id, jobs.createdBy))
    .where(eq(jobs.kind, "eval.run"))
    .orderBy(desc(jobs.createdAt))
    .limit(limit);
  return rows.map(({ llmSummary, sdRows, ...row }) => {
    const evaluation = describeEvaluation(row);
    const summary: EvaluationSummary | null =
      row.status !== "succeeded" ? null : evaluation.table === "llm" ? { table: "llm", datasets: llmSummary ?? [] } : { table: "sd", datasets: sdSummary(sdRows ?? []) };
    return { ...evaluation, summary };
  });
}

/** Per dataset: the mean over buckets of BoigSD's relative true-KPI change vs base and vs SFT. */
export function sdSummary(rows: readonly SdSummaryRow[]) {
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const change = (dataset: string, versus: string) => {
    const changes = rows
      .filter((r) => r.dataset === dataset && r.model === "BoigSD")
      .map((ours) => {
        const other = rows.find((r) => r.dataset === dataset && r.bucket === ours.bucket && r.model === versus);
        return ours.trueKpi != null && other?.trueKpi ? ours.trueKpi / other.trueKpi - 1 : null;
      })
      .filter((c): c is number => c !== null && Number.isFinite(c));
    return changes.length ? changes.reduce((s, c) => s + c, 0) / changes.length : null;
  };
  return datasets.map((dataset) => ({ dataset, trueKpiVsBase: change(dataset, "base"), trueKpiVsSft: change(dataset, "SFT") }));
}
