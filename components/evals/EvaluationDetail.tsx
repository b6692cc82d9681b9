"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { RunStatusBadge } from "../runs/RunActions";
import { TABLE_LABEL, decodingLabel } from "./EvaluationsTable";
import { Table1View } from "./Table1View";
import { Table2View } from "./Table2View";

const card = "rounded-xl border border-slate-200 bg-white p-5";
const when = (d: Date | string | null) => (d ? new Date(d).toLocaleString() : "—");
const settingsOf = (p: { table: string; size: object; decoding?: string; data: string | null; world?: string | null }) =>
  JSON.stringify([p.size, decodingLabel(p), p.data, p.world ?? null]);

/** One evaluation: its settings and state, then its table with deltas against the previous run. */
export function EvaluationDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.admin.evals.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && !["queued", "running"].includes(q.state.data.status) ? false : 1500),
  });
  if (query.error) return <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(query.error)}</p>;
  if (!query.data) return <div className={`${card} h-48 animate-pulse`} aria-busy="true" aria-label="Loading evaluation" />;
  const e = query.data;
  const previous = e.previous;
  return (
    <article className={`${card} space-y-4`} aria-label="Evaluation result">
      <header className="space-y-1">
        <h2 className="flex items-center gap-3 text-lg font-medium">
          {TABLE_LABEL[e.table]} <RunStatusBadge status={e.status} interrupted={false} />
        </h2>
        <ul className="text-xs text-slate-600">
          {Object.entries(e.payload.models).map(([slot, m]) => (
            <li key={slot}><span className="font-medium">{slot}</span>: {m.name} {m.version} <span className="break-all font-mono text-slate-400">{m.dir}</span></li>
          ))}
        </ul>
        <p className="text-xs text-slate-500">
          {e.payload.table === "llm"
            ? `${e.payload.size.limit} test images per dataset and bucket · ${decodingLabel(e.payload)} decoding`
            : `${e.payload.size.prompts} prompts per bucket × ${e.payload.size.samples} samples`}
          {" · data: "}{e.payload.data ?? "the demo world's"} · launched {when(e.createdAt)}{e.createdBy ? ` by ${e.createdBy}` : ""}
        </p>
        <p className="text-xs text-slate-500" data-testid="previous-evaluation">
          {previous
            ? `Changes are against the previous ${TABLE_LABEL[e.table]} evaluation, ${previous.id.slice(0, 8)} (${when(previous.createdAt)}); green = better, red = worse.`
            : "No earlier evaluation of this table: changes appear from the second one on."}
        </p>
        {previous && settingsOf(previous.payload) !== settingsOf(e.payload) && (
          <p className="text-xs text-amber-700">The previous evaluation used other sizes, decoding or data: its changes mix model and setting differences.</p>
        )}
      </header>
      {(e.status === "queued" || e.status === "running") && (
        <div>
          <div className="h-2 rounded-full bg-slate-100" role="progressbar" aria-label="Evaluation progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(e.progress * 100)}>
            <div className="h-2 rounded-full bg-brand-500 transition-all" style={{ width: `${Math.round(e.progress * 100)}%` }} />
          </div>
          <p className="mt-1 text-xs text-slate-500">{e.message || "Waiting for a worker"}</p>
        </div>
      )}
      {e.error && e.status !== "succeeded" && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{e.error}</p>}
      {e.table === "llm" && e.report && <Table1View report={e.report} previous={previous?.table === "llm" ? previous.report : null} />}
      {e.table === "sd" && e.report && <Table2View report={e.report} previous={previous?.table === "sd" ? previous.report : null} />}
      {e.logs.length > 0 && (
        <details className="text-xs">
          <summary className="cursor-pointer text-slate-600">Log ({e.logs.length})</summary>
          <pre className="mt-2 max-h-64 overflow-auto rounded bg-slate-50 p-2">{e.logs.map((l) => `${new Date(l.at).toLocaleTimeString()} ${l.level} ${l.message}`).join("\n")}</pre>
        </details>
      )}
    </article>
  );
}
