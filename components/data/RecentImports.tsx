"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { ImportReports } from "./ImportReports";
import { ProgressBar, StatusBadge, TERMINAL, sourceText, type ImportView } from "./importShared";

/** (c) The latest imports with their outcome; each one's reports open in place. */
export function RecentImports() {
  const trpc = useTRPC();
  const imports = useQuery(
    trpc.admin.data.imports.queryOptions(
      { limit: 10 },
      { refetchInterval: (q) => (q.state.data?.some((i) => !TERMINAL.has(i.status)) ? 2000 : false) },
    ),
  );
  return (
    <section aria-label="Recent imports" className="max-w-5xl space-y-3">
      <h2 className="text-lg font-medium">Recent imports</h2>
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
        {imports.isLoading && <p className="p-6 text-sm text-slate-500">Loading imports…</p>}
        {imports.error && <p role="alert" className="p-6 text-sm text-red-700">{errorText(imports.error)}</p>}
        {imports.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No imports yet.</p>}
        {!!imports.data?.length && (
          <ul className="divide-y divide-slate-100">
            {imports.data.map((item) => (
              <li key={item.jobId}><ImportRow item={item} /></li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}

function outcome(item: ImportView) {
  if (item.status === "failed") return item.error ?? "failed";
  if (item.status === "cancelled") return "cancelled";
  if (item.status !== "succeeded") return item.status === "queued" ? "waiting for the worker" : item.message;
  const sum = (key: "inserted" | "updated" | "unchanged" | "rejected") => item.reports.reduce((s, r) => s + r[key], 0);
  return `${sum("inserted")} new, ${sum("updated")} updated, ${sum("unchanged")} unchanged, ${sum("rejected")} rejected`;
}

function ImportRow({ item }: { item: ImportView }) {
  const running = !TERMINAL.has(item.status);
  const summary = (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
      <StatusBadge status={item.status} />
      <span className="font-medium">{item.name ?? "(folder name)"}</span>
      <span className="text-slate-500">{sourceText(item.source)}</span>
      <span className="text-slate-400">{new Date(item.createdAt).toLocaleString()}</span>
      <span className={item.status === "failed" ? "text-red-700" : "text-slate-700"}>{outcome(item)}</span>
    </div>
  );
  if (running)
    return (
      <div className="space-y-2 px-4 py-3">
        {summary}
        <ProgressBar label={`Progress of ${item.name ?? "the import"}`} fraction={item.progress} />
      </div>
    );
  if (item.status !== "succeeded") return <div className="px-4 py-3">{summary}</div>;
  return (
    <details className="group px-4 py-3">
      <summary className="cursor-pointer list-none">{summary}<span className="text-xs text-brand-600 group-open:hidden">Show report</span></summary>
      <div className="mt-3"><ImportReports reports={item.reports} /></div>
    </details>
  );
}
