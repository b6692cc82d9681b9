import type { SdEvalReport, SdRow } from "@/server/eval/evalSd";
import { compareSd, type SdComparison } from "@/server/eval/compareSd";
import { formatPercent, type Direction } from "./delta";
import { arrow, td, th } from "./MetricsTable";
import { PaperTable2 } from "./PaperTable2";
import { ValueWithDelta } from "./ValueWithDelta";

/** Our Table 2 columns (docs/results.md says which paper column each stands in for). */
const COLUMNS: { label: string; title: string; direction: Direction; digits: number; value: (r: SdRow) => number | null | undefined }[] = [
  { label: "Reward (calibrated)", title: "BoigLLM's calibrated log-odds high vs low", direction: "higher", digits: 3, value: (r) => r.rewardCalibrated },
  { label: "Reward (paper)", title: "BoigLLM's sum of token probabilities (the paper's reward)", direction: "higher", digits: 3, value: (r) => r.rewardPaper },
  { label: "True KPI", title: "the simulator's expected likes / forward actions", direction: "higher", digits: 1, value: (r) => r.trueKpi },
  { label: "KPI (reward's detector)", title: "the same KPI with the images verbalized by the reward's detector: rising with the reward while the true KPI does not means the images fool that detector", direction: "higher", digits: 1, value: (r) => r.trueKpiRewardDetector },
  { label: "FID-like", title: "Fréchet distance of MobileNetV2 features to the bucket's real test images (not Inception FID)", direction: "lower", digits: 1, value: (r) => r.extra.fidLike },
  { label: "Agreement", title: "image–text agreement of the project's contrastive model (stands in for a CLIP score)", direction: "higher", digits: 3, value: (r) => r.extra.agreement },
  { label: "Quality", title: "no-reference quality proxy in [0, 1] (stands in for an aesthetic score)", direction: "higher", digits: 3, value: (r) => r.extra.quality },
];

const key = (r: Pick<SdRow, "dataset" | "bucket" | "model">) => `${r.dataset}|${r.bucket}|${r.model}`;

/**
 * Table 2 of one evaluation, per dataset and KPI bucket: base, SFT and BoigSD with both rewards,
 * the true KPI, FID-like, agreement and quality; each with the previous evaluation's value and
 * the change (green when better in that column's direction), and the paper's Table 2 beside it.
 */
export function Table2View({ report, previous }: { report: SdEvalReport; previous: SdEvalReport | null }) {
  const before = new Map((previous?.rows ?? []).map((r) => [key(r), r]));
  const datasets = [...new Set(report.rows.map((r) => r.dataset))];
  const comparisons = compareSd(report);
  return (
    <div className="space-y-8">
      {datasets.map((dataset) => {
        const rows = report.rows.filter((r) => r.dataset === dataset);
        return (
          <section key={dataset} aria-label={`Table 2, ${dataset}`} className="space-y-3">
            <h3 className="font-medium">
              {dataset} <span className="text-sm font-normal text-slate-500">({rows[0]!.kind}) · true KPI = {report.trueKpiName[rows[0]!.kind]}</span>
            </h3>
            <div className="grid grid-cols-[minmax(0,1fr)] gap-4 2xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
              <div className="overflow-x-auto">
                <table className="min-w-full text-sm" aria-label={`Table 2, ${dataset}`}>
                  <thead className="bg-slate-50">
                    <tr>
                      <th className={th}>KPI</th>
                      <th className={th}>Model</th>
                      {COLUMNS.map((c) => <th key={c.label} className={th} title={c.title}>{c.label} {arrow(c.direction)}</th>)}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={key(r)} className={`border-t border-slate-100 ${r.model === "BoigSD" ? "bg-brand-50/40" : ""}`}>
                        <td className={td}>{r.bucket}</td>
                        <th scope="row" className={`${td} text-left font-medium`}>{r.model} <span className="font-normal text-slate-400">({r.images} img)</span></th>
                        {COLUMNS.map((c) => (
                          <td key={c.label} className={td}>
                            <ValueWithDelta value={c.value(r)} previous={before.has(key(r)) ? c.value(before.get(key(r))!) : null} direction={c.direction} digits={c.digits} hasPrevious={!!previous} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
                <TrueKpiChanges comparisons={comparisons.filter((c) => c.dataset === dataset)} />
              </div>
              <PaperTable2 kind={rows[0]!.kind} />
            </div>
          </section>
        );
      })}
    </div>
  );
}

/** BoigSD's true-KPI change against each model per bucket, with the 95% paired bootstrap interval over prompts. */
function TrueKpiChanges({ comparisons }: { comparisons: readonly SdComparison[] }) {
  if (comparisons.length === 0) return null;
  return (
    <ul className="mt-2 space-y-0.5 text-xs text-slate-600" aria-label="BoigSD true KPI change">
      {comparisons.map((c) => (
        <li key={`${c.bucket}|${c.versus}`}>
          {c.bucket}: BoigSD vs {c.versus} true KPI <span className="font-medium tabular-nums text-slate-800">{formatPercent(c.trueKpiChange)}</span>
          {c.trueKpiChangeInterval && (
            <span className="tabular-nums"> (95% interval {formatPercent(c.trueKpiChangeInterval.low)} to {formatPercent(c.trueKpiChangeInterval.high)})</span>
          )}
        </li>
      ))}
    </ul>
  );
}
