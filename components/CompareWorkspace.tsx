"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { useCompareTray } from "./compareTray";
import { PredictedKpiChart } from "./charts/PredictedKpiChart";
import { RewardBreakdown, type Contribution } from "./charts/RewardBreakdown";
import { ScoredImageCard } from "./ScoredImageCard";

const card = "rounded-xl border border-slate-200 bg-white p-5";

/**
 * Compare (issue 6): the images in the comparison tray (variants and uploads, up to 10) side by
 * side — predicted KPI chart, the recommendation with its reason, and per image what its colors,
 * tones and objects do to the score.
 */
export function CompareWorkspace() {
  const trpc = useTRPC();
  const tray = useCompareTray();
  const compare = useQuery(trpc.studio.compare.queryOptions({ imageIds: tray.ids }, { enabled: tray.ids.length > 0, retry: false, placeholderData: (prev) => prev }));

  if (tray.ids.length === 0)
    return (
      <div className={`${card} text-sm text-slate-600`}>
        Nothing to compare yet. Tick <em>Compare</em> on variants in <Link href="/generate" className="text-brand-700 underline">Generate</Link>, on a
        scored upload in <Link href="/score" className="text-brand-700 underline">Score</Link>, or in <Link href="/history" className="text-brand-700 underline">History</Link>.
      </div>
    );
  if (compare.error)
    return (
      <div className={`${card} space-y-3`}>
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(compare.error)}</p>
        <button type="button" onClick={tray.clear} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm">Clear the selection</button>
      </div>
    );
  const result = compare.data;
  if (!result) return <div className={`${card} h-64 animate-pulse`} aria-busy="true" aria-label="Loading comparison" />;

  const byId = new Map(result.items.map((item) => [item.id, item]));
  const ordered = tray.ids.map((id) => byId.get(id)).filter((x): x is NonNullable<typeof x> => !!x);
  const sameBrand = new Set(ordered.map((i) => i.generation.brand ?? "stock")).size === 1;
  const labelOf = (item: (typeof ordered)[number]) => (sameBrand && new Set(ordered.map((i) => i.generation.id)).size === 1 ? item.label : `${item.label} · ${item.generation.prompt.slice(0, 18)}`);
  return (
    <div className="space-y-6">
      <section aria-label="Recommendation" className="rounded-xl border border-green-200 bg-green-50 p-5">
        <h2 className="font-medium text-green-900" data-testid="recommendation-title">{result.recommendation.title}</h2>
        <p className="mt-1 text-sm text-green-900" data-testid="recommendation-reason">{result.recommendation.reason}</p>
      </section>
      <section aria-label="Predicted KPI" className={card}>
        <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
          <h2 className="font-medium">Predicted chance of a high-KPI post</h2>
          <button type="button" onClick={tray.clear} className="text-sm text-slate-600 underline-offset-2 hover:underline">Clear selection</button>
        </div>
        <div data-testid="predicted-kpi-chart">
          <PredictedKpiChart bars={ordered.map((item) => ({ label: labelOf(item), probabilityHigh: item.probabilityHigh, percentile: item.percentileCalibrated, recommended: item.id === result.recommendation.imageId }))} />
        </div>
        {ordered.some((i) => i.percentileCalibrated === null) && (
          <p className="mt-2 text-xs text-slate-500">Insufficient data: a percentile needs at least 20 imported, verbalized posts of the brand; those images show P(high) only.</p>
        )}
      </section>
      <div className="grid gap-4 md:grid-cols-2 2xl:grid-cols-3">
        {ordered.map((item) => (
          <section key={item.id} aria-label={`Compared: ${labelOf(item)}`} className={`${card} min-w-0 space-y-3 ${item.id === result.recommendation.imageId ? "ring-2 ring-green-500" : ""}`}>
            <ScoredImageCard image={item} title={item.label} kpiName={item.generation.kind === "stock" ? "downloads" : "likes"} layout="row" />
            <div className="min-w-0 text-xs text-slate-600">
              <div className="font-medium text-slate-800">{item.generation.brand ?? "stock"} · {item.generation.postDate.slice(0, 10)}</div>
              <p className="mt-1 line-clamp-2">{item.generation.prompt}</p>
              <p className="mt-1 font-mono text-[11px] text-slate-500">{item.canonical}</p>
            </div>
            <div>
              <h3 className="text-sm font-medium">What moves its score</h3>
              {(item.breakdown as Contribution[]).length > 0 ? (
                <RewardBreakdown breakdown={item.breakdown as Contribution[]} />
              ) : (
                <p className="text-sm text-slate-500">No attributes to weigh.</p>
              )}
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}
