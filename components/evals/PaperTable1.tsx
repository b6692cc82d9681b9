import { PAPER_DATASET_LABEL, PAPER_DATASET_OF_KIND, PAPER_TABLE1, paperTable1Mean } from "@/server/eval/paperTables";
import type { MetricName } from "@/server/eval/verbalizationMetrics";
import type { Direction } from "./delta";
import { arrow, METRIC_LABELS, td, th } from "./MetricsTable";
import { NOT_COMPARABLE } from "./notComparable";

const BOIGLLM = "Finetuned Llama (BoigLLM)";
const VERSUS = ["Finetuned Llama", "5-shot GPT-3.5", "5-shot GPT-4"];

/** The paper's Table 1 rows for the dataset our `kind` stands in for, collapsible, with its win counts. */
export function PaperTable1({ kind, metrics }: { kind: "social" | "stock"; metrics: readonly { name: string; direction: Direction }[] }) {
  const dataset = PAPER_DATASET_OF_KIND[kind];
  const rows = PAPER_TABLE1.filter((r) => r.dataset === dataset);
  const ours = paperTable1Mean(dataset, BOIGLLM);
  const wins = VERSUS.map((model) => {
    const theirs = paperTable1Mean(dataset, model);
    const won = metrics.filter((m) => {
      const a = ours[m.name as MetricName], b = theirs[m.name as MetricName];
      return m.direction === "higher" ? a > b : a < b;
    }).length;
    return `${model} ${won}/${metrics.length}`;
  });
  return (
    <details className="rounded-lg border border-slate-200 bg-slate-50/60 p-3" data-testid="paper-table1">
      <summary className="cursor-pointer text-sm font-medium">The paper&apos;s Table 1 — {PAPER_DATASET_LABEL[dataset]}</summary>
      <p className="mt-2 text-xs text-slate-500">{NOT_COMPARABLE}</p>
      <p className="mt-1 text-xs text-slate-600">In the paper, BoigLLM is better (means over buckets) than: {wins.join(", ")}.</p>
      <div className="mt-2 overflow-x-auto">
        <table className="min-w-full text-sm" aria-label={`The paper's Table 1, ${dataset}`}>
          <thead>
            <tr>
              <th className={th}>Model</th>
              <th className={th}>KPI</th>
              {metrics.map((m) => <th key={m.name} className={th}>{METRIC_LABELS[m.name] ?? m.name} {arrow(m.direction)}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.model}-${r.kpi}`} className={`border-t border-slate-100 ${r.model === BOIGLLM ? "bg-brand-50/40" : ""}`}>
                <th scope="row" className={`${td} whitespace-nowrap text-left font-medium`}>{r.model}</th>
                <td className={td}>{r.kpi}</td>
                {metrics.map((m) => <td key={m.name} className={`${td} font-mono`}>{r.metrics[m.name as MetricName].toFixed(4)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
