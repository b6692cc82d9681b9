import type { Accuracy, DatasetReport, EvalLlmReport } from "@/server/eval/evalLlm";
import { MetricsTable } from "./MetricsTable";
import { PaperTable1 } from "./PaperTable1";
import { ValueWithDelta } from "./ValueWithDelta";

/** Baselines whose win count has a target (issue 4: ≥ 7 of 9 against no-KPI and 5-shot). */
const TARGETED = new Set(["nokpi", "shot5"]);

/**
 * Table 1 of one evaluation, per dataset: the all-buckets means of the nine metrics for BoigLLM
 * and each baseline, BoigLLM's win counts (✓/✗ against the target), KPI-label accuracy, the
 * per-bucket means on request, and the paper's Table 1 beside it. Every number of ours shows the
 * previous evaluation's value and the change, coloured by the metric's direction.
 */
export function Table1View({ report, previous }: { report: EvalLlmReport; previous: EvalLlmReport | null }) {
  return (
    <div className="space-y-8">
      {report.datasets.map((d) => (
        <Table1Dataset key={d.dataset} report={report} dataset={d} previous={previous?.datasets.find((p) => p.dataset === d.dataset) ?? null} hasPrevious={!!previous} />
      ))}
    </div>
  );
}

function Table1Dataset({ report, dataset: d, previous, hasPrevious }: { report: EvalLlmReport; dataset: DatasetReport; previous: DatasetReport | null; hasPrevious: boolean }) {
  const label = (id: string) => report.rows.find((r) => r.id === id)?.label ?? id;
  return (
    <section aria-label={`Table 1, ${d.dataset}`} className="space-y-3">
      <h3 className="font-medium">
        {d.dataset} <span className="text-sm font-normal text-slate-500">({d.kind}) · {d.images} of {d.testImages} test images ({d.buckets.map((b) => `${b.bucket} ${b.images}`).join(", ")}) · all buckets</span>
      </h3>
      <div className="grid grid-cols-[minmax(0,1fr)] gap-4 2xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="space-y-3">
          <MetricsTable caption={`Table 1, ${d.dataset}, all buckets`} metrics={report.metrics} rows={report.rows} values={d.allBuckets} previous={previous?.allBuckets ?? null} />
          <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm" data-testid="wins">
            <span className="text-slate-600">BoigLLM better than:</span>
            {(Object.keys(d.wins) as (keyof DatasetReport["wins"])[]).map((id) => {
              const w = d.wins[id];
              const met = w.wins >= d.issueTarget.required;
              return (
                <div key={id} className="flex items-start gap-1">
                  <span>{label(id)}</span>
                  <ValueWithDelta value={w.wins} previous={previous?.wins[id]?.wins} direction="higher" digits={0} hasPrevious={hasPrevious} />
                  <span className="text-slate-500">/{w.of}</span>
                  {TARGETED.has(id) && (
                    <span className={met ? "text-green-700" : "text-red-700"} title={`target: at least ${d.issueTarget.required} of ${w.of}`}>
                      {met ? "✓" : `✗ (needs ${d.issueTarget.required})`}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          {d.advantages && <HowSure advantages={d.advantages} label={label} />}
          <KpiLabels accuracy={d.kpiLabel} previous={previous?.kpiLabel ?? null} hasPrevious={hasPrevious} labels={d.labels.join("/")} />
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-600">Per KPI bucket</summary>
            <div className="mt-2 space-y-3">
              {d.buckets.map((b) => (
                <div key={b.bucket}>
                  <div className="text-xs font-medium text-slate-500">KPI {b.bucket} ({b.images} images)</div>
                  <MetricsTable caption={`Table 1, ${d.dataset}, ${b.bucket}`} metrics={report.metrics} rows={report.rows} values={b.rows}
                    previous={previous?.buckets.find((p) => p.bucket === b.bucket)?.rows ?? null} />
                </div>
              ))}
            </div>
          </details>
        </div>
        <PaperTable1 kind={d.kind} metrics={report.metrics} />
      </div>
    </section>
  );
}

/** How many of the nine differences are more than noise (95% paired bootstrap; reports before it have none). */
function HowSure({ advantages, label }: { advantages: DatasetReport["advantages"]; label: (id: string) => string }) {
  return (
    <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm" data-testid="how-sure">
      <span className="text-slate-600" title="BoigLLM minus the baseline per metric, images resampled within buckets, 95% interval">Beyond noise (95% paired bootstrap):</span>
      {(["nokpi", "shot5"] as const).map((id) => {
        const a = advantages[id];
        if (a.tooFewImages) return <span key={id} className="text-slate-500">vs {label(id)}: too few images per bucket for an interval (at least 10)</span>;
        return (
          <span key={id}>
            vs {label(id)}: <span className="text-green-700">better on {a.surelyBetter}</span>, <span className="text-red-700">worse on {a.surelyWorse}</span>,{" "}
            <span className="text-slate-500">undecided {9 - a.surelyBetter - a.surelyWorse}</span>
          </span>
        );
      })}
    </div>
  );
}

function KpiLabels(props: { accuracy: DatasetReport["kpiLabel"]; previous: DatasetReport["kpiLabel"] | null; hasPrevious: boolean; labels: string }) {
  const { accuracy: a, previous: p, hasPrevious } = props;
  const part = (name: string, now: Accuracy, before: Accuracy | undefined) => (
    <div key={name} className="flex items-start gap-1">
      <span className="text-slate-600">{name}</span>
      <ValueWithDelta value={now.accuracy} previous={before?.accuracy} direction="higher" digits={3} hasPrevious={hasPrevious} />
      <span className="text-xs text-slate-400">({now.correct}/{now.total})</span>
    </div>
  );
  return (
    <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm" data-testid="kpi-label-accuracy">
      <span className="text-slate-600">KPI-label accuracy ({props.labels}):</span>
      {part("overall", a.overall, p?.overall)}
      {part("noisy prompts", a.noisy, p?.noisy)}
      {part("clean", a.clean, p?.clean)}
      <span className="text-xs text-slate-500">
        repeating the prompt&apos;s label: {a.repeatPromptLabel.accuracy === null ? "—" : a.repeatPromptLabel.accuracy.toFixed(3)}
      </span>
    </div>
  );
}
