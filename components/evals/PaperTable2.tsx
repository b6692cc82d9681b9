import { PAPER_DATASET_LABEL, PAPER_DATASET_OF_KIND, PAPER_TABLE2, PAPER_TABLE2_COLUMNS } from "@/server/eval/paperTables";
import { arrow, td, th } from "./MetricsTable";
import { NOT_COMPARABLE } from "./notComparable";

/** The paper's Table 2 rows for the dataset our `kind` stands in for, collapsible. */
export function PaperTable2({ kind }: { kind: "social" | "stock" }) {
  const dataset = PAPER_DATASET_OF_KIND[kind];
  const rows = PAPER_TABLE2.filter((r) => r.dataset === dataset);
  return (
    <details className="rounded-lg border border-slate-200 bg-slate-50/60 p-3" data-testid="paper-table2">
      <summary className="cursor-pointer text-sm font-medium">The paper&apos;s Table 2 — {PAPER_DATASET_LABEL[dataset]}</summary>
      <p className="mt-2 text-xs text-slate-500">{NOT_COMPARABLE} Ours: reward (paper) ↔ Reward, FID-like ↔ FID, quality ↔ Aesthetic, agreement ↔ CLIP; the paper has no true KPI.</p>
      <div className="mt-2 overflow-x-auto">
        <table className="min-w-full text-sm" aria-label={`The paper's Table 2, ${dataset}`}>
          <thead>
            <tr>
              <th className={th}>Images</th>
              <th className={th}>KPI</th>
              {PAPER_TABLE2_COLUMNS.map((c) => <th key={c.key} className={th}>{c.label} {arrow(c.direction)}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.images}-${r.kpi}`} className={`border-t border-slate-100 ${r.ourModel === "BoigSD" ? "bg-brand-50/40" : ""}`}>
                <th scope="row" className={`${td} whitespace-nowrap text-left font-medium`}>{r.images}</th>
                <td className={td}>{r.kpi}</td>
                {PAPER_TABLE2_COLUMNS.map((c) => <td key={c.key} className={`${td} font-mono`}>{r[c.key].toFixed(3)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
