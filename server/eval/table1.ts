/**
 * Table 1's rows and the arithmetic on top of the per-bucket metric means (SPEC §6, issue 4):
 * the "all buckets" macro average of a dataset and the win counts of BoigLLM against each baseline.
 */
import { METRIC_DIRECTION, METRIC_NAMES, type MetricName, type MetricsAggregate, type MetricSummary } from "./verbalizationMetrics";

/** Our rows, and the paper's rows (Table 1) each stands in for. */
export const TABLE1_ROWS = [
  { id: "boigllm", label: "BoigLLM", paperRow: "Finetuned Llama (BoigLLM), behavior fine-tuning" },
  { id: "nokpi", label: "No-KPI fine-tuned", paperRow: "Finetuned Llama (no behavior)" },
  { id: "shot3", label: "3-shot retrieval", paperRow: "3-shot GPT-3.5 / GPT-4 (in-context learning)" },
  { id: "shot5", label: "5-shot retrieval", paperRow: "5-shot GPT-3.5 / GPT-4 (in-context learning)" },
] as const;
export type Table1RowId = (typeof TABLE1_ROWS)[number]["id"];
export const BASELINE_IDS = ["nokpi", "shot3", "shot5"] as const satisfies readonly Table1RowId[];
export type BaselineId = (typeof BASELINE_IDS)[number];

/** Issue 4: BoigLLM must beat the no-KPI and the 5-shot baselines on at least this many of the 9 metrics, per dataset. */
export const REQUIRED_WINS = 7;

/**
 * "All buckets": per metric, the unweighted mean of the bucket means that are defined (a macro
 * average, so a large bucket — social low is 6× social high — does not drown a small one; the
 * paper reports per bucket). `count` is the number of pairs behind it, summed over buckets.
 */
export function macroAverage(buckets: readonly MetricsAggregate[]): MetricsAggregate {
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((name): [MetricName, MetricSummary] => {
      const means = buckets.map((b) => b.metrics[name].mean).filter((m): m is number => m !== null);
      return [name, {
        mean: means.length === 0 ? null : means.reduce((s, m) => s + m, 0) / means.length,
        count: buckets.reduce((s, b) => s + b.metrics[name].count, 0),
      }];
    }),
  ) as Record<MetricName, MetricSummary>;
  return { pairs: buckets.reduce((s, b) => s + b.pairs, 0), metrics };
}

/** Strictly better in the metric's direction; an undefined mean on either side is no win. */
export function isBetter(metric: MetricName, value: number | null, than: number | null): boolean {
  if (value === null || than === null) return false;
  return METRIC_DIRECTION[metric] === "higher" ? value > than : value < than;
}

export type WinCount = { wins: number; of: number; metrics: MetricName[] };

/** On how many of the 9 metrics `model` is strictly better than `baseline` (ties are no win). */
export function countWins(model: MetricsAggregate, baseline: MetricsAggregate): WinCount {
  const metrics = METRIC_NAMES.filter((name) => isBetter(name, model.metrics[name].mean, baseline.metrics[name].mean));
  return { wins: metrics.length, of: METRIC_NAMES.length, metrics };
}
