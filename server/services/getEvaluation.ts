/**
 * One evaluation for Admin → Evaluation: its job state, launch settings, full report (once
 * finished), log tail, and the PREVIOUS succeeded evaluation of the same table — the newest one
 * launched before it — with its report, so the page can show each number's change since then.
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobLogs, jobs, users } from "../db/schema";
import { notFound } from "../errors";
import type { EvalLlmReport } from "../eval/evalLlm";
import type { SdEvalReport } from "../eval/evalSd";
import { describeEvaluation, evaluationColumns } from "./listEvaluations";

/** The report typed by the table it belongs to (null until the job succeeds). */
export type EvaluationReport = { table: "llm"; report: EvalLlmReport | null } | { table: "sd"; report: SdEvalReport | null };

const withReport = (table: "llm" | "sd", result: unknown): EvaluationReport =>
  table === "llm" ? { table, report: (result as EvalLlmReport | null) ?? null } : { table, report: (result as SdEvalReport | null) ?? null };

export async function getEvaluation(db: Db, id: string, logLimit = 100) {
  const [row] = await db
    .select({ ...evaluationColumns, result: jobs.result })
    .from(jobs)
    .leftJoin(users, eq(users.id, jobs.createdBy))
    .where(and(eq(jobs.id, id), eq(jobs.kind, "eval.run")));
  if (!row) throw notFound("Evaluation");
  const { result, ...rest } = row;
  const evaluation = describeEvaluation(rest);
  const logs = await db
    .select({ at: jobLogs.at, level: jobLogs.level, message: jobLogs.message })
    .from(jobLogs)
    .where(eq(jobLogs.jobId, id))
    .orderBy(desc(jobLogs.id))
    .limit(logLimit);
  const [previous] = await db
    .select({ id: jobs.id, payload: jobs.payload, createdAt: jobs.createdAt, finishedAt: jobs.finishedAt, result: jobs.result })
    .from(jobs)
    .where(
      and(
        eq(jobs.kind, "eval.run"),
        eq(jobs.status, "succeeded"),
        sql`${jobs.payload}->>'table' = ${evaluation.table}`,
        lt(jobs.createdAt, row.createdAt),
      ),
    )
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  return {
    ...evaluation,
    ...withReport(evaluation.table, evaluation.status === "succeeded" ? result : null),
    logs: logs.reverse(),
    previous: previous
      ? { ...describeEvaluation({ id: previous.id, payload: previous.payload, createdAt: previous.createdAt, finishedAt: previous.finishedAt }), ...withReport(evaluation.table, previous.result) }
      : null,
  };
}
