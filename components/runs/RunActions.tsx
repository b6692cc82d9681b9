"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { STATUS_STYLE } from "../statusStyle";
import { refreshQueries } from "../refreshQueries";


export function RunStatusBadge({ status, interrupted }: { status: string; interrupted: boolean }) {
  const shown = interrupted ? "interrupted" : status;
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[shown] ?? ""}`} data-testid="run-status">{shown}</span>;
}

/** Cancel a queued/running run; resume a cancelled or interrupted one from its last checkpoint. */
export function RunActions({ run }: { run: { id: string; status: string; resumable: boolean } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => refreshQueries(queryClient, trpc.admin.runs.pathKey());
  const cancel = useMutation(trpc.admin.jobs.cancel.mutationOptions({ onSuccess: refresh }));
  const resume = useMutation(trpc.admin.runs.resume.mutationOptions({ onSuccess: refresh }));
  const error = cancel.error ?? resume.error;
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex gap-2">
        {(run.status === "queued" || run.status === "running") && (
          <button type="button" onClick={() => cancel.mutate({ jobId: run.id })} disabled={cancel.isPending}
            className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 disabled:opacity-60">
            Cancel
          </button>
        )}
        {run.resumable && (
          <button type="button" onClick={() => resume.mutate({ id: run.id })} disabled={resume.isPending}
            className="rounded-md border border-brand-300 bg-brand-50 px-2 py-1 text-xs text-brand-800 hover:bg-brand-100 disabled:opacity-60">
            Resume
          </button>
        )}
      </div>
      {error && <p role="alert" className="max-w-xs text-xs text-red-700">{errorText(error)}</p>}
    </div>
  );
}
