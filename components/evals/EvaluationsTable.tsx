"use client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { RunActions, RunStatusBadge } from "../runs/RunActions";
import { formatPercent } from "./delta";

export type EvaluationListItem = inferRouterOutputs<AppRouter>["admin"]["evals"]["list"][number];
export const TABLE_LABEL = { llm: "Table 1 (BoigLLM)", sd: "Table 2 (BoigSD)" } as const;
const DECODING_LABEL: Record<string, string> = { greedy: "greedy", mbr: "MBR", "mbr-sections": "MBR by section" };
/** A Table 1 run's decoding as shown; jobs queued before the field decoded greedily. Null for Table 2. */
export const decodingLabel = (payload: { table: string; decoding?: string }) =>
  payload.table !== "llm" ? null : DECODING_LABEL[payload.decoding ?? "greedy"] ?? payload.decoding!;

/** One line per dataset: BoigLLM's win counts (Table 1) or BoigSD's true-KPI change (Table 2). */
function Summary({ item }: { item: EvaluationListItem }) {
  if (!item.summary) return null;
  const lines =
    item.summary.table === "llm"
      ? item.summary.datasets.map((d) => {
          const mark = (wins: number) => (wins >= d.required ? "✓" : "✗");
          return `${d.dataset}: vs no-KPI ${d.wins.nokpi}/9 ${mark(d.wins.nokpi)}, vs 5-shot ${d.wins.shot5}/9 ${mark(d.wins.shot5)}`;
        })
      : item.summary.datasets.map((d) => `${d.dataset}: BoigSD true KPI ${formatPercent(d.trueKpiVsBase)} vs base, ${formatPercent(d.trueKpiVsSft)} vs SFT`);
  return <ul className="mt-1 space-y-0.5 text-xs text-slate-600">{lines.map((l) => <li key={l}>{l}</li>)}</ul>;
}

const modelsOf = (item: EvaluationListItem) => Object.entries(item.payload.models).map(([slot, m]) => `${slot}: ${m.name} ${m.version}`).join(" · ");
const sizeOf = (item: EvaluationListItem) =>
  item.payload.table === "llm"
    ? `${item.payload.size.limit} images per bucket · ${decodingLabel(item.payload)}`
    : `${item.payload.size.prompts} prompts × ${item.payload.size.samples} samples`;

/** Every evaluation run, newest first, with live progress; the selected one is shown below. */
export function EvaluationsTable({ items, selected, onSelect }: { items: readonly EvaluationListItem[]; selected: string | null; onSelect: (id: string) => void }) {
  return (
    <table className="w-full text-left text-sm" aria-label="Evaluations">
      <thead className="bg-slate-50 text-slate-500">
        <tr>
          <th className="px-4 py-2 font-medium">Evaluation</th>
          <th className="px-4 py-2 font-medium">Status</th>
          <th className="px-4 py-2 font-medium">Progress / result</th>
          <th className="px-4 py-2 font-medium">Started</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id} className={`border-t border-slate-100 align-top ${item.id === selected ? "bg-brand-50/50" : ""}`} data-testid="evaluation-row">
            <td className="px-4 py-2">
              <button type="button" onClick={() => onSelect(item.id)} aria-pressed={item.id === selected} className="text-left font-medium text-brand-700 hover:underline">
                {TABLE_LABEL[item.table]}
              </button>
              <div className="max-w-sm text-xs text-slate-500">{modelsOf(item)}</div>
              <div className="text-xs text-slate-400">{sizeOf(item)} · <span className="font-mono">{item.id.slice(0, 8)}</span></div>
            </td>
            <td className="px-4 py-2"><RunStatusBadge status={item.status} interrupted={false} /></td>
            <td className="w-96 px-4 py-2">
              {item.status === "succeeded" ? (
                <Summary item={item} />
              ) : (
                <>
                  <div className="h-2 rounded-full bg-slate-100" role="progressbar" aria-label={`Progress of evaluation ${item.id.slice(0, 8)}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(item.progress * 100)}>
                    <div className="h-2 rounded-full bg-brand-500 transition-all" style={{ width: `${Math.round(item.progress * 100)}%` }} />
                  </div>
                  <div className="mt-1 text-xs text-slate-500">{item.message}</div>
                  {item.error && <div className="mt-1 text-xs text-red-700">{item.error}</div>}
                </>
              )}
            </td>
            <td className="px-4 py-2 text-xs text-slate-500">{item.startedAt ? new Date(item.startedAt).toLocaleString() : "—"}</td>
            <td className="px-4 py-2 text-right"><RunActions run={{ id: item.id, status: item.status, resumable: false }} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
