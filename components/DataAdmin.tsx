"use client";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";

/** Admin → Data: datasets with their buckets, and importing a folder that is on the server. */
export function DataAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const datasets = useQuery({ ...trpc.data.datasets.queryOptions(), refetchInterval: 5000 });
  const importFolder = useMutation(
    trpc.admin.data.importFolder.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.admin.jobs.list.queryKey() }) }),
  );

  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Data</h1>
      <form
        aria-label="Import a folder"
        className="max-w-3xl space-y-3 rounded-xl border border-slate-200 bg-white p-6"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const name = String(form.get("name") ?? "").trim();
          importFolder.mutate({ dir: String(form.get("dir") ?? ""), ...(name ? { name } : {}) });
        }}
      >
        <h2 className="text-lg font-medium">Import a folder on the server</h2>
        <p className="text-sm text-slate-500">A folder with posts.csv or posts.jsonl and its images (or a <code>boig world</code> output). It imports as a job; bad rows are reported by line and never stop the good ones.</p>
        <div className="grid gap-3 sm:grid-cols-3">
          <div className="sm:col-span-2">
            <label htmlFor="import-dir" className="text-sm font-medium text-slate-700">Folder path</label>
            <input id="import-dir" name="dir" required placeholder="/srv/exports/brand-2025" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
          </div>
          <div>
            <label htmlFor="import-name" className="text-sm font-medium text-slate-700">Dataset name (optional)</label>
            <input id="import-name" name="name" className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
          </div>
        </div>
        <div className="flex items-center gap-4">
          <button type="submit" disabled={importFolder.isPending} className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">Import</button>
          {importFolder.error && <p role="alert" className="text-sm text-red-700">{errorText(importFolder.error)}</p>}
          {importFolder.data && <p role="status" className="text-sm text-green-700">Import queued. Follow it under <Link className="underline" href="/admin/runs">Runs</Link>.</p>}
        </div>
      </form>
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
        {datasets.isLoading && <p className="p-6 text-sm text-slate-500">Loading datasets…</p>}
        {datasets.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No datasets yet.</p>}
        {!!datasets.data?.length && (
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr><th className="px-4 py-2 font-medium">Dataset</th><th className="px-4 py-2 font-medium">Kind</th><th className="px-4 py-2 font-medium">Posts</th><th className="px-4 py-2 font-medium">Images (verbalized)</th><th className="px-4 py-2 font-medium">Buckets</th><th /></tr>
            </thead>
            <tbody>
              {datasets.data.map((d) => (
                <tr key={d.id} className="border-t border-slate-100">
                  <td className="px-4 py-2 font-medium">{d.name}</td>
                  <td className="px-4 py-2">{d.kind}</td>
                  <td className="px-4 py-2">{d.posts}</td>
                  <td className="px-4 py-2">{d.images} ({d.verbalized})</td>
                  <td className="px-4 py-2 text-xs text-slate-600">{Object.entries(d.buckets).map(([b, n]) => `${b} ${n}`).join(" · ")}</td>
                  <td className="px-4 py-2 text-right"><Link href="/insights" className="text-brand-600 hover:underline">Insights</Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
