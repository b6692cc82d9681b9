"use client";
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { KpiHistogram } from "./charts/KpiHistogram";
import { PostsOverTime } from "./charts/PostsOverTime";
import { AttributeFrequencies } from "./charts/AttributeFrequencies";

const card = "rounded-xl border border-slate-200 bg-white p-5";

/** `initialDataset`: a dataset name to open first (/insights?dataset=NAME, linked from Admin → Data). */
export function DatasetInsights({ initialDataset }: { initialDataset?: string }) {
  const trpc = useTRPC();
  // Re-read every few seconds: during an import (the first-start demo data) datasets appear one by one.
  const datasetsQuery = useQuery({ ...trpc.data.datasets.queryOptions(), refetchInterval: 5000 });
  const [datasetId, setDatasetId] = useState<string | null>(null);
  useEffect(() => {
    const list = datasetsQuery.data;
    if (!datasetId && list?.[0]) setDatasetId((list.find((d) => d.name === initialDataset) ?? list[0]).id);
  }, [datasetId, datasetsQuery.data, initialDataset]);
  const insights = useQuery({ ...trpc.data.insights.queryOptions({ datasetId: datasetId ?? "" }), enabled: !!datasetId });

  if (datasetsQuery.isLoading) return <p className="text-sm text-slate-500">Loading datasets…</p>;
  if (datasetsQuery.error) return <p role="alert" className="text-sm text-red-700">{errorText(datasetsQuery.error)}</p>;
  if (!datasetsQuery.data?.length)
    return <p className={`${card} text-sm text-slate-600`}>No data imported yet. On first start the demo world is being prepared; an admin can also import data under Admin → Data.</p>;

  const r = insights.data;
  return (
    <div className="space-y-6">
      <div className="flex items-center gap-3">
        <label htmlFor="dataset" className="text-sm font-medium text-slate-700">Dataset</label>
        <select id="dataset" value={datasetId ?? ""} onChange={(e) => setDatasetId(e.target.value)} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm">
          {datasetsQuery.data.map((d) => (
            <option key={d.id} value={d.id}>{d.name} ({d.kind})</option>
          ))}
        </select>
      </div>
      {insights.isLoading && <p className="text-sm text-slate-500">Computing statistics…</p>}
      {insights.error && <p role="alert" className="text-sm text-red-700">{errorText(insights.error)}</p>}
      {r && (
        <>
          <div className="grid grid-cols-2 gap-4 md:grid-cols-4" data-testid="insights-summary">
            <Stat label="Posts" value={r.summary.posts} />
            <Stat label="Images" value={r.summary.images} />
            <Stat label="Accounts" value={r.summary.accounts} />
            <Stat label="Verbalized" value={`${r.summary.images ? Math.round((100 * r.summary.verbalized) / r.summary.images) : 0}%`} />
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <section className={card}>
              <h2 className="mb-2 font-medium">How {r.kpiName} are distributed</h2>
              <KpiHistogram bins={r.kpiHistogram} kpiName={r.kpiName} />
            </section>
            <section className={card}>
              <h2 className="mb-2 font-medium">Posts over time</h2>
              <PostsOverTime months={r.postsPerMonth} />
            </section>
          </div>
          <section className={card}>
            <h2 className="mb-1 font-medium">What high-{r.kpiName} images show more (or less) often</h2>
            <p className="mb-3 text-sm text-slate-500">Share of images in the high and low KPI buckets that contain each color, tone or object.</p>
            <AttributeFrequencies frequencies={r.frequencies} />
          </section>
          <section className={card}>
            <h2 className="mb-3 font-medium">KPI buckets</h2>
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500"><tr><th className="py-1 font-medium">Bucket</th><th className="font-medium">Split</th><th className="font-medium">Posts</th><th className="font-medium">Mean {r.kpiName}</th><th className="font-medium">Objects / image</th><th className="font-medium">Quality proxy</th><th className="font-medium">Caption–image agreement</th></tr></thead>
              <tbody>
                {r.buckets.map((b) => (
                  <tr key={`${b.bucket}/${b.split}`} className="border-t border-slate-100">
                    <td className="py-1">{b.bucket}</td><td>{b.split}</td><td>{b.posts}</td><td>{b.meanKpi.toFixed(0)}</td><td>{fmt(b.meanObjects)}</td><td>{fmt(b.meanQuality)}</td><td>{fmt(b.meanAgreement)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  );
}

const fmt = (v: number | null) => (v === null ? "–" : v.toFixed(2));

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div className={card}>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold">{value}</div>
    </div>
  );
}
