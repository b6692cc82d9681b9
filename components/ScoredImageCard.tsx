"use client";
/**
 * One scored image (a BoigSD variant or an upload) as marketers read it: the image, its predicted
 * KPI as a percentile among the brand's own posts (calibrated reward; the paper reward's
 * percentile beside it), P(high KPI), the simulator's true KPI when known, and "Compare".
 */
import { useCompareTray } from "./compareTray";

export const MIN_BASELINE_POSTS = 20; // server/services/getRewardBaseline.ts

export type ScoredImage = {
  id: string;
  url: string;
  width: number;
  height: number;
  seed: number | null;
  fileName: string | null;
  rewardPaper: number;
  rewardCalibrated: number;
  probabilityHigh: number;
  percentilePaper: number | null;
  percentileCalibrated: number | null;
  trueKpi: number | null;
  canonical: string;
};

export const ordinal = (n: number) => {
  const r = Math.round(n);
  const suffix = r % 100 >= 11 && r % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][r % 10] ?? "th");
  return `${r}${suffix}`;
};

export function PercentileBadge({ value, label }: { value: number | null; label: string }) {
  if (value === null)
    return (
      <span className="text-xs text-slate-500" title={`Percentiles need at least ${MIN_BASELINE_POSTS} imported, verbalized posts of the brand`}>
        {label}: insufficient data
      </span>
    );
  return (
    <span className="text-xs text-slate-600">
      {label}: <span className="font-medium tabular-nums text-slate-800">{ordinal(value)}</span> pct
    </span>
  );
}

export function ScoredImageCard({ image, title, kpiName, layout = "column" }: { image: ScoredImage; title: string; kpiName: string; layout?: "column" | "row" }) {
  const tray = useCompareTray();
  const inTray = tray.ids.includes(image.id);
  const main = image.percentileCalibrated;
  const smooth = image.width > 128; // photos: smooth scaling; tiny renders: crisp pixels
  const row = layout === "row";
  return (
    <article aria-label={title} data-testid="scored-image-card"
      className={`min-w-0 rounded-lg border border-slate-200 bg-white p-3 ${row ? "grid grid-cols-[7rem_minmax(0,1fr)] gap-3" : "flex flex-col"}`}>
      <img
        src={image.url}
        alt={`${title}: ${image.canonical}`}
        width={image.width}
        height={image.height}
        loading="lazy"
        className={`aspect-square w-full rounded-md border border-slate-100 bg-slate-50 object-contain ${smooth ? "" : "[image-rendering:pixelated]"}`}
      />
      <div className="min-w-0">
        <h3 className={`text-sm font-medium ${row ? "" : "mt-2"}`}>{title}</h3>
        {image.seed !== null && <div className="text-[11px] leading-4 text-slate-400">seed {image.seed}</div>}
        <div className="mt-1" data-testid="predicted-kpi">
          {main === null ? (
            <div className="text-sm font-medium text-slate-500">Insufficient data</div>
          ) : (
            <div className="text-lg font-semibold tabular-nums">{ordinal(main)} <span className="text-xs font-normal text-slate-500">percentile</span></div>
          )}
          <div className="text-xs text-slate-500">
            P(high {kpiName}) <span className="font-mono text-slate-700">{(image.probabilityHigh * 100).toFixed(1)}%</span>
          </div>
        </div>
        <div className="mt-1 flex flex-col gap-0.5">
          <PercentileBadge value={image.percentilePaper} label="Paper reward" />
          {image.trueKpi !== null && (
            <span className="text-xs text-slate-600" data-testid="true-kpi">
              Simulator's true {kpiName}: <span className="font-medium tabular-nums text-slate-800">{Math.round(image.trueKpi).toLocaleString("en-US")}</span>
            </span>
          )}
        </div>
        <label className="mt-2 flex items-center gap-2 text-xs text-slate-700">
          <input type="checkbox" checked={inTray} disabled={!inTray && tray.full} onChange={() => tray.toggle(image.id)} className="h-4 w-4 rounded border-slate-300" />
          Compare
        </label>
      </div>
    </article>
  );
}
