"use client";
import { useEffect, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { ImportReports } from "./ImportReports";
import { ProgressBar, StatusBadge, TERMINAL, card, sourceText } from "./importShared";
import { refreshQueries } from "../refreshQueries";

/**
 * Follows one import job: polled every second until it finishes, then its outcome (the report per
 * file with the rejected rows). When it finishes, the datasets and recent imports are refreshed.
 */
export function ImportProgress({ jobId, onDismiss }: { jobId: string; onDismiss: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const job = useQuery(
    trpc.admin.data.importJob.queryOptions(
      { jobId },
      { refetchInterval: (q) => (q.state.data && TERMINAL.has(q.state.data.status) ? false : 1000) },
    ),
  );
  const data = job.data;
  const finished = !!data && TERMINAL.has(data.status);
  const refreshed = useRef<string | null>(null);
  useEffect(() => {
    if (!finished || refreshed.current === jobId) return;
    refreshed.current = jobId;
    void refreshQueries(queryClient, trpc.data.datasets.queryKey(), trpc.admin.data.imports.queryKey());
  }, [finished, jobId, queryClient, trpc]);

  return (
    <section aria-label="Current import" className={`${card} max-w-5xl space-y-4`}>
      <div className="flex items-start justify-between gap-4">
        <div>
          <h2 className="text-lg font-medium">Import {data?.name ? `“${data.name}”` : ""}</h2>
          {data && <p className="text-sm text-slate-500">{sourceText(data.source)}</p>}
        </div>
        <button type="button" onClick={onDismiss} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
          {finished ? "Close" : "Hide"}
        </button>
      </div>
      {job.isLoading && <p className="text-sm text-slate-500">Loading the import…</p>}
      {job.error && <p role="alert" className="text-sm text-red-700">{errorText(job.error)}</p>}
      {data && (
        <>
          <div className="space-y-1">
            <div className="flex items-center gap-3 text-sm">
              <StatusBadge status={data.status} />
              <span className="tabular-nums text-slate-600">{Math.round(data.progress * 100)}%</span>
              <span role="status" className="truncate text-slate-600">{data.status === "queued" ? "Waiting for the worker…" : data.message}</span>
            </div>
            <ProgressBar label="Import progress" fraction={data.progress} />
          </div>
          {data.status === "failed" && <p role="alert" className="text-sm text-red-700">The import failed: {data.error ?? "see its log in the server output"}</p>}
          {data.status === "cancelled" && <p className="text-sm text-amber-700">The import was cancelled.</p>}
          {data.status === "succeeded" && (
            <>
              {data.verbalized && (
                <p className="text-sm text-slate-600">
                  {data.verbalized.images} image{data.verbalized.images === 1 ? "" : "s"} verbalized{data.verbalized.failed ? `, ${data.verbalized.failed} failed` : ""}.
                </p>
              )}
              <ImportReports reports={data.reports} />
            </>
          )}
        </>
      )}
    </section>
  );
}
