"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";

const BUCKETS = ["high", "medium", "low", "none"] as const;
const th = "px-3 py-2 font-medium";
const td = "px-3 py-2 tabular-nums";

/** (d) Every dataset with its posts per KPI bucket and split, verbalized images, and its charts. */
export function DatasetsTable() {
  const trpc = useTRPC();
  const datasets = useQuery({ ...trpc.data.datasets.queryOptions(), refetchInterval: 10_000 });
  return (
    <section aria-label="Datasets" className="space-y-3">
      <h2 className="text-lg font-medium">Datasets</h2>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
        {datasets.isLoading && <p className="p-6 text-sm text-slate-500">Loading datasets…</p>}
        {datasets.error && <p role="alert" className="p-6 text-sm text-red-700">{errorText(datasets.error)}</p>}
        {datasets.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No datasets yet: upload a ZIP or import a folder above.</p>}
        {!!datasets.data?.length && (
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr>
                <th className={th}>Dataset</th><th className={th}>Kind</th><th className={th}>Posts</th>
                {BUCKETS.map((b) => <th key={b} className={`${th} capitalize`}>{b}</th>)}
                <th className={th}>Train</th><th className={th}>Test</th><th className={th}>Images (verbalized)</th>
                <th className={th}>Created</th><th className={th}>Updated</th><th className={th}><span className="sr-only">Charts</span></th>
              </tr>
            </thead>
            <tbody>
              {datasets.data.map((d) => (
                <tr key={d.id} className="border-t border-slate-100">
                  <td className="px-3 py-2 font-medium">{d.name}</td>
                  <td className="px-3 py-2">{d.kind}</td>
                  <td className={td}>{d.posts}</td>
                  {BUCKETS.map((b) => <td key={b} className={td}>{d.buckets[b] ?? 0}</td>)}
                  <td className={td}>{d.splits.train ?? 0}</td>
                  <td className={td}>{d.splits.test ?? 0}</td>
                  <td className={td}>{d.images} ({d.verbalized})</td>
                  <td className="whitespace-nowrap px-3 py-2 text-xs text-slate-500">{new Date(d.createdAt).toLocaleDateString()}</td>
                  <td className="whitespace-nowrap px-3 py-2 text-xs text-slate-500">{new Date(d.updatedAt).toLocaleString()}</td>
                  <td className="px-3 py-2 text-right">
                    <Link href={`/insights?dataset=${encodeURIComponent(d.name)}`} aria-label={`Insights for ${d.name}`} className="text-brand-600 hover:underline">Insights</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
