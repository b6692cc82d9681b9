"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { RunActions, RunStatusBadge } from "./RunActions";

/** Every training run, newest first, live (polled): status, progress with ETA, actions. */
export function RunsTable() {
  const trpc = useTRPC();
  const runs = useQuery({ ...trpc.admin.runs.list.queryOptions({ limit: 50 }), refetchInterval: 1500 });
  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
      {runs.error && <p role="alert" className="p-4 text-sm text-red-700">{errorText(runs.error)}</p>}
      {runs.isLoading && <p className="p-6 text-sm text-slate-500">Loading runs…</p>}
      {runs.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No runs yet: launch one above.</p>}
      {!!runs.data?.length && (
        <table className="w-full text-left text-sm" aria-label="Runs">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2 font-medium">Run</th>
              <th className="px-4 py-2 font-medium">Status</th>
              <th className="px-4 py-2 font-medium">Progress</th>
              <th className="px-4 py-2 font-medium">Started</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run) => (
              <tr key={run.id} className="border-t border-slate-100 align-top" data-testid="run-row">
                <td className="px-4 py-2">
                  <Link href={`/admin/runs/${run.id}`} className="font-medium text-brand-700 hover:underline">
                    {run.task}{run.payload.variant ? ` (${run.payload.variant})` : ""} · {run.payload.preset}
                  </Link>
                  <div className="font-mono text-xs text-slate-400">{run.id.slice(0, 8)}</div>
                </td>
                <td className="px-4 py-2"><RunStatusBadge status={run.status} interrupted={run.interrupted} /></td>
                <td className="w-72 px-4 py-2">
                  <div className="h-2 rounded-full bg-slate-100" role="progressbar" aria-label={`Progress of run ${run.id.slice(0, 8)}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(run.progress * 100)}>
                    <div className="h-2 rounded-full bg-brand-500 transition-all" style={{ width: `${Math.round(run.progress * 100)}%` }} />
                  </div>
                  <div className="mt-1 text-xs text-slate-500">{run.message}</div>
                  {run.error && run.status !== "succeeded" && <div className="mt-1 max-w-xs text-xs text-red-700">{run.error}</div>}
                </td>
                <td className="px-4 py-2 text-xs text-slate-500">{run.startedAt ? new Date(run.startedAt).toLocaleString() : "—"}</td>
                <td className="px-4 py-2 text-right"><RunActions run={run} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
