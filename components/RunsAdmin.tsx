"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";

const STATUS_STYLE: Record<string, string> = {
  queued: "bg-slate-100 text-slate-700",
  running: "bg-blue-100 text-blue-800",
  succeeded: "bg-green-100 text-green-800",
  failed: "bg-red-100 text-red-800",
  cancelled: "bg-amber-100 text-amber-800",
};

/** Training runs as jobs: launch the demo trainer task, watch progress live, cancel. */
export function RunsAdmin() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobsQuery = useQuery({ ...trpc.admin.jobs.list.queryOptions({ limit: 50 }), refetchInterval: 1500 });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.admin.jobs.list.queryKey() });
  const launch = useMutation(trpc.admin.jobs.launchTrainerRun.mutationOptions({ onSuccess: refresh }));
  const cancel = useMutation(trpc.admin.jobs.cancel.mutationOptions({ onSuccess: refresh }));

  return (
    <section className="space-y-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold tracking-tight">Runs</h1>
        <button type="button" onClick={() => launch.mutate({ task: "tiny", preset: "tiny" })} disabled={launch.isPending}
          className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Launch tiny trainer run
        </button>
      </div>
      <p className="text-sm text-slate-500">
        BoigLLM, detector, diffusion and DDPO runs arrive in later releases; the tiny run exercises the trainer end to end
        (train, checkpoint, ONNX export verified against PyTorch).
      </p>
      {(launch.error || cancel.error) && <p role="alert" className="text-sm text-red-700">{errorText(launch.error ?? cancel.error)}</p>}
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
        {jobsQuery.isLoading && <p className="p-6 text-sm text-slate-500">Loading runs…</p>}
        {jobsQuery.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No runs yet.</p>}
        {!!jobsQuery.data?.length && (
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-slate-500">
              <tr><th className="px-4 py-2 font-medium">Job</th><th className="px-4 py-2 font-medium">Status</th><th className="px-4 py-2 font-medium">Progress</th><th className="px-4 py-2 font-medium">Attempts</th><th /></tr>
            </thead>
            <tbody>
              {jobsQuery.data.map((job) => (
                <tr key={job.id} className="border-t border-slate-100 align-top">
                  <td className="px-4 py-2"><div className="font-medium">{job.kind}</div><div className="font-mono text-xs text-slate-400">{job.id.slice(0, 8)}</div></td>
                  <td className="px-4 py-2"><span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[job.status] ?? ""}`}>{job.status}</span>
                    {job.error && <div className="mt-1 max-w-xs text-xs text-red-700">{job.error}</div>}</td>
                  <td className="w-64 px-4 py-2">
                    <div className="h-2 rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)}>
                      <div className="h-2 rounded-full bg-brand-500 transition-all" style={{ width: `${Math.round(job.progress * 100)}%` }} />
                    </div>
                    <div className="mt-1 text-xs text-slate-500">{job.progressMessage}</div>
                  </td>
                  <td className="px-4 py-2">{job.attempts}/{job.maxAttempts}</td>
                  <td className="px-4 py-2 text-right">
                    {(job.status === "queued" || job.status === "running") && (
                      <button type="button" onClick={() => cancel.mutate({ jobId: job.id })} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">Cancel</button>
                    )}
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
