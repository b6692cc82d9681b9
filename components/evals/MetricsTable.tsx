import type { MetricName, MetricsAggregate } from "@/server/eval/verbalizationMetrics";
import type { Direction } from "./delta";
import { ValueWithDelta } from "./ValueWithDelta";

/** Column headers of the nine verbalization metrics (the paper's Table 1 wording, shortened). */
export const METRIC_LABELS: Record<string, string> = {
  colorsIoU: "Colours IoU",
  colorsSimilarity: "Colours sim",
  colorsRgbDistance: "Colours RGB dist",
  colorsCoverageRmse: "Colours cov RMSE",
  tonesCoverageRmse: "Tones cov RMSE",
  objectsIoU: "Objects IoU",
  objectsSimilarity: "Objects sim",
  objectAreaRmse: "Area RMSE",
  relativePositionError: "Rel. position err",
};
export const arrow = (direction: Direction) => (direction === "higher" ? "↑" : "↓");
export const th = "px-2 py-1.5 text-left text-xs font-medium text-slate-500";
export const td = "px-2 py-1.5 align-top text-xs";

type Metric = { name: string; direction: Direction };
type Row = { id: string; label: string };

/** Our Table 1 rows × the nine metrics, each with the previous evaluation's value and the change. */
export function MetricsTable(props: {
  caption: string;
  metrics: readonly Metric[];
  rows: readonly Row[];
  values: Record<string, MetricsAggregate>;
  previous: Record<string, MetricsAggregate> | null;
}) {
  const { metrics, rows, values, previous } = props;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full text-sm" aria-label={props.caption}>
        <thead className="bg-slate-50">
          <tr>
            <th className={th}>Model</th>
            {metrics.map((m) => (
              <th key={m.name} className={th} title={m.name}>{METRIC_LABELS[m.name] ?? m.name} {arrow(m.direction)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} className={`border-t border-slate-100 ${row.id === "boigllm" ? "bg-brand-50/40" : ""}`}>
              <th scope="row" className={`${td} whitespace-nowrap text-left font-medium`}>{row.label}</th>
              {metrics.map((m) => (
                <td key={m.name} className={td}>
                  <ValueWithDelta value={values[row.id]?.metrics[m.name as MetricName]?.mean} previous={previous?.[row.id]?.metrics[m.name as MetricName]?.mean}
                    direction={m.direction} digits={4} hasPrevious={!!previous} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
