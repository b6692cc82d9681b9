"use client";
import Link from "next/link";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { errorText } from "../errorText";
import { MetricChart } from "../charts/RunCharts";
import { RunActions, RunStatusBadge } from "./RunActions";

const card = "rounded-xl border border-slate-200 bg-white p-5";

/**
 * One training run, live: progress with ETA, loss or DDPO per-epoch charts (reward mean ± std,
 * true KPI, approx KL, clip fraction, FID-like), the per-epoch sample grid of fixed prompts (the
 * paper's Figs. 1 and 5), logs, cancel / resume, and the model version it produced.
 */
export function RunDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const run = useQuery({
    ...trpc.admin.runs.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && ["succeeded", "failed", "cancelled"].includes(q.state.data.status) ? 5000 : 1000),
  });
  // null = follow the newest grid; a number once the admin picks an epoch.
  const [gridIndex, setGridIndex] = useState<number | null>(null);
  const grids = run.data?.grids ?? [];
  if (run.error) return <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(run.error)}</p>;
  if (!run.data) return <div className={`${card} h-64 animate-pulse`} aria-busy="true" aria-label="Loading run" />;
  const r = run.data;
  const shownGrid = grids.length ? grids[Math.min(gridIndex ?? grids.length - 1, grids.length - 1)]! : null;
  const epochs = r.metrics.epochs.map((e) => ({
    epoch: e.step,
    reward: e.metrics.reward_mean ?? null,
    rewardHigh: e.metrics.reward_mean !== undefined && e.metrics.reward_std !== undefined ? e.metrics.reward_mean + e.metrics.reward_std : null,
    rewardLow: e.metrics.reward_mean !== undefined && e.metrics.reward_std !== undefined ? e.metrics.reward_mean - e.metrics.reward_std : null,
    trueKpi: e.metrics.true_kpi_mean ?? null,
    heldOutTrueKpi: e.metrics.held_out_true_kpi ?? null,
    kl: e.metrics.approx_kl ?? null,
    clip: e.metrics.clipfrac ?? null,
    fid: e.metrics.held_out_fid_like ?? null,
    anchor: e.metrics.anchor_loss ?? null,
  }));
  // Runs with an anchor weight (PPO-ptx) report the denoising loss on real images each epoch; others report 0.
  const anchored = epochs.some((e) => (e.anchor ?? 0) > 0);
  const losses = r.metrics.progress.filter((p) => typeof p.loss === "number").map((p) => ({ step: p.step, loss: p.loss! }));
  return (
    <div className="space-y-6">
      <div className={`${card} flex flex-wrap items-start justify-between gap-4`}>
        <div className="min-w-0 space-y-1">
          <div className="flex items-center gap-3">
            <h2 className="text-lg font-medium">{r.task}{r.payload.variant ? ` (${r.payload.variant})` : ""} · {r.payload.preset}</h2>
            <RunStatusBadge status={r.status} interrupted={r.interrupted} />
          </div>
          <p className="text-sm text-slate-600" data-testid="run-message">{r.message || "waiting for the worker"}</p>
          {r.error && r.status !== "succeeded" && <p className="text-sm text-red-700">{r.error}</p>}
          <p className="font-mono text-xs text-slate-400">{r.id}</p>
        </div>
        <div className="w-72 space-y-2">
          <div className="h-2 rounded-full bg-slate-100" role="progressbar" aria-label="Run progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(r.progress * 100)}>
            <div className="h-2 rounded-full bg-brand-500 transition-all" style={{ width: `${Math.round(r.progress * 100)}%` }} />
          </div>
          <RunActions run={r} />
          {r.result?.modelVersionId && (
            <p className="text-right text-xs text-slate-600">Produced a model version: <Link href="/admin/models" className="text-brand-700 hover:underline">see Models</Link></p>
          )}
        </div>
      </div>

      {r.task === "ddpo" ? (
        <section aria-label="DDPO metrics" className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          <MetricChart testId="chart-reward" title="Reward (mean ± std)" data={epochs} x="epoch" series={[
            { key: "reward", label: "mean", color: "#4f46e5" }, { key: "rewardHigh", label: "+std", color: "#c7d2fe" }, { key: "rewardLow", label: "−std", color: "#c7d2fe" },
          ]} />
          <MetricChart testId="chart-true-kpi" title="True KPI of the epoch's samples" data={epochs} x="epoch" series={[
            { key: "trueKpi", label: "training samples", color: "#16a34a" }, { key: "heldOutTrueKpi", label: "held-out prompts", color: "#65a30d" },
          ]} />
          <MetricChart title="Approx. KL" data={epochs} x="epoch" series={[{ key: "kl", label: "approx KL", color: "#ea580c" }]} />
          <MetricChart title="Clip fraction" data={epochs} x="epoch" series={[{ key: "clip", label: "clip fraction", color: "#db2777" }]} />
          <MetricChart title="FID-like (held-out)" data={epochs} x="epoch" series={[{ key: "fid", label: "FID-like", color: "#0891b2" }]} />
          {anchored && <MetricChart title="Anchor loss (real images)" data={epochs} x="epoch" series={[{ key: "anchor", label: "denoising loss", color: "#64748b" }]} />}
        </section>
      ) : (
        <section aria-label="Training loss">
          <MetricChart testId="chart-loss" title="Training loss" data={losses} x="step" series={[{ key: "loss", label: "loss", color: "#4f46e5" }]} />
        </section>
      )}

      {shownGrid && (
        <section aria-label="Sample grid" className={card}>
          <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
            <h3 className="font-medium">Samples of fixed prompts, epoch {Number(shownGrid.slice(6, 9))}</h3>
            <label className="flex items-center gap-2 text-sm text-slate-600">
              Epoch
              <input type="range" min={0} max={grids.length - 1} value={Math.min(gridIndex ?? grids.length - 1, grids.length - 1)}
                onChange={(e) => setGridIndex(Number(e.target.value))} aria-label="Grid epoch" />
            </label>
          </div>
          <img src={`/api/admin/runs/${r.id}/grids/${shownGrid}`} alt={`DDPO samples at ${shownGrid}`} className="max-w-full rounded border border-slate-200 [image-rendering:pixelated]" style={{ width: 640 }} />
          <p className="mt-2 text-xs text-slate-500">Rows: fixed held-out prompts; columns: seeds. The same noise every epoch, so changes are the model's.</p>
        </section>
      )}

      <section aria-label="Logs" className={card}>
        <h3 className="mb-2 font-medium">Logs</h3>
        <pre className="max-h-80 overflow-auto rounded bg-slate-950 p-3 text-xs leading-5 text-slate-100">
          {r.logs.map((l) => `${new Date(l.at).toLocaleTimeString()} ${l.level === "info" ? "" : `[${l.level}] `}${l.message}`).join("\n") || "no log lines yet"}
        </pre>
      </section>
    </div>
  );
}
