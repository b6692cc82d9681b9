"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { EvaluationDetail } from "./EvaluationDetail";
import { EvaluationsTable } from "./EvaluationsTable";
import { LaunchEvalForm } from "./LaunchEvalForm";

/**
 * Admin → Evaluation (issue 7): run `eval llm` / `eval sd` for chosen model versions as jobs,
 * follow them, and read Table 1 / Table 2 with the change since the previous run and the paper's
 * numbers beside ours.
 */
export function EvaluationAdmin() {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.admin.evals.list.queryOptions({ limit: 50 }),
    // Poll only while something is queued or running.
    refetchInterval: (q) => (q.state.data?.some((e) => e.status === "queued" || e.status === "running") ? 1500 : false),
  });
  const [picked, setPicked] = useState<string | null>(null);
  // Until the admin picks one: the newest evaluation.
  const selected = picked ?? list.data?.[0]?.id ?? null;
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Evaluation</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          The paper&apos;s Table 1 (BoigLLM: behavior-conditioned verbalization) and Table 2 (BoigSD: behavior-optimized generation) for the model
          versions you choose, run as jobs with the same code as <code>npx boig eval llm</code> / <code>eval sd</code>. Each number shows the change since
          the previous evaluation of the same table; the paper&apos;s numbers are beside ours.
        </p>
      </div>
      <LaunchEvalForm onLaunched={setPicked} />
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white">
        {list.error && <p role="alert" className="p-4 text-sm text-red-700">{errorText(list.error)}</p>}
        {list.isLoading && <p className="p-6 text-sm text-slate-500">Loading evaluations…</p>}
        {list.data?.length === 0 && <p className="p-6 text-sm text-slate-500">No evaluations yet: run one above.</p>}
        {!!list.data?.length && <EvaluationsTable items={list.data} selected={selected} onSelect={setPicked} />}
      </div>
      {selected && <EvaluationDetail id={selected} />}
    </section>
  );
}
